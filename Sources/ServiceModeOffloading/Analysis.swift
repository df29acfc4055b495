import MarkovSolvers

/// A full solve as the `solve` command reports it: the optimal policy, its structure on the
/// window and the truncation check, which solves the model again with B and B2 doubled.
///
/// The two solves run concurrently (they are independent; results do not depend on the
/// thread count).
///
/// Docs: docs/service-modes.md §S2.3, §S4, §S5.
public struct ServiceModeAnalysis: Sendable {
  public let solution: ServiceModeSolution
  /// The solve with B and B2 doubled.
  public let doubledSolution: ServiceModeSolution
  public let structure: StructureReport
  public let truncation: TruncationCheck

  /// Solves `model` and its doubled truncation, then checks the structure on the window.
  /// - Parameter window: W, see `window(_:for:)`.
  /// - Throws: `ParameterError` if the window is out of range or the doubled model is too
  ///   large.
  /// - Complexity: two solves (the doubled one has 4 times the states).
  public init(model: ServiceModeModel, solver: ServiceModeSolver, window: Int? = nil)
    throws(ParameterError)
  {
    let window = try Self.window(window, for: model.stateSpace)
    let models = [model, try model.doubled()]
    let solutions = concurrentMap(2, threads: 2) { solver.solve(models[$0]) }
    solution = solutions[0]
    doubledSolution = solutions[1]
    structure = StructureReport(
      policy: solution.policy, rowValues: solution.rowValues, window: window)
    truncation = TruncationCheck(
      policy: solution.policy, doubled: doubledSolution.policy, window: window)
  }

  /// The window W for a state space: `requested`, or by default `min(B, B2)/2` (`B/2` when
  /// B2 = B), at least 1.
  /// - Throws: `ParameterError` unless `1 <= W <= min(B, B2)`.
  public static func window(_ requested: Int?, for space: ServiceModeStateSpace)
    throws(ParameterError) -> Int
  {
    let limit = min(space.bufferLimit, space.cloudBufferLimit)
    let window = requested ?? max(1, limit / 2)
    guard window >= 1, window <= limit else {
      throw .outOfRange("window (W)", window, valid: "an integer in 1...\(limit) (min(B, B2))")
    }
    return window
  }
}
