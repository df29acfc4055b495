/// The solver contract: one way to say criterion, method and tolerance for any finite MDP
/// of the core, built-in or user-defined, and one result (docs/solvers.md).
///
/// ```
/// let solver = MDPSolver(criterion: .discounted(factor: 0.95), tolerance: .absolute(1e-8))
/// let solution = try solver.solve(process)        // DecisionProcess, discrete time
/// let solution = try MDPSolver(criterion: .continuousDiscounted(rate: 0.1)).solve(ctmdp)
/// let solution = try MDPSolver(criterion: .average).solve(process)
/// solution.status, solution.errorBound, solution.policy, solution.values
/// ```
///
/// Dispatch (`method`, docs/solvers.md §2):
/// - discounted: `automatic` is policy iteration with dense evaluation up to
///   `tuning.automaticPolicyIterationLimit` states (exact up to round-off in a few
///   improvements), Gauss–Seidel value iteration above; `value-iteration` (Jacobi),
///   `gauss-seidel`, `policy-iteration`, `modified-policy-iteration` force one;
/// - average: `automatic` and `policy-iteration` run average-cost policy iteration with a
///   sparse LU per policy (`AverageCostPolicyIteration`; a policy with several recurrent
///   classes stops it with status `.multichain`), `relative-value-iteration` runs relative
///   value iteration (`averageCostSolution` is the one place that dispatches this criterion);
/// - a continuous-time model is first uniformized at `uniformizationRate` (default its
///   largest exit rate), then solved as above.
///
/// Stopping rule: each method stops when its certificate meets `tolerance` (the bound
/// `errorBound` for discounted criteria, the bracket width `gainUpper − gainLower` for the
/// average one), or at its round-off floor (`.roundOffLimited`), or after `maxIterations`
/// (`.iterationLimitReached`). The result is re-checked against `tolerance` before it is
/// returned: a method that stopped converged with a certificate looser than asked (policy
/// iteration's residual bound below round-off) reports `.roundOffLimited`.
/// - Complexity: that of the method; O(rows + transitions) per value-iteration sweep, plus
///   O(rows + transitions) to uniformize a continuous-time model.
public struct MDPSolver: Sendable {
  /// Method-specific settings, each with the default of the core's solver.
  public struct Tuning: Sendable, Equatable {
    /// `automatic` runs policy iteration up to this many states (discounted).
    public var automaticPolicyIterationLimit = 500
    /// Policy iteration evaluates densely (LU) up to this many states, by Gauss–Seidel
    /// above (to `(1 − γ)/2` times the tolerance, so the final bound meets it). At most
    /// `maximumDenseLimit`.
    public var denseEvaluationLimit = 1500
    /// Gauss–Seidel sweeps between two Jacobi certifications (>= 1).
    public var certificationInterval = 10
    /// Anderson acceleration memory of Gauss–Seidel value iteration (0: none; 0...10).
    public var andersonMemory = 0
    /// Jacobi sweeps of the greedy policy per modified-policy-iteration step (0...10000).
    public var evaluationSweeps = 20
    /// τ of relative value iteration's aperiodicity transformation, in (0, 1].
    public var aperiodicity = 0.5
    /// The state whose relative value is pinned to 0 (average criterion).
    public var referenceState = 0
    /// Symmetric Gauss–Seidel pairs relaxing each evaluated h before an improvement step
    /// of average-cost policy iteration (0: classical policy iteration; 0...100;
    /// docs/average-cost.md §2).
    public var relaxationSweeps = 60

    public init() {}

    /// The largest `denseEvaluationLimit` accepted (an n × n LU needs 8 n² bytes).
    public static let maximumDenseLimit = 10_000
  }

  /// `.relative(1e-9)`: a bound of 1e-9 · max(1, ‖V‖∞) (or · max(1, |g|)).
  public static let defaultTolerance = Tolerance.relative(1e-9)
  /// The largest `maxIterations` accepted: it bounds the work of a solve, and front ends
  /// check their iteration flags against it.
  public static let maximumIterationLimit = 100_000_000

