import LinearKernels

/// How a fixed policy's discounted values `V = c_π + γ P_π V` are computed.
public enum EvaluationMethod: Sendable, Equatable {
  /// Dense LU of `(I − γ P_π)` through LAPACK, certified by the residual bound
  /// `‖c_π + γ P_π V − V‖∞ / (1 − γ)` plus round-off. O(n³), O(n²) memory.
  case dense
  /// Gauss–Seidel sweeps of the policy's operator, warm-started, stopped when the
  /// certified bound `γ/(1−γ)·‖ΔV‖∞ + δ/(1−γ) <= tolerance` (δ = 8 ε max(1, ‖V‖∞), the
  /// round-off of a sweep), or with status `.roundOffLimited` when the first term falls to
  /// that round-off noise without meeting it. O(transitions) per sweep.
  case gaussSeidel(tolerance: Double, maxSweeps: Int = 1_000_000)
  /// Dense up to `denseLimit` states, otherwise Gauss–Seidel to the absolute bound 1e-11.
  case automatic(denseLimit: Int = 1500)
}

/// The discounted values of one stationary policy, with a certified bound.
public struct PolicyValues: Sendable {
  public let values: [Double]
  /// `‖values − V_π‖∞ <= errorBound` (round-off level for the dense method).
  public let errorBound: Double
  public let status: SolverStatus
  public let sweeps: Int
}

/// Policy evaluation (Puterman 2005, §6.4), shared by policy iteration and model code.
public enum PolicyEvaluation {
  /// Evaluates `V = c_π + γ P_π V` for a policy given as action indices. `initialValues`
  /// warm-starts the Gauss–Seidel method (precondition: one finite entry per state).
  /// - Throws: `LinearSolveError` from the dense method (cannot happen for γ < 1, since
  ///   `I − γ P_π` is strictly diagonally dominant, but reported rather than trapped).
  public static func discounted(
    _ mdp: DiscountedMDP, policy: [Int], method: EvaluationMethod = .automatic(),
    initialValues: [Double]? = nil
  ) throws(LinearSolveError) -> PolicyValues {
    let rows = mdp.process.selectedRows(policy: policy).map { Int32($0) }
    return try discounted(mdp, rows: rows, method: method, initialValues: initialValues)
  }

  static func discounted(
    _ mdp: DiscountedMDP, rows: [Int32], method: EvaluationMethod, initialValues: [Double]?
  ) throws(LinearSolveError) -> PolicyValues {
    let process = mdp.process
    let n = process.stateCount
    let resolved: EvaluationMethod
    if case .automatic(let limit) = method {
      resolved = n <= limit ? .dense : .gaussSeidel(tolerance: 1e-11)
    } else {
      resolved = method
    }
    switch resolved {
    case .gaussSeidel(let tolerance, let maxSweeps):
      var values = initialValues ?? [Double](repeating: 0, count: n)
      precondition(values.count == n, "initialValues has \(values.count) entries, need \(n)")
      precondition(values.allSatisfy(\.isFinite), "initialValues has a non-finite entry")
      let factor = mdp.discountFactor / (1 - mdp.discountFactor)
      var sweeps = 0
      var bound = Double.infinity
      var status = SolverStatus.iterationLimitReached
      while sweeps < maxSweeps {
        sweeps += 1
        let change = BellmanKernels.gaussSeidelSweep(
          process, discount: mdp.discountFactor, values: &values, rows: rows)
        // The sweep's contraction bound, plus the round-off of computing the sweep.
        let contraction = factor * change
        let scale = BellmanKernels.supNorm(values)
        let roundOff = BellmanKernels.roundOffBound(scale: scale, discount: mdp.discountFactor)
        bound = contraction + roundOff
        if Tolerance.absolute(tolerance).isMet(by: bound, scale: 0) {
          status = .converged
          break
        }
        if BellmanKernels.isAtRoundOffFloor(
          contraction: contraction, roundOff: roundOff, discount: mdp.discountFactor,
          iterateScale: scale, solutionScale: scale, tolerance: .absolute(tolerance))
        {
          status = .roundOffLimited
          break
        }
      }
      return PolicyValues(values: values, errorBound: bound, status: status, sweeps: sweeps)
    default:
      var system = Matrix.identity(n)
      var costs = [Double](repeating: 0, count: n)
      let p = process.transitions
      for state in 0..<n {
        let row = Int(rows[state])
        costs[state] = process.costs[row]
        for k in p.rowStart[row]..<p.rowStart[row + 1] {
          system[state, Int(p.columnIndex[k])] -= mdp.discountFactor * p.values[k]
        }
      }
      let values = try LAPACK.solve(system, costs)
      // LU is exact only to round-off: certify with the policy's own residual,
      // ‖V − V_π‖∞ <= ‖c_π + γ P_π V − V‖∞ / (1 − γ), plus the round-off of computing it.
      var image = values
      BellmanKernels.policyStep(
        process, discount: mdp.discountFactor, rows: rows, values: values, into: &image)
      let residual = zip(image, values).reduce(0) { max($0, abs($1.0 - $1.1)) }
      let bound =
        residual / (1 - mdp.discountFactor)
        + BellmanKernels.roundOffBound(
          scale: max(BellmanKernels.supNorm(values), BellmanKernels.supNorm(image)),
          discount: mdp.discountFactor)
      return PolicyValues(
        values: values, errorBound: bound,
        status: bound.isFinite ? .converged : .iterationLimitReached, sweeps: 0)
    }
  }
}

