import MarkovSolvers
import Testing

/// Every discounted solver the core offers, each configured to a tight tolerance; test
/// bodies run over all of them (Storm's solver-environment pattern).
enum SolverConfiguration: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case jacobiValueIteration
  case gaussSeidelValueIteration
  case andersonGaussSeidelValueIteration
  case policyIterationDense
  case policyIterationGaussSeidel
  case modifiedPolicyIteration

  static let tolerance = 1e-10

  var testDescription: String { rawValue }

  /// Policy iteration converges when its policy repeats, whatever the tolerance.
  var isPolicyIteration: Bool {
    self == .policyIterationDense || self == .policyIterationGaussSeidel
  }

  /// The solver, stopped after `maxIterations` outer iterations when given.
  func solver(maxIterations: Int? = nil, tolerance: Double = Self.tolerance) -> any DiscountedSolver
  {
    switch self {
    case .jacobiValueIteration, .gaussSeidelValueIteration, .andersonGaussSeidelValueIteration:
      var solver = ValueIteration(
        tolerance: .absolute(tolerance), maxIterations: maxIterations ?? 1_000_000,
        ordering: self == .jacobiValueIteration ? .jacobi : .gaussSeidel)
      if self == .andersonGaussSeidelValueIteration { solver.andersonMemory = 2 }
      return solver
    case .policyIterationDense:
      return PolicyIteration(evaluation: .dense, maxIterations: maxIterations ?? 10_000)
    case .policyIterationGaussSeidel:
      return PolicyIteration(
        evaluation: .gaussSeidel(tolerance: tolerance / 100, maxSweeps: maxIterations ?? 1_000_000),
        maxIterations: maxIterations ?? 10_000)
    case .modifiedPolicyIteration:
      return ModifiedPolicyIteration(
        tolerance: .absolute(tolerance), evaluationSweeps: 5,
        maxIterations: maxIterations ?? 100_000)
    }
  }
}
