import LinearKernels
import MarkovSolvers

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The server's idle knowledge states under permanent congestion, after merging states
/// with identical future belief sequences (docs/markov-machine.md §A10.1).
///
/// ```
/// C_τ: τ slots after the slot following a completion,  P(free) = 1/2 + (1/2 − s)(1 − 2q)^τ,  τ >= 0
/// B_τ: τ slots after a busy sample,                     P(free) = (1 − (1 − 2q)^τ)/2,        τ >= 1
/// ```
///
/// Both chains are cut at τ_b, the smallest τ >= 1 with |1 − 2q|^τ / 2 <= tolerance (the
/// cut state keeps its belief and loops on itself).
public struct IdleBeliefs: Sendable, Equatable, Codable {
  /// P(free) of each merged idle state.
  public let freeProbabilities: [Double]
  /// The state after an idle slot without a sample.
  public let waitSuccessor: [Int]
  /// C_0's state.
  public let afterCompletion: Int
  /// B_1's state.
  public let afterBusySample: Int
  /// τ_b.
  public let cut: Int

  public var count: Int { freeProbabilities.count }

  /// - Precondition: q in (0, 1), s in [0, 1], tolerance in (0, 1/2).
  public init(
    flipProbability q: Double, busyAfterCompletionProbability s: Double, tolerance: Double
  ) {
    precondition(tolerance > 0 && tolerance < 0.5, "belief tolerance \(tolerance)")
    let contraction = 1 - 2 * q
    let length = Self.cut(flipProbability: q, tolerance: tolerance)
    precondition(length <= Double(Int32.max), "belief chains of \(length) states")
    let cut = Int(length)
    var classes: [Key: Int] = [:]
    var beliefs: [Double] = []
    var successors: [Int] = []
    func merge(_ belief: Double, successor: Int?) -> Int {
      if let known = classes[Key(belief: belief, successor: successor ?? -1)] { return known }
      let id = beliefs.count
      beliefs.append(belief)
      successors.append(successor ?? id)
      classes[Key(belief: belief, successor: successor ?? -1)] = id
      if successor == nil { classes[Key(belief: belief, successor: id)] = id }
      return id
    }
    func chain(from first: Int, _ belief: (Int) -> Double) -> Int {
      var next = merge(belief(cut), successor: nil)
      var tau = cut - 1
      while tau >= first {
        next = merge(belief(tau), successor: next)
        tau -= 1
      }
      return next
    }
    afterCompletion = chain(from: 0) { 0.5 + (0.5 - s) * pow(contraction, Double($0)) }
    afterBusySample = chain(from: 1) { (1 - pow(contraction, Double($0))) / 2 }
    freeProbabilities = beliefs
    waitSuccessor = successors
    self.cut = cut
  }

  private struct Key: Hashable {
    var belief: Double
    var successor: Int
  }

  /// τ_b, the smallest τ >= 1 with `|1 − 2q|^τ / 2 <= tolerance`, in O(1): the estimate
  /// `log(2 tolerance) / log|1 − 2q|` corrected by a step or two against `pow` itself, so
  /// that it is exactly the first τ the loop `τ = 1, 2, ...` would find. A Double, because
  /// for q near 0 or 1 it exceeds every integer type (callers bound it first); infinite for
  /// q = 0 or 1.
  /// - Precondition: q in [0, 1], tolerance in (0, 1/2).
  public static func cut(flipProbability q: Double, tolerance: Double) -> Double {
    let contraction = abs(1 - 2 * q)
    func meets(_ tau: Double) -> Bool { pow(contraction, tau) / 2 <= tolerance }
    if contraction == 0 { return 1 }
    if contraction >= 1 { return .infinity }
    var tau = max(1, (log(2 * tolerance) / log(contraction)).rounded(.up))
    guard tau < 1e15 else { return tau }
    while tau > 1 && meets(tau - 1) { tau -= 1 }
    while !meets(tau) { tau += 1 }
    return tau
  }
}