/// Policy iteration for discounted MDPs (Howard; Puterman 2005, §6.4).
///
/// ```
/// evaluate:  V_π = c_π + γ P_π V_π
/// improve:   π'(x) = argmin_{y∈R(x)} [ c(y) + γ Σ P(y,x') V_π(x') ]
/// ```
///
/// The current action is kept unless another candidate is better by more than the
/// improvement guard (twice the evaluation bound plus round-off), so exactly tied actions
/// never make it cycle. It stops when no state improves and the evaluation met its
/// tolerance or its round-off floor. The certificate is computed from the final values,
/// `errorBound = ‖T V − V‖∞ / (1 − γ)` plus round-off, and the policy is re-read from
/// them with the tie rule (so it is the same policy VI reports).
/// - Complexity: per improvement one evaluation (dense O(n³), or O(transitions) per
///   Gauss–Seidel sweep) plus O(transitions) for the greedy step; few improvements.
public struct PolicyIteration: DiscountedSolver {
  /// How each policy is evaluated.
  public var evaluation: EvaluationMethod
  /// Most evaluate–improve rounds (precondition: >= 1).
  public var maxIterations: Int
  /// How the reported policy is read off the final values.
  public var tieRule: TieRule
  /// Starting policy (action indices); default: action 0 everywhere.
  public var initialPolicy: [Int]?

  public init(
    evaluation: EvaluationMethod = .automatic(), maxIterations: Int = 10_000,
    tieRule: TieRule = TieRule(), initialPolicy: [Int]? = nil
  ) {
    self.evaluation = evaluation
    self.maxIterations = maxIterations
    self.tieRule = tieRule
    self.initialPolicy = initialPolicy
    checkSettings()
  }

  /// The settings' preconditions, checked by `init` and again by `solve` (they are `var`s).
  private func checkSettings() {
    precondition(maxIterations >= 1, "maxIterations \(maxIterations) must be >= 1")
  }

  public func solve(_ mdp: DiscountedMDP) -> MDPSolution {
    checkSettings()
    let process = mdp.process
    var policy = initialPolicy ?? [Int](repeating: 0, count: process.stateCount)
    var rowValues = [Double](repeating: 0, count: process.rowCount)
    var values: [Double] = []
    var iterations = 0
    var status = SolverStatus.iterationLimitReached
    while iterations < maxIterations {
      iterations += 1
      let evaluated: PolicyValues
      do {
        evaluated = try PolicyEvaluation.discounted(
          mdp, policy: policy, method: evaluation, initialValues: values.isEmpty ? nil : values)
      } catch {
        preconditionFailure("I − γP_π is nonsingular for γ < 1, LAPACK said: \(error)")
      }
      values = evaluated.values
      BellmanKernels.rowValues(
        process, discount: mdp.discountFactor, values: values, into: &rowValues)
      let guardBand =
        2 * mdp.discountFactor * evaluated.errorBound + 1e-13
        * max(1, BellmanKernels.supNorm(rowValues))
      let changed = BellmanKernels.improve(
        process, rowValues: rowValues, guardBand: guardBand, policy: &policy)
      // A stable policy whose evaluation stopped at its sweep limit is evaluated again
      // (warm-started) in the next iteration, not reported as converged. One whose
      // evaluation stopped at its round-off floor is as accurate as floating point allows:
      // converged, with the residual bound below.
      if !changed && evaluated.status != .iterationLimitReached {
        status = .converged
        break
      }
    }
    return DiscountedSolutionBuilder.finish(
      mdp, values: values,
      errorBound: DiscountedSolutionBuilder.residualBound(mdp, values: values), status: status,
      iterations: iterations, tieRule: tieRule, method: "policy iteration")
  }
}

