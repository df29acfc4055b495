import GenerativeMarkov
import MarkovSolvers

/// The Def. 3.1 optimum on a tiny instance and the gap of every heuristic (spec G9).
public struct OptimalScheduling: Sendable {
  public let states: Int
  public let stateActionPairs: Int
  public let transitions: Int
  /// The average-cost solution: gain bracket, status, iterations.
  public let solution: AverageCostSolution
  /// Exact gain of the greedy deterministic policy read off the solution (stationary law of
  /// its chain); it must lie inside the solver's bracket.
  public let greedyGain: Double
  public let greedyResidual: Double
  /// Each heuristic's exact gain (long-run active requests of its own chain).
  public let heuristicGains: [(policy: SchedulingPolicy, gain: Double)]

  /// Whether the greedy policy's exact gain lies in the bracket (with round-off slack).
  public var greedyGainInBracket: Bool {
    let slack = 1e-9 * max(1, abs(greedyGain))
    return greedyGain >= solution.gainLowerBound - slack
      && greedyGain <= solution.gainUpperBound + slack
  }
}

/// Def. 3.1 as an average-cost MDP (spec G9; docs/collaborative-inference.md §6):
///
/// ```
/// min_π lim (1/T) E Σ_t c(s_t),   c(s) = number of users with an active request (= 1ᵀδ)
/// ```
///
/// Actions are the admissible scheduler decisions of G6.7; the executor is part of the
/// dynamics. The choice-form MDP is built over the states reachable under any action
/// sequence and solved by `solveAverageCost`.
public enum OptimalScheduler {
  /// Builds and solves the MDP, evaluates the greedy policy exactly and every heuristic.
  /// - Throws: `ExactAnalysisError` (parametric durations, too large, several classes).
  public static func solve(
    _ parameters: InferenceParameters, limits: EnumerationLimits = .init(),
    heuristics: [SchedulingPolicy] = SchedulingPolicy.allCases
  ) throws(ExactAnalysisError) -> OptimalScheduling {
    try parameters.checkEnumerable()
    let model = InferenceModel(parameters: parameters, rule: .everyAction)
    let mdp: EnumeratedDecisionProcess<InferenceState, SchedulerDecision>
    do {
      mdp = try StateEnumeration.decisionProcess(
        from: parameters.initialState,
        log10StateBound: parameters.log10StateBound, limits: limits,
        actions: { model.admissibleDecisions(of: $0) },
        successors: { model.successors(of: $0, decision: $1) },
        cost: { Double($0.activeRequestCount) })
    } catch { throw .enumeration(error) }
    let solution = solveAverageCost(mdp.process)
    let greedy: AverageCostEvaluation
    do {
      greedy = try PolicyEvaluation.averageCost(mdp.process, policy: solution.policy)
    } catch .multipleRecurrentClasses(let count, _) {
      throw .stationaryLawNotUnique(classes: count)
    } catch { throw .chain(error) }
    var gains: [(SchedulingPolicy, Double)] = []
    for policy in heuristics {
      let exact = try ExactAnalysis.performance(parameters, policy: policy, limits: limits)
      gains.append((policy, exact.activeRequests))
    }
    return OptimalScheduling(
      states: mdp.states.count, stateActionPairs: mdp.process.rowCount,
      transitions: mdp.transitionCount, solution: solution, greedyGain: greedy.gain,
      greedyResidual: greedy.stationary.residual, heuristicGains: gains)
  }

  /// The one place the average-cost solver is chosen: the core's average-cost policy
  /// iteration (a sparse LU per policy, docs/average-cost.md), stopped when the certified
  /// Odoni bracket max(Th − h) − min(Th − h) is at most 1e-10, ties to the lowest row
  /// (docs/collaborative-inference.md, G9). A multichain policy is reported in the status.
  static func solveAverageCost(_ process: DecisionProcess) -> AverageCostSolution {
    AverageCostPolicyIteration(tolerance: .absolute(1e-10)).solve(process)
  }
}