/// The average-cost MDP of optimal sampling and scheduling under permanent congestion of
/// all N users (docs/markov-machine.md §A10, beyond the paper).
///
/// State: knowledge x (serving member j, or an idle belief state of `IdleBeliefs`) and
/// the ages (v_1..v_N), each capped at A. In an idle state the actions are "wait" (index 0)
/// or "sample, and serve member j if the machine is free" (index 1 + j). Per-slot cost and
/// transitions (A2):
///
/// ```
/// c = (1/N) Σ_i v_i + L 1{sample}
/// wait:             x → wait successor,                         v → min(v + 1, A)
/// sample, serve j:  free (b q_j):        C_0,  v_j → 1, others + 1
///                   free (b (1 − q_j)):  J_j,  v + 1
///                   busy (1 − b):        B_1,  v + 1
/// J_j:              q_j: C_0, v_j → 1;   1 − q_j: J_j, v + 1
/// ```
///
/// Other slot orderings (`assumptions`, A2): with `.flipThenSample` the beliefs are those
/// at the sampling moment, so C_0 has seen one flip (`IdleBeliefs` with s' = s (1 − q) +
/// (1 − s) q); with `.serviceNextSlot` a free sample leads to J_j with v + 1 (no completion
/// in the assignment slot). The tie rule applies to `policyProcess`; sampling with empty
/// queues has no effect (permanent congestion).
/// - Complexity: (N + idle states) · A^N states; about (1 + 3N) transitions per state.
public struct OptimalSchedulingModel: Sendable {
  /// Largest N accepted.
  public static let maximumUserCount = 3
  /// Largest state count accepted.
  public static let maximumStateCount = 20_000_000

  public let parameters: MachineParameters
  public let ageCap: Int
  public let beliefs: IdleBeliefs
  /// The modelling assumptions of A0 (default: those of A2).
  public let assumptions: ModelAssumptions
  let agePower: Int

  public var userCount: Int { parameters.userCount }
  public var stateCount: Int { (userCount + beliefs.count) * agePower }

  /// - Parameters:
  ///   - ageCap: A >= 2.
  ///   - beliefTolerance: the belief error accepted at the cut of the idle chains (A10.1).
  /// - Throws: `ParameterError` if N > 3, the tolerance is outside (0, 1/2), q makes the
  ///   idle belief chains too long (`checkFlipProbability`; the error gives the range of q
  ///   that fits), A is outside 2...`largestAgeCap(userCount:)` or the model would exceed
  ///   `maximumStateCount` states. All of this is checked before anything is built.
  public init(
    parameters: MachineParameters, ageCap: Int, beliefTolerance: Double = 1e-6,
    assumptions: ModelAssumptions = .standard
  ) throws(ParameterError) {
    guard parameters.userCount <= Self.maximumUserCount else {
      throw .outOfRange(
        "number of users (N) of the optimal-policy MDP", parameters.userCount,
        valid: "<= \(Self.maximumUserCount)")
    }
    let users = parameters.userCount
    let q = parameters.flipProbability
    try Self.checkFlipProbability(parameters, beliefTolerance: beliefTolerance)
    guard ageCap >= 2, ageCap <= Self.largestAgeCap(userCount: users) else {
      throw .outOfRange(
        "age cap (A) of the optimal-policy MDP", ageCap,
        valid: "in 2...\(Self.largestAgeCap(userCount: users)) ((N + 1) A^N <= "
          + "\(Self.maximumStateCount) with N = \(users))")
    }
    let cut = IdleBeliefs.cut(flipProbability: q, tolerance: beliefTolerance)
    guard Self.stateBound(users: users, idle: cut, cap: ageCap) <= Double(Self.maximumStateCount)
    else {
      throw Self.flipProbabilityError(
        q, users: users, cap: ageCap, cut: cut, beliefTolerance: beliefTolerance)
    }
    let beliefs = IdleBeliefs(
      flipProbability: q,
      busyAfterCompletionProbability: assumptions.slotOrdering.busyAtFirstSample(
        busyAfterCompletion: parameters.busyAfterCompletionProbability, flip: q),
      tolerance: beliefTolerance)
    guard
      Self.stateBound(users: users, idle: Double(beliefs.count), cap: ageCap)
        <= Double(Self.maximumStateCount)
    else {
      throw .outOfRange(
        "age cap (A) of the optimal-policy MDP", ageCap,
        valid: ">= 2 with (N + \(beliefs.count) idle states) A^N <= \(Self.maximumStateCount)")
    }
    self.parameters = parameters
    self.ageCap = ageCap
    self.beliefs = beliefs
    self.assumptions = assumptions
    var power = 1
    for _ in 0..<parameters.userCount { power *= ageCap }
    agePower = power
  }