/// Modified policy iteration (Puterman & Shin 1978; Puterman 2005, §6.5).
///
/// ```
/// V' = T V (greedy step, policy π),  then V ← T_π^m V'  (m partial evaluation sweeps)
/// ```
///
/// Started below V* (`V_0 = min_y c(y) / (1 − γ)`), so the iterates increase monotonically.
/// Stopping rule and certificate: MacQueen–Porteus bounds on each greedy step, with the
/// round-off allowance and the `.roundOffLimited` stop, as for Jacobi value iteration; the
/// returned values are the midpoint of the bracket.
/// - Complexity: O((m + 1) · transitions) per iteration.
public struct ModifiedPolicyIteration: DiscountedSolver {
  /// Stop when `errorBound` meets this (precondition: > 0).
  public var tolerance: Tolerance
  /// m, the Jacobi sweeps of the greedy policy after each greedy step (0: value iteration;
  /// precondition: >= 0).
  public var evaluationSweeps: Int
  /// Most greedy steps (precondition: >= 1).
  public var maxIterations: Int
  /// How the reported policy is read off the final values.
  public var tieRule: TieRule
  /// Starting values (default: the lower bound min c / (1 − γ)). Precondition: one finite
  /// entry per state.
  public var initialValues: [Double]?

  public init(
    tolerance: Tolerance = .absolute(1e-8), evaluationSweeps: Int = 20,
    maxIterations: Int = 100_000, tieRule: TieRule = TieRule(), initialValues: [Double]? = nil
  ) {
    self.tolerance = tolerance
    self.evaluationSweeps = evaluationSweeps
    self.maxIterations = maxIterations
    self.tieRule = tieRule
    self.initialValues = initialValues
    checkSettings()
  }

  /// The settings' preconditions, checked by `init` and again by `solve` (they are `var`s).
  private func checkSettings() {
    precondition(tolerance.value > 0, "tolerance \(tolerance) must be > 0")
    precondition(evaluationSweeps >= 0, "evaluationSweeps \(evaluationSweeps) must be >= 0")
    precondition(maxIterations >= 1, "maxIterations \(maxIterations) must be >= 1")
  }

  public func solve(_ mdp: DiscountedMDP) -> MDPSolution {
    checkSettings()
    let process = mdp.process
    let gamma = mdp.discountFactor
    let factor = gamma / (1 - gamma)
    let start = (process.costs.min() ?? 0) / (1 - gamma)
    var values =
      initialValues ?? [Double](repeating: start, count: process.stateCount)
    precondition(values.count == process.stateCount, "initialValues has \(values.count) entries")
    // (The default start may overflow; that is caught by the bound, not trapped.)
    precondition(
      initialValues?.allSatisfy(\.isFinite) ?? true, "initialValues has a non-finite entry")
    var next = values
    var rowValues = [Double](repeating: 0, count: process.rowCount)
    var iterations = 0
    var errorBound = Double.infinity
    var status = SolverStatus.iterationLimitReached
    while iterations < maxIterations {
      iterations += 1
      BellmanKernels.rowValues(process, discount: gamma, values: values, into: &rowValues)
      let (lower, upper, stepScale) = BellmanKernels.minimize(
        process, rowValues: rowValues, previous: values, into: &next)
      // As for value iteration: the bracket of the exact T V, widened by its round-off.
      let shift = factor * (upper + lower) / 2
      let midpointScale = next.reduce(0) { max($0, abs($1 + shift)) }
      let contraction = factor * (upper - lower) / 2
      let iterateScale = max(stepScale, midpointScale)
      let roundOff = BellmanKernels.roundOffBound(scale: iterateScale, discount: gamma)
      errorBound = contraction + roundOff
      let converged = tolerance.isMet(by: errorBound, scale: midpointScale)
      let atFloor = BellmanKernels.isAtRoundOffFloor(
        contraction: contraction, roundOff: roundOff, discount: gamma,
        iterateScale: iterateScale, solutionScale: midpointScale, tolerance: tolerance)
      if converged || atFloor {
        values = next.map { $0 + shift }
        status = converged ? .converged : .roundOffLimited
        break
      }
      let policy = BellmanKernels.greedyPolicy(process, rowValues: rowValues, tieTolerance: 0)
      let rows = process.selectedRows(policy: policy).map { Int32($0) }
      for _ in 0..<evaluationSweeps {
        BellmanKernels.policyStep(process, discount: gamma, rows: rows, values: next, into: &values)
        swap(&values, &next)
      }
      swap(&values, &next)
    }
    if status == .iterationLimitReached {
      // The last bracket described T V, not the partially evaluated iterate.
      errorBound = DiscountedSolutionBuilder.residualBound(mdp, values: values)
    }
    return DiscountedSolutionBuilder.finish(
      mdp, values: values, errorBound: errorBound, status: status, iterations: iterations,
      tieRule: tieRule, method: "modified policy iteration (\(evaluationSweeps) sweeps)")
  }
}