  public var criterion: Criterion
  public var method: SolutionMethod
  /// The bound the certificate must meet, with its kind (absolute or relative).
  public var tolerance: Tolerance
  /// Outer iterations at most; nil: the method's default (value iteration and relative
  /// value iteration 1 000 000, policy iteration (either criterion) 10 000, modified policy
  /// iteration 100 000);
  /// at most `maximumIterationLimit`; each iteration is O(rows + transitions).
  public var maxIterations: Int?
  /// Λ for a continuous-time model (>= its largest exit rate); nil: the largest exit rate
  /// (1 if every exit rate is 0). Ignored for discrete-time models.
  public var uniformizationRate: Double?
  /// A warm start: V (discounted) or h (average), one finite entry per state. Policy
  /// iteration starts from the greedy policy of these values (unless `initialPolicy` is
  /// set).
  public var initialValues: [Double]?
  /// A warm start for policy iteration (either criterion): the first policy evaluated, one
  /// action per state (its 0-based index in the state's choices), e.g. the discounted-
  /// optimal policy as the start of an average-cost solve. It takes precedence over
  /// `initialValues`; the value-iteration methods start from values and do not use it. A
  /// matrix-free operator refuses it.
  public var initialPolicy: [Int]?
  /// How the policy is read off the final values.
  public var tieRule = TieRule()
  public var tuning = Tuning()
  /// Called by value iteration after every certification with the sweeps so far and the
  /// current bound (progress of long solves).
  public var progress: (@Sendable (_ iterations: Int, _ errorBound: Double) -> Void)?

  public init(
    criterion: Criterion, method: SolutionMethod = .automatic,
    tolerance: Tolerance = MDPSolver.defaultTolerance, maxIterations: Int? = nil
  ) {
    self.criterion = criterion
    self.method = method
    self.tolerance = tolerance
    self.maxIterations = maxIterations
  }

  // MARK: Entry points

  /// Solves a discrete-time model (costs per stage) under `.discounted(factor:)` or
  /// `.average`.
  /// - Throws: `SolverError.invalidSetting` for a setting out of range, a continuous
  ///   criterion, or a method that does not apply to the criterion; `.invalidModel` for the
  ///   average criterion on a model without states.
  public func solve(_ process: DecisionProcess) throws(SolverError) -> CertifiedSolution {
    try checkSettings(stateCount: process.stateCount, candidateStart: process.candidateStart)
    let choices = process.candidateRows.count
    switch criterion {
    case .discounted(let factor):
      let mdp: DiscountedMDP
      do { mdp = try DiscountedMDP(process: process, discountFactor: factor) } catch {
        throw .invalidModel(error)
      }
      return try discounted(mdp, choiceCount: choices, uniformizationRate: nil)
    case .continuousDiscounted(let rate):
      throw .invalidSetting(
        .inconsistent(
          name: "criterion", value: "continuous-discounted (β = \(formatParameterValue(rate)))",
          reason: "a discrete-time model takes discounted(factor: γ) or average"))
    case .average:
      return try average(process, choiceCount: choices, rateScale: 1, uniformizationRate: nil)
    }
  }

  /// Solves a continuous-time model (costs per unit time) under
  /// `.continuousDiscounted(rate:)` or `.average`, uniformized at `uniformizationRate`.
  /// Discounted values are the continuous-time values; the average gain and its bracket
  /// are per unit time (Λ times the uniformized chain's).
  /// - Throws: `SolverError.invalidSetting` as for discrete time (and for
  ///   `.discounted(factor:)`, which has no meaning without a rate), `.invalidModel` if
  ///   `uniformizationRate` is below the largest exit rate.
  public func solve(_ model: ContinuousTimeMDP) throws(SolverError) -> CertifiedSolution {
    try checkSettings(stateCount: model.stateCount, candidateStart: model.candidateStart)
    let choices = model.candidateRows.count
    switch criterion {
    case .discounted(let factor):
      throw .invalidSetting(
        .inconsistent(
          name: "criterion", value: "discounted (γ = \(formatParameterValue(factor)))",
          reason: "a continuous-time model takes continuousDiscounted(rate: β) or average"))
    case .continuousDiscounted(let rate):
      let mdp: DiscountedMDP
      let rateUsed: Double
      do {
        rateUsed = try Uniformization.checkedRate(uniformizationRate, model: model)
        mdp = try Uniformization.discretize(model, rate: rateUsed, continuousDiscount: rate)
      } catch { throw .invalidModel(error) }
      return try discounted(mdp, choiceCount: choices, uniformizationRate: rateUsed)
    case .average:
      let discrete: (process: DecisionProcess, rate: Double)
      do {
        discrete = try Uniformization.discretizeForAverageCost(model, rate: uniformizationRate)
      } catch { throw .invalidModel(error) }
      return try average(
        discrete.process, choiceCount: choices, rateScale: discrete.rate,
        uniformizationRate: discrete.rate)
    }
  }