  /// The largest age cap of an N-user model with one idle state: `(N + 1) A^N` states at
  /// most `maximumStateCount`. Automatic caps should not exceed it.
  public static func largestAgeCap(userCount: Int) -> Int {
    var cap = Int(pow(Double(maximumStateCount) / Double(userCount + 1), 1 / Double(userCount)))
    while stateBound(users: userCount, idle: 1, cap: cap + 1) <= Double(maximumStateCount) {
      cap += 1
    }
    while cap > 2 && stateBound(users: userCount, idle: 1, cap: cap) > Double(maximumStateCount) {
      cap -= 1
    }
    return cap
  }

  /// Checks, in O(1) and before any other work, that q leaves the idle belief chains short
  /// enough for the model to fit at the smallest cap A = 2: their length τ_b grows like
  /// `log(2 tolerance) / log|1 − 2q|`, without bound as q approaches 0 or 1 (A10.1).
  /// - Throws: `ParameterError` naming the flip probability and the range that fits.
  public static func checkFlipProbability(
    _ parameters: MachineParameters, beliefTolerance: Double
  ) throws(ParameterError) {
    guard beliefTolerance > 0, beliefTolerance < 0.5 else {
      throw .outOfRange("belief tolerance", beliefTolerance, valid: "in (0, 0.5)")
    }
    let users = parameters.userCount
    let cut = IdleBeliefs.cut(
      flipProbability: parameters.flipProbability, tolerance: beliefTolerance)
    guard stateBound(users: users, idle: cut, cap: 2) <= Double(maximumStateCount) else {
      throw flipProbabilityError(
        parameters.flipProbability, users: users, cap: 2, cut: cut,
        beliefTolerance: beliefTolerance)
    }
  }

  /// `(N + idle) A^N` in floating point (no overflow): the state count with `idle` idle
  /// states, and a lower bound of it when `idle` is τ_b (the busy-sample chain B_1..B_τb
  /// alone has τ_b distinct beliefs).
  static func stateBound(users: Int, idle: Double, cap: Int) -> Double {
    (Double(users) + idle) * pow(Double(cap), Double(users))
  }

  /// The flip probabilities whose idle belief chains fit the state limit at cap `ageCap`:
  /// `[q_min, 1 − q_min]` with `q_min = (1 − (2 tolerance)^(1/I)) / 2`, where
  /// `I = ⌊maximumStateCount / A^N⌋ − N` is the number of idle states left (τ_b <= I iff
  /// `|1 − 2q|^I / 2 <= tolerance`). Nil if not even one idle state fits.
  public static func tractableFlipProbabilities(
    userCount: Int, ageCap: Int, beliefTolerance: Double
  ) -> ClosedRange<Double>? {
    let idle =
      (Double(maximumStateCount) / pow(Double(max(ageCap, 2)), Double(userCount))).rounded(.down)
      - Double(userCount)
    guard idle >= 1 else { return nil }
    let lowest = (1 - pow(2 * beliefTolerance, 1 / idle)) / 2
    return lowest...(1 - lowest)
  }

