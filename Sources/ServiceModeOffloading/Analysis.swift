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
  /// The solve with B and B2 doubled (nil when the truncation check was skipped).
  public let doubledSolution: ServiceModeSolution?
  public let structure: StructureReport
  /// The truncation check (nil when it was skipped).
  public let truncation: TruncationCheck?

  /// Solves `model` and, with `checkTruncation`, its doubled truncation, then checks the
  /// structure on the window.
  /// - Parameters:
  ///   - window: W, see `window(_:for:)`.
  ///   - checkTruncation: whether to solve again with B and B2 doubled
  ///     (docs/service-modes.md §S2.3).
  ///   - progress: if given, replaces the solver's progress callback, telling the two solves
  ///     apart (`doubled` is true for the solve with B and B2 doubled).
  /// - Throws: `ParameterError` if the window is out of range or the doubled model is too
  ///   large.
  /// - Complexity: one solve, plus the doubled one (4 times the states) when checked.
  public init(
    model: ServiceModeModel, solver: ServiceModeSolver, window: Int? = nil,
    checkTruncation: Bool = true,
    progress: (@Sendable (_ doubled: Bool, _ iterations: Int, _ errorBound: Double) -> Void)? = nil
  ) throws(ParameterError) {
    let window = try Self.window(window, for: model.stateSpace)
    let models = checkTruncation ? [model, try model.doubled()] : [model]
    let solutions = concurrentMap(models.count, threads: models.count) { index in
      var solver = solver
      if let progress { solver.progress = { progress(index == 1, $0, $1) } }
      return solver.solve(models[index])
    }
    let solution = solutions[0]
    let doubled = solutions.count > 1 ? solutions[1] : nil
    self.solution = solution
    doubledSolution = doubled
    structure = StructureReport(
      policy: solution.policy, rowValues: solution.rowValues, window: window)
    truncation = doubled.map {
      TruncationCheck(policy: solution.policy, doubled: $0.policy, window: window)
    }
  }

  /// The states held at once by an analysis of `space`: `4(B + 1)(B2 + 1)`, plus
  /// `4(2B + 1)(2B2 + 1)` for the doubled solve when `checkTruncation`.
  /// - Throws: `ParameterError` naming B and B2 when the doubled space exceeds
  ///   `ServiceModeStateSpace.maximumStateCount`.
  public static func stateCount(for space: ServiceModeStateSpace, checkTruncation: Bool)
    throws(ParameterError) -> Int
  {
    guard checkTruncation else { return space.stateCount }
    let doubled: ServiceModeStateSpace
    do {
      doubled = try ServiceModeStateSpace(
        bufferLimit: 2 * space.bufferLimit, cloudBufferLimit: 2 * space.cloudBufferLimit)
    } catch {
      throw .outOfRange(
        "buffer limit (B)", space.bufferLimit,
        valid: "small enough that the truncation check (docs/service-modes.md §S2.3) can also "
          + "solve B = \(2 * space.bufferLimit), B2 = \(2 * space.cloudBufferLimit): "
          + "4(2B + 1)(2B2 + 1) <= \(ServiceModeStateSpace.maximumStateCount) states "
          + "(B = B2 <= 4095); or skip the check")
    }
    return space.stateCount + doubled.stateCount
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

/// Memory a solve holds per state, measured, so that callers can refuse a model before
/// allocating it.
public enum ServiceModeMemory {
  /// Two value vectors, the row values and the policy read at the end (measured: a
  /// matrix-free solve of B = 1000 peaks at 47 bytes per state including the process).
  public static let matrixFreeBytesPerState = 48
  /// The sparse model (at most 5 transitions of 12 bytes, 4 candidates of 4 bytes, row and
  /// candidate offsets, costs) plus the solver's vectors (measured: an analysis of
  /// B = 300, with its doubled solve 1.8e6 states together, peaks at 152 bytes per state).
  public static let sparseBytesPerState = 160

  /// The bytes `states` states need, with or without a stored sparse model.
  public static func bytes(states: Int, sparse: Bool) -> Double {
    Double(states) * Double(sparse ? sparseBytesPerState : matrixFreeBytesPerState)
  }
}