  /// Solves a matrix-free discounted operator (its own γ, which `criterion` must state:
  /// `.discounted(factor: bellman.discountFactor)`) by value iteration; `automatic` is
  /// Gauss–Seidel.
  /// - Throws: `SolverError.invalidSetting` for another criterion or γ, a method that needs
  ///   the tabular model (policy iteration, modified policy iteration), or an
  ///   `initialPolicy`.
  public func solve(operator bellman: some BellmanOperator) throws(SolverError)
    -> CertifiedSolution
  {
    try checkSettings(stateCount: bellman.stateCount, candidateStart: nil)
    guard case .discounted(let factor) = criterion, factor == bellman.discountFactor else {
      throw .invalidSetting(
        .inconsistent(
          name: "criterion", value: criterion.name,
          reason:
            "a matrix-free operator is solved under discounted(factor: \(bellman.discountFactor)),"
            + " its own factor"))
    }
    let resolved = try resolvedMethod(stateCount: bellman.stateCount, tabular: false)
    let solution = valueIteration(resolved).solve(operator: bellman)
    return finish(
      solution, method: resolved, choiceCount: nil, uniformizationRate: nil,
      discountFactor: factor)
  }

  // MARK: Dispatch

  /// The method `automatic` stands for, or the asked one if it applies.
  /// - Throws: `.invalidSetting` if the method does not apply to the criterion or form.
  public func resolvedMethod(stateCount: Int, tabular: Bool = true) throws(SolverError)
    -> SolutionMethod
  {
    func refuse(_ reason: String) -> SolverError {
      .invalidSetting(.inconsistent(name: "method", value: method.rawValue, reason: reason))
    }
    switch criterion {
    case .discounted, .continuousDiscounted:
      switch method {
      case .automatic:
        return tabular && stateCount <= tuning.automaticPolicyIterationLimit
          ? .policyIteration : .gaussSeidel
      case .valueIteration, .gaussSeidel:
        return method
      case .policyIteration, .modifiedPolicyIteration:
        guard tabular else { throw refuse("needs a tabular model, not a matrix-free operator") }
        return method
      case .relativeValueIteration:
        throw refuse("applies to the average criterion only")
      }
    case .average:
      switch method {
      case .automatic, .policyIteration:
        return .policyIteration
      case .relativeValueIteration:
        return method
      case .valueIteration, .gaussSeidel, .modifiedPolicyIteration:
        throw refuse(
          "is not available for the average criterion: use policy-iteration or "
            + "relative-value-iteration")
      }
    }
  }

  /// The average criterion's solvers: the one place where it is dispatched. Policy
  /// iteration starts from `initialPolicy`, else the greedy policy of `initialValues`, else
  /// that of h = 0.
  func averageCostSolution(
    _ process: DecisionProcess, method: SolutionMethod, tolerance: Tolerance
  ) -> AverageCostSolution {
    switch method {
    case .policyIteration:
      AverageCostPolicyIteration(
        tolerance: tolerance, maxIterations: maxIterations ?? 10_000,
        referenceState: tuning.referenceState, tieRule: tieRule,
        relaxationSweeps: tuning.relaxationSweeps
      ).solve(
        process, initialPolicy: initialPolicy ?? initialValues.map(process.greedyPolicy))
    default:  // .relativeValueIteration, the other average-cost method `resolvedMethod` admits
      RelativeValueIteration(
        tolerance: tolerance, maxIterations: maxIterations ?? 1_000_000,
        aperiodicity: tuning.aperiodicity, referenceState: tuning.referenceState,
        tieRule: tieRule, initialBias: initialValues
      ).solve(process)
    }
  }

  private func valueIteration(_ method: SolutionMethod) -> ValueIteration {
    var solver = ValueIteration(
      tolerance: tolerance, maxIterations: maxIterations ?? 1_000_000,
      ordering: method == .valueIteration ? .jacobi : .gaussSeidel, tieRule: tieRule,
      initialValues: initialValues, certificationInterval: tuning.certificationInterval)
    solver.progress = progress
    if method == .gaussSeidel { solver.andersonMemory = tuning.andersonMemory }
    return solver
  }