  /// The error for a q whose belief chains (τ_b states each) do not fit at cap `cap`.
  private static func flipProbabilityError(
    _ q: Double, users: Int, cap: Int, cut: Double, beliefTolerance: Double
  ) -> ParameterError {
    let range = tractableFlipProbabilities(
      userCount: users, ageCap: cap, beliefTolerance: beliefTolerance)
    let interval =
      range.map {
        "[\(roundedAway($0.lowerBound, up: true)), "
          + "\(roundedAway($0.upperBound, up: false))]"
      } ?? "(none)"
    return .outOfRange(
      name: "flip probability (q) of the optimal-policy MDP", value: formatParameterValue(q),
      valid: "in \(interval) at age cap A = \(cap) and belief tolerance "
        + "\(formatParameterValue(beliefTolerance)): the idle belief chains need "
        + "\(formatParameterValue(cut)) states (the first tau with |1 - 2q|^tau / 2 <= the "
        + "tolerance, docs/markov-machine.md §A10.1), and (N + idle states) A^N must be <= "
        + "\(maximumStateCount)" + (cap > 2 ? "; a smaller age cap A leaves room for more" : ""))
  }

  /// A bound of `[q_min, 1 − q_min]` with q_min rounded up to 4 significant digits, so that
  /// the printed range stays inside the tractable one (`1 - q_min` for the upper bound).
  private static func roundedAway(_ value: Double, up: Bool) -> String {
    let distance = up ? value : 1 - value
    let exponent = (log10(distance)).rounded(.down) - 3
    let scaled = distance / pow(10, exponent)
    let mantissa = Int(scaled.rounded(.up))
    let rounded = Double("\(mantissa)e\(Int(exponent))") ?? distance
    return up ? "\(rounded)" : "1 - \(rounded)"
  }

  /// The state index of knowledge `knowledge` (0..<N serving, N + b idle) and ages.
  public func state(knowledge: Int, ages: [Int]) -> Int {
    var code = 0
    var scale = 1
    for age in ages {
      precondition(age >= 1 && age <= ageCap, "age \(age) outside 1...\(ageCap)")
      code += (age - 1) * scale
      scale *= ageCap
    }
    return knowledge * agePower + code
  }

  /// (knowledge, ages) of a state index.
  public func decode(_ state: Int) -> (knowledge: Int, ages: [Int]) {
    var rest = state % agePower
    var ages = [Int](repeating: 0, count: userCount)
    for user in 0..<userCount {
      ages[user] = rest % ageCap + 1
      rest /= ageCap
    }
    return (state / agePower, ages)
  }

  /// The decision process with every action (choice form, action index as documented).
  /// - Complexity: O(states · N).
  public func decisionProcess() -> DecisionProcess {
    compile { knowledge, _ in
      knowledge < userCount
        ? [[(0, 1.0)]] : (0...userCount).map { [($0, 1.0)] }
    }
  }

  /// The one-action process of a fixed randomized policy mixing the actions: φ1 waits
  /// w.p. 1 − μ and serves j w.p. μ π_j; max-age waits w.p. 1 − μ̄ and serves the oldest
  /// member (on the capped ages, ties by `assumptions.maxAgeTies`, `.uniform` splitting μ̄
  /// equally) w.p. μ̄. Its average cost is the policy's gain in this model.
  /// - Precondition: a policy on all N users.
  public func policyProcess(_ policy: SubsetPolicy) -> DecisionProcess {
    let mu = policy.samplingProbability
    return compile { knowledge, ages in
      if knowledge < userCount { return [[(0, 1.0)]] }
      switch policy.rule {
      case .randomized:
        return [[(0, 1 - mu)] + policy.schedule.enumerated().map { (1 + $0, mu * $1) }]
      case .maxAge:
        let oldest = assumptions.maxAgeTies.choices(0..<userCount) { ages[$0] }
        return [[(0, 1 - mu)] + oldest.map { (1 + $0.user, mu * $0.share) }]
      }
    }
  }

