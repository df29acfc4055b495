import LinearKernels

/// Policy iteration for the average-cost criterion of unichain models (Howard 1960;
/// Puterman 2005, §8.6), each policy evaluated exactly by a sparse LU
/// (`PinnedChainFactorization`).
///
/// ```
/// evaluate:  (I − P_π) h + g 1 = c_π,  h(reference) = 0      (one sparse LU solve)
/// improve:   π'(x) = argmin_{y∈R(x)} [ c(y) + Σ P(y,x') h(x') ]
/// ```
///
/// The evaluation system has a unique solution exactly when P_π has one recurrent class.
/// Each policy's recurrent classes are counted first (Tarjan, O(n + nnz)), so a policy with
/// several classes is reported as `.multichain`, never answered silently; otherwise the
/// system is factored pinned at a recurrent state (the taboo matrix `I − P̃` and one
/// Sherman–Morrison correction, no dense column) and h shifted to h(reference) = 0.
///
/// When few actions changed, a policy is re-evaluated by GMRES on the previous factors
/// (`PinnedChainFactorization.evaluate(costs:nearby:tolerance:maxSteps:)`) to a residual of
/// 1/8 of the tolerance.
/// Improvement runs `relaxationSweeps` symmetric Gauss–Seidel pairs on the evaluated h
/// first (which carries a change of action along chains of rarely visited states in one
/// iteration instead of one state per iteration), then keeps the current action unless
/// another candidate is lower by more than the evaluation's noise `2 (residual + δ)` (δ the
/// round-off of a row value), so exactly tied actions never make it cycle. It stops as
/// soon as the certificate meets `tolerance`, or when no state improves.
///
/// Certificate (Odoni 1969): for any h, `min(T h − h) <= g* <= max(T h − h)` in every state
/// (T^n h / n → g*, and T is monotone and commutes with adding constants). One Bellman step
/// on the final h gives the bracket, widened by δ on each side for the round-off of
/// computing `T h − h`, with `δ = max(8, k) ε max(1, max(‖h‖∞, ‖T h‖∞))` for rows of at most
/// k successors (ε = 2⁻⁵²). At the optimal policy the exact bracket has width 0, so the
/// computed one is a few δ plus the solve's residual. The reported policy is read off the
/// final row values with `tieRule` (as relative value iteration does).
///
/// Status: `.converged` when the bracket width meets `tolerance` (relative: times
/// `max(1, |g|)`); `.roundOffLimited` when the policy is stable but round-off keeps the
/// bracket wider; `.iterationLimitReached`; `.multichain` when a policy (the start, or one
/// reached) has several recurrent classes: the gain may then depend on the start state,
/// `bias` is the last unichain evaluation (or 0) and the bracket is its Odoni bracket,
/// still valid for every state.
/// - Complexity: per iteration one sparse LU of an n × n matrix with `nnz(P_π) + n`
///   entries (for 2-D queueing grids about O(n^1.5)), plus O(relaxationSweeps ·
///   transitions + candidates) for the improvement; 2–3 iterations on the service-mode model
///   from its discounted-optimal policy. See docs/average-cost.md §2.
public struct AverageCostPolicyIteration: Sendable {
  /// Stop condition on the certified bracket width `gainUpperBound − gainLowerBound`
  /// (precondition: > 0).
  public var tolerance: Tolerance
  /// Most evaluate–improve rounds (precondition: >= 1).
  public var maxIterations: Int
  /// The state whose relative value is pinned to 0 (must be a valid state index).
  public var referenceState: Int
  /// How the reported policy is read off the final row values.
  public var tieRule: TieRule
  /// Symmetric Gauss–Seidel pairs applied to each evaluated h before the improvement step
  /// (0: classical policy iteration; precondition: >= 0).
  public var relaxationSweeps: Int