  private func discounted(
    _ mdp: DiscountedMDP, choiceCount: Int, uniformizationRate: Double?
  ) throws(SolverError) -> CertifiedSolution {
    let resolved = try resolvedMethod(stateCount: mdp.stateCount)
    let solution: MDPSolution
    switch resolved {
    case .policyIteration:
      let gamma = mdp.discountFactor
      let evaluation: EvaluationMethod =
        mdp.stateCount <= tuning.denseEvaluationLimit
        ? .dense
        : .gaussSeidel(tolerance: max(tolerance.value * (1 - gamma) / 2, Double.ulpOfOne))
      solution = PolicyIteration(
        evaluation: evaluation, maxIterations: maxIterations ?? 10_000, tieRule: tieRule,
        initialPolicy: initialPolicy
          ?? initialValues.map { mdp.greedyPolicy($0, tieRule: tieRule, errorBound: 0).policy }
      ).solve(mdp)
    case .modifiedPolicyIteration:
      solution = ModifiedPolicyIteration(
        tolerance: tolerance, evaluationSweeps: tuning.evaluationSweeps,
        maxIterations: maxIterations ?? 100_000, tieRule: tieRule, initialValues: initialValues
      ).solve(mdp)
    default:
      solution = valueIteration(resolved).solve(mdp)
    }
    return finish(
      solution, method: resolved, choiceCount: choiceCount,
      uniformizationRate: uniformizationRate, discountFactor: mdp.discountFactor)
  }

  private func finish(
    _ solution: MDPSolution, method: SolutionMethod, choiceCount: Int?,
    uniformizationRate: Double?, discountFactor: Double
  ) -> CertifiedSolution {
    CertifiedSolution(
      criterion: criterion, status: solution.status, iterations: solution.iterations,
      certificate: .valueBound(errorBound: solution.errorBound), values: solution.values,
      policy: solution.policy, method: method, methodDescription: solution.method,
      tolerance: tolerance, tieTolerance: solution.tieTolerance,
      uniformizationRate: uniformizationRate, discountFactor: discountFactor,
      choiceCount: choiceCount
    ).checkedAgainstTolerance()
  }

  /// `rateScale` Λ converts the uniformized chain's gain to the model's time unit.
  private func average(
    _ process: DecisionProcess, choiceCount: Int, rateScale: Double, uniformizationRate: Double?
  ) throws(SolverError) -> CertifiedSolution {
    guard process.stateCount > 0 else {
      throw .invalidModel(.dimensionMismatch("the model has no states, so no average cost"))
    }
    let resolved = try resolvedMethod(stateCount: process.stateCount)
    // The bracket on Λ g_DT must meet `tolerance` at scale max(1, Λ |g_DT|): an absolute
    // ε becomes ε/Λ; a relative ε becomes ε·min(1, 1/Λ), which is sufficient for any Λ.
    let discreteTolerance: Tolerance =
      switch tolerance {
      case .absolute(let value): .absolute(value / rateScale)
      case .relative(let value): .relative(value * min(1, 1 / rateScale))
      }
    let solution = averageCostSolution(process, method: resolved, tolerance: discreteTolerance)
    return CertifiedSolution(
      criterion: criterion, status: solution.status, iterations: solution.iterations,
      certificate: .gainBracket(
        lower: rateScale * solution.gainLowerBound, upper: rateScale * solution.gainUpperBound),
      values: solution.bias, policy: solution.policy, method: resolved,
      methodDescription: solution.method, tolerance: tolerance,
      tieTolerance: averageTieTolerance(process, solution), uniformizationRate: uniformizationRate,
      discountFactor: nil, choiceCount: choiceCount
    ).checkedAgainstTolerance()
  }

  /// The tie rule's tolerance at the bracket width and the scale of the final row values
  /// `c + P h` (an average-cost solution does not carry it).
  private func averageTieTolerance(_ process: DecisionProcess, _ solution: AverageCostSolution)
    -> Double
  {
    var rowValues = [Double](repeating: 0, count: process.rowCount)
    BellmanKernels.rowValues(process, discount: 1, values: solution.bias, into: &rowValues)
    return tieRule.tolerance(
      errorBound: solution.gainUpperBound - solution.gainLowerBound,
      scale: BellmanKernels.supNorm(rowValues))
  }

  // MARK: Validation