  /// Builds a choice-form process whose rows are mixtures of the basic actions:
  /// `rows(knowledge, ages)` lists each row as (action, weight) pairs.
  private func compile(_ rows: (Int, [Int]) -> [[(Int, Double)]]) -> DecisionProcess {
    var rowStart = [0]
    var columns: [Int32] = []
    var values: [Double] = []
    var costs: [Double] = []
    var groupStart = [0]
    let estimate = stateCount * (1 + 3 * userCount)
    columns.reserveCapacity(estimate)
    values.reserveCapacity(estimate)
    var entries: [(Int, Double)] = []
    for state in 0..<stateCount {
      let (knowledge, ages) = decode(state)
      let ageCost = Double(ages.reduce(0, +)) / Double(userCount)
      for row in rows(knowledge, ages) {
        entries.removeAll(keepingCapacity: true)
        var cost = ageCost
        for (action, weight) in row where weight > 0 {
          if knowledge >= userCount && action > 0 { cost += weight * parameters.samplingCost }
          appendSuccessors(knowledge, ages, action, weight, into: &entries)
        }
        entries.sort { $0.0 < $1.0 }
        var index = 0
        while index < entries.count {
          let column = entries[index].0
          var probability = 0.0
          while index < entries.count && entries[index].0 == column {
            probability += entries[index].1
            index += 1
          }
          columns.append(Int32(column))
          values.append(probability)
        }
        rowStart.append(values.count)
        costs.append(cost)
      }
      groupStart.append(costs.count)
    }
    let matrix = CSRMatrix(
      rowCount: costs.count, columnCount: stateCount, rowStart: rowStart, columnIndex: columns,
      values: values)
    do {
      return try DecisionProcess(
        choices: ChoiceMatrix(transitions: matrix, groupStart: groupStart), costs: costs)
    } catch {
      preconditionFailure("the optimal-policy MDP is valid by construction: \(error)")
    }
  }

  /// The successors of one basic action, scaled by `weight`.
  private func appendSuccessors(
    _ knowledge: Int, _ ages: [Int], _ action: Int, _ weight: Double,
    into entries: inout [(Int, Double)]
  ) {
    func next(_ knowledge: Int, reset: Int) -> Int {
      var code = 0
      var scale = 1
      for user in 0..<userCount {
        let age = user == reset ? 1 : min(ages[user] + 1, ageCap)
        code += (age - 1) * scale
        scale *= ageCap
      }
      return knowledge * agePower + code
    }
    let completed = userCount + beliefs.afterCompletion
    if knowledge < userCount {
      let q = parameters.serviceProbabilities[knowledge]
      entries.append((next(completed, reset: knowledge), weight * q))
      entries.append((next(knowledge, reset: -1), weight * (1 - q)))
      return
    }
    let idle = knowledge - userCount
    if action == 0 {
      entries.append((next(userCount + beliefs.waitSuccessor[idle], reset: -1), weight))
      return
    }
    let user = action - 1
    let free = beliefs.freeProbabilities[idle]
    if assumptions.slotOrdering.assignmentSlotServes {
      let q = parameters.serviceProbabilities[user]
      entries.append((next(completed, reset: user), weight * free * q))
      entries.append((next(user, reset: -1), weight * free * (1 - q)))
    } else {
      entries.append((next(user, reset: -1), weight * free))
    }
    entries.append((next(userCount + beliefs.afterBusySample, reset: -1), weight * (1 - free)))
  }
}

/// A gain bracketed by relative value iteration (Odoni bounds).
public struct GainBracket: Sendable, Equatable, Codable {
  public let gain: Double
  public let lowerBound: Double
  public let upperBound: Double
  public let iterations: Int
  public let status: SolverStatus

  /// - Precondition: an average-criterion solution (a gain bracket).
  init(_ solution: CertifiedSolution) {
    guard case .gainBracket(let lower, let upper) = solution.certificate, let gain = solution.gain
    else { preconditionFailure("a gain bracket needs an average-cost solution") }
    self.gain = gain
    lowerBound = lower
    upperBound = upper
    iterations = solution.iterations
    status = solution.status
  }
}

/// A paper policy compared with the optimum inside the same capped model.
public struct MachinePolicyComparison: Sendable, Equatable, Codable {
  /// The best constant pair of (12) or (16) on all users.
  public let policy: SubsetPolicy
  /// `(1/N) Σ Δ_i + S` from Theorems 1–4 (untruncated).
  public let closedForm: Double
  /// The policy's gain in the capped MDP (below the closed form by its cap error).
  public let inModel: GainBracket
  /// `100 (closedForm − g*) / g*`: the exact value of the policy against the optimum
  /// (whose own cap error is the small mass at cap of the optimal chain).
  public let gapPercent: Double
  /// `100 (inModel − g*) / g*`: both inside the same capped model.
  public let inModelGapPercent: Double
}