  public init(
    tolerance: Tolerance = .relative(1e-10), maxIterations: Int = 1_000,
    referenceState: Int = 0, tieRule: TieRule = TieRule(), relaxationSweeps: Int = 60
  ) {
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.referenceState = referenceState
    self.tieRule = tieRule
    self.relaxationSweeps = relaxationSweeps
    checkSettings()
  }

  /// The settings' preconditions, checked by `init` and again by `solve` (they are `var`s).
  private func checkSettings() {
    precondition(tolerance.value > 0, "tolerance \(tolerance) must be > 0")
    precondition(maxIterations >= 1, "maxIterations \(maxIterations) must be >= 1")
    precondition(relaxationSweeps >= 0, "relaxationSweeps \(relaxationSweeps) must be >= 0")
  }

  /// Average-cost policy iteration on `process` (costs per stage, no discount).
  /// - Parameter initialPolicy: the first policy evaluated (action indices, one per state),
  ///   e.g. the discounted-optimal policy; default: the greedy policy of h = 0 (least
  ///   immediate cost, ties to the lowest action index).
  public func solve(_ process: DecisionProcess, initialPolicy: [Int]? = nil)
    -> AverageCostSolution
  {
    checkSettings()
    let n = process.stateCount
    precondition(
      referenceState >= 0 && referenceState < n,
      "reference state \(referenceState) outside 0..<\(n)")
    var rowValues = [Double](repeating: 0, count: process.rowCount)
    var policy: [Int]
    if let initialPolicy {
      precondition(initialPolicy.count == n, "initialPolicy has \(initialPolicy.count) entries")
      for (state, action) in initialPolicy.enumerated() {
        precondition(
          action >= 0 && action < process.actionCount(of: state),
          "initialPolicy: action \(action) outside 0..<\(process.actionCount(of: state)) "
            + "of state \(state)")
      }
      policy = initialPolicy
    } else {
      policy = process.greedyPolicy(relativeValues: [Double](repeating: 0, count: n))
    }
    let rowLength = (0..<process.rowCount).reduce(0) {
      max($0, process.transitions.rowStart[$1 + 1] - process.transitions.rowStart[$1])
    }
    var bias = [Double](repeating: 0, count: n)
    var image = bias
    var bracket = (lower: 0.0, upper: Double.infinity)
    var factors: PinnedChainFactorization?
    var iterations = 0
    var status = SolverStatus.iterationLimitReached
    // The policy, evaluation and row values before a relaxed improvement step, kept until
    // the next evaluation confirms that the step did not raise the gain.
    var beforeRelaxedStep: (policy: [Int], evaluation: Evaluation, rowValues: [Double])?
    while iterations < maxIterations {
      iterations += 1
      guard
        let evaluation = evaluate(
          process, policy: policy, factors: &factors,
          residualTarget: max(
            tolerance.threshold(scale: abs(bracket.lower)) / 8, Double.leastNormalMagnitude))
      else {
        status = .multichain
        break
      }
      if let before = beforeRelaxedStep,
        evaluation.gain > before.evaluation.gain + Self.gainNoise(before.evaluation, evaluation)
      {
        // The relaxed values are a heuristic: this step raised the gain. Undo it and take
        // the plain improvement of the evaluated h, which never raises it (Howard), so
        // policy iteration cannot cycle.
        beforeRelaxedStep = nil
        policy = before.policy
        guard
          BellmanKernels.improve(
            process, rowValues: before.rowValues,
            guardBand: guardBand(before.evaluation, before.rowValues, rowLength), policy: &policy)
        else {
          status = .roundOffLimited
          break
        }
        continue
      }
      bias = evaluation.bias
      // The certificate of this h: one Bellman step.
      BellmanKernels.rowValues(process, discount: 1, values: bias, into: &rowValues)
      let (low, high, scale) = BellmanKernels.minimize(
        process, rowValues: rowValues, previous: bias, into: &image)
      let roundOff = Self.roundOff(scale: scale, rowLength: rowLength)
      bracket = (low - roundOff, high + roundOff)
      if tolerance.isMet(
        by: bracket.upper - bracket.lower, scale: max(abs(bracket.lower), abs(bracket.upper)))
      {
        status = .converged
        break
      }
      let previous = policy
      switch improve(
        process, evaluation: evaluation, rowLength: rowLength, rowValues: rowValues,
        policy: &policy)
      {
      case .unchanged:
        status = .roundOffLimited
      case .byRelaxedValues:
        beforeRelaxedStep = (previous, evaluation, rowValues)
      case .byEvaluatedValues:
        beforeRelaxedStep = nil
      }
      if status == .roundOffLimited { break }
    }
    if status == .multichain && iterations == 1 {
      // No h was evaluated: the Odoni bracket of h = 0.
      BellmanKernels.rowValues(process, discount: 1, values: bias, into: &rowValues)
      let (low, high, scale) = BellmanKernels.minimize(
        process, rowValues: rowValues, previous: bias, into: &image)
      let roundOff = Self.roundOff(scale: scale, rowLength: rowLength)
      bracket = (low - roundOff, high + roundOff)
    }
    let (lower, upper) = bracket
    let tieTolerance = tieRule.tolerance(
      errorBound: upper - lower, scale: BellmanKernels.supNorm(rowValues))
    return AverageCostSolution(
      gain: (lower + upper) / 2, gainLowerBound: lower, gainUpperBound: upper, bias: bias,
      policy: status == .multichain
        ? policy
        : BellmanKernels.greedyPolicy(process, rowValues: rowValues, tieTolerance: tieTolerance),
      status: status, iterations: iterations, method: "policy iteration (sparse LU)")
  }