  /// Checks every setting against its range, naming the setting, value and range.
  /// `candidateStart` (the model's choice offsets per state) is nil for a matrix-free
  /// operator.
  private func checkSettings(stateCount: Int, candidateStart: [Int]?) throws(SolverError) {
    func fail(_ name: String, _ value: Double, _ valid: String) -> SolverError {
      .invalidSetting(.outOfRange(name, value, valid: valid))
    }
    switch criterion {
    case .discounted(let factor):
      guard factor >= 0, factor < 1 else { throw fail("discount factor (γ)", factor, "in [0, 1)") }
    case .continuousDiscounted(let rate):
      guard rate > 0, rate.isFinite else {
        throw fail("continuous discount rate (β)", rate, "finite and > 0")
      }
    case .average:
      break
    }
    guard tolerance.value > 0, tolerance.value.isFinite else {
      throw fail("\(tolerance.kind.rawValue) tolerance", tolerance.value, "finite and > 0")
    }
    if let maxIterations, !(1...Self.maximumIterationLimit).contains(maxIterations) {
      throw .invalidSetting(
        .outOfRange(
          "maximum iterations", maxIterations,
          valid: "an integer in 1...\(Self.maximumIterationLimit)"))
    }
    if let rate = uniformizationRate, !(rate > 0 && rate.isFinite) {
      throw fail("uniformization rate (Λ)", rate, "finite and > 0")
    }
    if let initialValues {
      guard initialValues.count == stateCount else {
        throw .invalidSetting(
          .inconsistent(
            name: "initial values", value: "\(initialValues.count) entries",
            reason: "the model has \(stateCount) states"))
      }
      if let bad = initialValues.firstIndex(where: { !$0.isFinite }) {
        throw fail("initial value of state \(bad)", initialValues[bad], "finite")
      }
    }
    if let initialPolicy { try check(initialPolicy, stateCount: stateCount, candidateStart) }
    try tuning.check(stateCount: stateCount)
  }

  /// `initialPolicy` has one entry per state, each a valid choice index of its state.
  private func check(_ initialPolicy: [Int], stateCount: Int, _ candidateStart: [Int]?)
    throws(SolverError)
  {
    guard let candidateStart else {
      throw .invalidSetting(
        .inconsistent(
          name: "initial policy", value: "\(initialPolicy.count) entries",
          reason: "a matrix-free operator is solved by value iteration, which starts from values"))
    }
    guard initialPolicy.count == stateCount else {
      throw .invalidSetting(
        .inconsistent(
          name: "initial policy", value: "\(initialPolicy.count) entries",
          reason: "the model has \(stateCount) states"))
    }
    for (state, action) in initialPolicy.enumerated() {
      let choices = candidateStart[state + 1] - candidateStart[state]
      guard action >= 0, action < choices else {
        throw .invalidSetting(
          .outOfRange("initial policy of state \(state)", action, valid: "in 0..<\(choices)"))
      }
    }
  }
}

extension MDPSolver.Tuning {
  fileprivate func check(stateCount: Int) throws(SolverError) {
    func fail(_ name: String, _ value: Int, _ valid: String) -> SolverError {
      .invalidSetting(.outOfRange(name, value, valid: valid))
    }
    let maximumDense = Self.maximumDenseLimit
    guard (0...maximumDense).contains(automaticPolicyIterationLimit) else {
      throw fail(
        "automatic policy-iteration limit", automaticPolicyIterationLimit, "in 0...\(maximumDense)")
    }
    guard (0...maximumDense).contains(denseEvaluationLimit) else {
      throw fail("dense evaluation limit", denseEvaluationLimit, "in 0...\(maximumDense)")
    }
    guard (1...1_000_000).contains(certificationInterval) else {
      throw fail("certification interval", certificationInterval, "in 1...1000000")
    }
    guard (0...10).contains(andersonMemory) else {
      throw fail("Anderson memory", andersonMemory, "in 0...10")
    }
    guard (0...10_000).contains(evaluationSweeps) else {
      throw fail("evaluation sweeps", evaluationSweeps, "in 0...10000")
    }
    guard aperiodicity > 0, aperiodicity <= 1 else {
      throw .invalidSetting(.outOfRange("aperiodicity (τ)", aperiodicity, valid: "in (0, 1]"))
    }
    guard referenceState >= 0, referenceState < max(stateCount, 1) else {
      throw fail("reference state", referenceState, "in 0..<\(stateCount)")
    }
    guard (0...100).contains(relaxationSweeps) else {
      throw fail("relaxation sweeps", relaxationSweeps, "in 0...100")
    }
  }
}