/// The optimal policy's value and structure, with both paper policies for comparison
/// (docs/markov-machine.md §A10.2, §A10.3).
public struct OptimalPolicyReport: Sendable, Codable {
  public let userCount: Int
  public let ageCap: Int
  public let idleStateCount: Int
  public let stateCount: Int
  /// g* of the capped model, bracketed.
  public let optimal: GainBracket
  public let bestRandomized: MachinePolicyComparison
  public let bestMaxAge: MachinePolicyComparison
  /// Under the optimal policy (forward stationary solve of its chain): Σ π c, which
  /// reproduces g*.
  public let occupancyGain: Double
  /// Samples per slot.
  public let samplingRate: Double
  /// Share of assignments (free samples) that serve the oldest member.
  public let maxAgeShare: Double
  /// Stationary P(some age is at the cap).
  public let massAtCap: Double
  /// `‖π P − π‖₁` of the stationary vector behind the four figures above.
  public let occupancyResidual: Double
  /// The tolerance the occupancy solve had to meet on `occupancyResidual`.
  public let occupancyTolerance: Double
  /// Whether the occupancy solve met its tolerance (`.iterationLimitReached`: the four
  /// occupancy figures are not certified to it).
  public let occupancyStatus: SolverStatus
  /// Gauss–Seidel sweeps of the occupancy solve.
  public let occupancyIterations: Int

  /// Every stage met its stopping rule: the three relative value iterations and the
  /// occupancy solve. A caller must not present the figures as certified otherwise.
  public var converged: Bool {
    [optimal.status, bestRandomized.inModel.status, bestMaxAge.inModel.status, occupancyStatus]
      .allSatisfy { $0 == .converged }
  }
}