  /// One evaluation: h with h(reference) = 0, g, and the residual of the solve.
  typealias Evaluation = (bias: [Double], gain: Double, residual: Double)

  /// Which values an improvement step used, if it changed the policy.
  enum ImprovementStep { case unchanged, byRelaxedValues, byEvaluatedValues }

  /// The improvement step: `relaxationSweeps` symmetric Gauss–Seidel pairs of
  /// `h ← min_y [c(y) − g + Σ P(y,x') h(x')]` from the evaluated h carry a change of action
  /// along chains of rarely visited states in one step (plain improvement fixes one state
  /// of such a chain per iteration), then each state switches to a candidate lower by more
  /// than the noise `2 (residual + δ)`. If the relaxed values change no action, the plain
  /// improvement on the evaluated h (row values `rowValues`) decides. The caller checks
  /// that a relaxed step did not raise the gain (it may: the relaxed values are not a
  /// policy's values) and otherwise undoes it for the plain step.
  private func improve(
    _ process: DecisionProcess, evaluation: Evaluation, rowLength: Int, rowValues: [Double],
    policy: inout [Int]
  ) -> ImprovementStep {
    if relaxationSweeps > 0 {
      var relaxed = evaluation.bias
      for _ in 0..<relaxationSweeps {
        for backward in [false, true] {
          _ = BellmanKernels.gaussSeidelSweep(
            process, discount: 1, values: &relaxed, rows: nil, costOffset: -evaluation.gain,
            backward: backward)
        }
      }
      var relaxedRows = rowValues
      BellmanKernels.rowValues(process, discount: 1, values: relaxed, into: &relaxedRows)
      if BellmanKernels.improve(
        process, rowValues: relaxedRows,
        guardBand: guardBand(evaluation, relaxedRows, rowLength), policy: &policy)
      {
        return .byRelaxedValues
      }
    }
    return BellmanKernels.improve(
      process, rowValues: rowValues, guardBand: guardBand(evaluation, rowValues, rowLength),
      policy: &policy)
      ? .byEvaluatedValues : .unchanged
  }

  /// The noise below which a candidate does not replace the current action:
  /// `2 (residual + δ)` at the row values' scale.
  private func guardBand(_ evaluation: Evaluation, _ rowValues: [Double], _ rowLength: Int)
    -> Double
  {
    2
      * (evaluation.residual
        + Self.roundOff(scale: BellmanKernels.supNorm(rowValues), rowLength: rowLength))
  }

