/// Value iteration for discounted MDPs.
///
/// ```
/// Jacobi:        V_{k+1}(x) = min_{y∈R(x)} [ c(y) + γ Σ P(y,x') V_k(x') ]
/// Gauss–Seidel:  the same, sweeping x in index order, using updated values at once and
///                solving each state's own equation exactly (diagonal elimination)
/// ```
///
/// Stopping rule and certificate: the MacQueen–Porteus bounds of a Jacobi step. With
/// `d = T V − V`, `T V + γ/(1−γ)·min d <= V* <= T V + γ/(1−γ)·max d`; the returned values
/// are the midpoint of that bracket and `errorBound = γ/(1−γ)·(max d − min d)/2`
/// (Puterman 2005, §6.6.3). Jacobi checks the bracket every sweep; Gauss–Seidel (about four
/// times fewer sweeps on queueing models with large self-loop probabilities) runs
/// `certificationInterval` sweeps between Jacobi checks. It stops when
/// `errorBound <= tolerance` (see `Tolerance`) or after `maxIterations` sweeps (status
/// `.iterationLimitReached`, bound still valid).
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
  /// Gauss–Seidel sweeps between two Jacobi certification steps.
  public var certificationInterval: Int

  public init(
    tolerance: Tolerance = .absolute(1e-8), maxIterations: Int = 1_000_000,
    ordering: Ordering = .jacobi, tieRule: TieRule = TieRule(), initialValues: [Double]? = nil,
    certificationInterval: Int = 10
  ) {
    precondition(tolerance.value > 0, "tolerance \(tolerance) must be > 0")
    precondition(maxIterations >= 1, "maxIterations \(maxIterations) must be >= 1")
    precondition(certificationInterval >= 1, "certificationInterval \(certificationInterval) must be >= 1")
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.ordering = ordering
    self.tieRule = tieRule
    self.initialValues = initialValues
    self.certificationInterval = certificationInterval
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
    while iterations < maxIterations {
      iterations += 1
      let certify = ordering == .jacobi || iterations % certificationInterval == 0
        || iterations == maxIterations
      if certify {
        BellmanKernels.rowValues(process, discount: gamma, values: values, into: &rowValues)
        let (lower, upper) = BellmanKernels.minimize(
          process, rowValues: rowValues, previous: values, into: &next)
        swap(&values, &next)
        errorBound = factor * (upper - lower) / 2
        // Re-centre on the bracket's midpoint: removes the constant error mode, which
        // Gauss–Seidel alone damps only at rate ≈ γ.
        let midpointShift = factor * (upper + lower) / 2
        for state in values.indices { values[state] += midpointShift }
        if errorBound <= tolerance.threshold(scale: BellmanKernels.supNorm(values)) {
          status = .converged
          break
        }
      } else {
        _ = BellmanKernels.gaussSeidelSweep(process, discount: gamma, values: &values, rows: nil)
      }
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