extension OptimalSchedulingModel {
  /// Solves the MDP and evaluates the best φ1 and max-age pairs inside it (A10.2, A10.3).
  ///
  /// Relative value iteration `h ← h + (T h − h)/2` (the solver contract's
  /// `.relativeValueIteration`, τ = 1/2): `min(T h − h) <= g <= max(T h − h)`; it stops when
  /// the bracket is at most `tolerance` (absolute) or after `maxIterations`. The paper policies are evaluated
  /// first (one-action processes, same solver); the optimal solve starts from max-age's
  /// relative values. The optimal policy's chain is then restricted to the recurrent class
  /// reached from (C_0, v = 1, 2, ..., N) and solved by Gauss–Seidel for the occupancy
  /// figures.
  /// - Parameters:
  ///   - optimizer: finds the best constant pairs (objective (1/N) Σ Δ + S on all users).
  ///   - progress: stage messages.
  /// - Precondition: `tolerance` finite and > 0,
  ///   `1 <= maxIterations <= MDPSolver.maximumIterationLimit`.
  /// - Complexity: O(iterations · transitions) per solve.
  public func analyze(
    tolerance: Double = 1e-6, maxIterations: Int = 1_000_000,
    optimizer: SubsetOptimizer = SubsetOptimizer(), progress: ((String) -> Void)? = nil
  ) -> OptimalPolicyReport {
    var optimizer = optimizer
    optimizer.weighting = .perUser
    optimizer.assumptions = assumptions
    let all = parameters.allUsers
    let randomized = optimizer.optimizeRandomized(parameters, subset: all)
    let maxAge = optimizer.optimizeMaxAge(parameters, subset: all)
    func solve(_ process: DecisionProcess, from bias: [Double]?) -> CertifiedSolution {
      var solver = MDPSolver(
        criterion: .average, method: .relativeValueIteration, tolerance: .absolute(tolerance),
        maxIterations: maxIterations)
      solver.initialValues = bias
      do { return try solver.solve(process) } catch {
        preconditionFailure("optimal-policy settings: \(error)")
      }
    }
    progress?("evaluating the best max-age policy in the MDP (\(stateCount) states)")
    let maxAgeSolution = solve(policyProcess(maxAge.policy), from: nil)
    progress?("evaluating the best randomized policy in the MDP")
    let randomizedSolution = solve(policyProcess(randomized.policy), from: maxAgeSolution.values)
    progress?("solving the optimal policy by relative value iteration")
    let process = decisionProcess()
    let optimalSolution = solve(process, from: maxAgeSolution.values)
    let optimal = GainBracket(optimalSolution)
    progress?("occupancy of the optimal policy")
    let occupancy = occupancyFigures(process, policy: optimalSolution.policy)
    func compare(_ entry: OptimizedSubsetPolicy, _ solution: CertifiedSolution)
      -> MachinePolicyComparison
    {
      let closedForm = entry.performance.objective(weighting: .perUser, userCount: userCount)
      let inModel = GainBracket(solution)
      return MachinePolicyComparison(
        policy: entry.policy, closedForm: closedForm, inModel: inModel,
        gapPercent: 100 * (closedForm - optimal.gain) / optimal.gain,
        inModelGapPercent: 100 * (inModel.gain - optimal.gain) / optimal.gain)
    }
    return OptimalPolicyReport(
      userCount: userCount, ageCap: ageCap, idleStateCount: beliefs.count,
      stateCount: stateCount, optimal: optimal,
      bestRandomized: compare(randomized, randomizedSolution),
      bestMaxAge: compare(maxAge, maxAgeSolution), occupancyGain: occupancy.gain,
      samplingRate: occupancy.samplingRate, maxAgeShare: occupancy.maxAgeShare,
      massAtCap: occupancy.massAtCap, occupancyResidual: occupancy.residual,
      occupancyTolerance: Self.occupancyTolerance, occupancyStatus: occupancy.status,
      occupancyIterations: occupancy.iterations)
  }

  /// The residual `‖π P − π‖₁` the occupancy solve must reach, and its sweep limit.
  static let occupancyTolerance = 1e-11
  static let occupancyMaxIterations = 200_000

  private func occupancyFigures(_ process: DecisionProcess, policy: [Int]) -> (
    gain: Double, samplingRate: Double, maxAgeShare: Double, massAtCap: Double, residual: Double,
    status: SolverStatus, iterations: Int
  ) {
    let start = state(
      knowledge: userCount + beliefs.afterCompletion,
      ages: (1...userCount).map { min($0, ageCap) })
    let restricted: (chain: DiscreteTimeMarkovChain, states: [Int])
    let stationary: StationaryDistribution
    do {
      restricted = try process.inducedChain(policy: policy).restrictedToRecurrentClass(
        reachedFrom: start)
      stationary = try restricted.chain.stationaryDistribution(
        method: .gaussSeidel(
          tolerance: Self.occupancyTolerance, maxIterations: Self.occupancyMaxIterations))
    } catch {
      preconditionFailure("the optimal chain has one class reachable from the start: \(error)")
    }
    var gain = 0.0
    var samples = 0.0
    var assignments = 0.0
    var oldestServed = 0.0
    var capMass = 0.0
    for (position, state) in restricted.states.enumerated() {
      let probability = stationary.probabilities[position]
      let action = policy[state]
      gain += probability * process.costs[process.row(state: state, action: action)]
      let (knowledge, ages) = decode(state)
      if ages.contains(ageCap) { capMass += probability }
      guard knowledge >= userCount, action > 0 else { continue }
      samples += probability
      let free = probability * beliefs.freeProbabilities[knowledge - userCount]
      assignments += free
      var oldest = 0
      for user in 1..<userCount where ages[user] > ages[oldest] { oldest = user }
      if ages[action - 1] == ages[oldest] { oldestServed += free }
    }
    return (
      gain, samples, assignments > 0 ? oldestServed / assignments : 0, capMass,
      stationary.residual, stationary.status, stationary.iterations
    )
  }
}