  /// How much two evaluated gains may differ by the solves' errors alone: the residuals
  /// plus 64 ulps of the larger gain.
  static func gainNoise(_ first: Evaluation, _ second: Evaluation) -> Double {
    first.residual + second.residual
      + 64 * Double.ulpOfOne * max(abs(first.gain), abs(second.gain))
  }

  /// The round-off δ of one computed entry of `T h − h` at values of sup norm `scale`, for
  /// rows of at most `rowLength` successors: `max(8, rowLength) ε max(1, scale)` (a row
  /// product of k terms errs by at most k ε/2 · Σ|p h| <= k ε/2 · scale; the cost addition
  /// and the subtraction add 2 ε/2 · scale each; 8 covers the library's short rows).
  static func roundOff(scale: Double, rowLength: Int) -> Double {
    BellmanKernels.roundOff(scale: scale) * max(1, Double(rowLength) / 8)
  }

  /// h and g of `policy` by one sparse LU solve, or nil when P_π has several recurrent
  /// classes (or the system is singular to working precision). The system is pinned at a
  /// recurrent state (`PinnedChainFactorization`: the previous pinned state if it is still
  /// recurrent, else `referenceState` if recurrent, else the lowest recurrent state) and h
  /// is then shifted to h(referenceState) = 0. When `factors` holds the previous policy's
  /// LU, the system is first solved by GMRES preconditioned with it (exact in m + 1 steps
  /// when m states changed action), to a residual of `residualTarget`; otherwise, or if
  /// `krylovSteps` steps do not reach it, it is factored anew and `factors` replaced.
  private func evaluate(
    _ process: DecisionProcess, policy: [Int], factors: inout PinnedChainFactorization?,
    residualTarget: Double
  ) -> Evaluation? {
    let chain = process.inducedChain(policy: policy).transitions
    let n = process.stateCount
    let classes = Reachability.bottomComponents(of: Array(0..<n), in: chain)
    guard classes.count == 1 else { return nil }
    var recurrent = [Bool](repeating: false, count: n)
    for state in classes[0] { recurrent[state] = true }
    let costs = process.costs(policy: policy)
    var evaluation: (bias: [Double], gain: Double, residual: Double)?
    if let previous = factors, recurrent[previous.reference] {
      evaluation = previous.evaluate(
        costs: costs, nearby: chain, tolerance: residualTarget, maxSteps: Self.krylovSteps)
    }
    if evaluation == nil {
      let pinned =
        factors.map(\.reference).flatMap { recurrent[$0] ? $0 : nil }
        ?? (recurrent[referenceState] ? referenceState : classes[0].min() ?? referenceState)
      do {
        let factored = try PinnedChainFactorization(chain, reference: pinned)
        evaluation = try factored.evaluate(costs: costs)
        factors = factored
      } catch {
        return nil
      }
    }
    guard var (bias, gain, residual) = evaluation else { return nil }
    let shift = bias[referenceState]
    if shift != 0 { bias = bias.map { $0 - shift } }
    return (bias, gain, residual)
  }

  /// Most GMRES steps of a re-evaluation on the previous factors before factoring anew.
  static let krylovSteps = 20
}

extension DecisionProcess {
  /// The greedy policy of undiscounted values h, `argmin_{y∈R(x)} [c(y) + Σ P(y,x') h(x')]`
  /// (ties to the lowest action index): the improvement step of policy iteration, and the
  /// way to turn a warm start's relative values into an `initialPolicy`.
  /// - Complexity: O(transitions + candidates).
  public func greedyPolicy(relativeValues h: [Double]) -> [Int] {
    precondition(h.count == stateCount, "h has \(h.count) entries, need \(stateCount)")
    var rowValues = [Double](repeating: 0, count: rowCount)
    BellmanKernels.rowValues(self, discount: 1, values: h, into: &rowValues)
    return BellmanKernels.greedyPolicy(self, rowValues: rowValues, tieTolerance: 0)
  }
}
