/// Value iteration for discounted MDPs.
///
/// ```
/// Jacobi:        V_{k+1}(x) = min_{y∈R(x)} [ c(y) + γ Σ P(y,x') V_k(x') ]
/// Gauss–Seidel:  the same, sweeping x in index order and using updated V at once
/// ```
///
/// Stopping rule and certificate:
/// - Jacobi uses the MacQueen–Porteus bounds: with `d = V_{k+1} − V_k`,
///   `V_{k+1} + γ/(1−γ)·min d <= V* <= V_{k+1} + γ/(1−γ)·max d`; the returned values are the
///   midpoint of that bracket and `errorBound = γ/(1−γ)·(max d − min d)/2` (Puterman 2005,
///   §6.6.3).
/// - Gauss–Seidel uses the sup-norm contraction bound `‖V_{k+1} − V*‖ <= γ/(1−γ)‖d‖∞`.
///
/// It stops when `errorBound <= tolerance` (see `Tolerance`) or after `maxIterations`
/// sweeps (status `.iterationLimitReached`, bound still valid).
/// - Complexity: O(transitions + candidates) per Jacobi sweep; a Gauss–Seidel sweep reads
///   each candidate's row once per state that lists it.
public struct ValueIteration: DiscountedSolver {
  public enum Ordering: String, Sendable, CaseIterable { case jacobi, gaussSeidel }

  public var tolerance: Tolerance
  public var maxIterations: Int
  public var ordering: Ordering
  public var tieRule: TieRule
  /// Starting values (default 0).
  public var initialValues: [Double]?

  public init(
    tolerance: Tolerance = .absolute(1e-8), maxIterations: Int = 1_000_000,
    ordering: Ordering = .jacobi, tieRule: TieRule = TieRule(), initialValues: [Double]? = nil
  ) {
    precondition(tolerance.value > 0, "tolerance \(tolerance) must be > 0")
    precondition(maxIterations >= 1, "maxIterations \(maxIterations) must be >= 1")
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.ordering = ordering
    self.tieRule = tieRule
    self.initialValues = initialValues
  }

  public func solve(_ mdp: DiscountedMDP) -> MDPSolution {
    let process = mdp.process
    let gamma = mdp.discountFactor
    let factor = gamma / (1 - gamma)
    var values = initialValues ?? [Double](repeating: 0, count: process.stateCount)
    precondition(values.count == process.stateCount, "initialValues has \(values.count) entries")
    var rowValues = [Double](repeating: 0, count: process.rowCount)
    var next = values
    var iterations = 0
    var errorBound = Double.infinity
    var status = SolverStatus.iterationLimitReached
    var midpointShift = 0.0
    while iterations < maxIterations {
      iterations += 1
      switch ordering {
      case .jacobi:
        BellmanKernels.rowValues(process, discount: gamma, values: values, into: &rowValues)
        let (lower, upper) = BellmanKernels.minimize(
          process, rowValues: rowValues, previous: values, into: &next)
        swap(&values, &next)
        errorBound = factor * (upper - lower) / 2
        midpointShift = factor * (upper + lower) / 2
        if errorBound <= tolerance.threshold(scale: BellmanKernels.supNorm(values)) {
          status = .converged
        }
      case .gaussSeidel:
        let change = BellmanKernels.gaussSeidelSweep(
          process, discount: gamma, values: &values, rows: nil)
        errorBound = factor * change
        if errorBound <= tolerance.threshold(scale: BellmanKernels.supNorm(values)) {
          status = .converged
        }
      }
      if status == .converged { break }
    }
    // The bracket is centred on V_{k+1} + shift, whether or not the loop converged.
    if midpointShift != 0 {
      for state in values.indices { values[state] += midpointShift }
    }
    return DiscountedSolutionBuilder.finish(
      mdp, values: values, errorBound: errorBound, status: status, iterations: iterations,
      tieRule: tieRule, method: "value iteration (\(ordering.rawValue))")
  }
}

/// Reads the policy off final values with the tie rule and packages the solution.
enum DiscountedSolutionBuilder {
  static func finish(
    _ mdp: DiscountedMDP, values: [Double], errorBound: Double, status: SolverStatus,
    iterations: Int, tieRule: TieRule, method: String
  ) -> MDPSolution {
    var rowValues = [Double](repeating: 0, count: mdp.process.rowCount)
    BellmanKernels.rowValues(
      mdp.process, discount: mdp.discountFactor, values: values, into: &rowValues)
    let tieTolerance = tieRule.tolerance(
      errorBound: errorBound, scale: BellmanKernels.supNorm(rowValues))
    return MDPSolution(
      values: values,
      policy: BellmanKernels.greedyPolicy(
        mdp.process, rowValues: rowValues, tieTolerance: tieTolerance),
      status: status, iterations: iterations, errorBound: errorBound,
      tieTolerance: tieTolerance, method: method)
  }

  /// The certified bound of arbitrary values: `‖V − V*‖∞ <= ‖TV − V‖∞ / (1 − γ)`, with the
  /// residual floored at a few ulps of the value scale (round-off in computing T V).
  static func residualBound(_ mdp: DiscountedMDP, values: [Double]) -> Double {
    var rowValues = [Double](repeating: 0, count: mdp.process.rowCount)
    var next = values
    BellmanKernels.rowValues(
      mdp.process, discount: mdp.discountFactor, values: values, into: &rowValues)
    let (lower, upper) = BellmanKernels.minimize(
      mdp.process, rowValues: rowValues, previous: values, into: &next)
    let roundOff = 8 * Double.ulpOfOne * max(1, BellmanKernels.supNorm(rowValues))
    return max(-lower, upper, roundOff) / (1 - mdp.discountFactor)
  }
}
