import CollaborativeInference
import GenerativeMarkov
import MarkovSolvers
import TestSupport
import Testing

/// A two-user instance small enough for a debug-build MDP: one type with one subtask,
/// pipeline execution only, patience (0, 0.5, 1) (derived from T1/T3 of spec G7.2).
private func smallMDPInstance() throws -> InferenceParameters {
  var parameters = try InferenceInstance.t1.parameters()
  var subtask = parameters.types[0].subtasks[0]
  subtask.execution = .memoryless(0.5)
  parameters.types = [TaskType(name: "t", probability: 1, subtasks: [subtask])]
  parameters.online = .memoryless(0.1)
  parameters.offline = .memoryless(0.3)
  parameters.patience = .table([0, 0.5, 1])
  parameters.userPipeline = [.execution]
  parameters.serverMemory = 1
  try parameters.validate()
  return parameters
}

@Suite struct OptimalSchedulingTests {
  /// Spec G7.2 and G9 on M1: 33 141 states, 177 021 state-action pairs, 3.14 M
  /// transitions; g* = 0.724160812449 and the heuristics' exact gains, to 1e-9 (G15).
  @Test(.enabled(if: LongTests.enabled)) func m1MatchesTheReference() throws {
    let result = try OptimalScheduler.solve(InferenceInstance.m1.parameters())
    #expect(result.states == 33_141)
    #expect(result.stateActionPairs == 177_021)
    #expect((result.transitions + 5_000) / 10_000 == 314)
    #expect(result.solution.status == .converged)
    #expect(result.greedyGainInBracket)
    #expect(isClose(result.greedyGain, 0.724160812449, absolute: 1e-9))
    #expect(result.solution.gainLowerBound >= 0.724160812449 - 1e-9)
    #expect(result.solution.gainUpperBound <= 0.724160812449 + 1e-9)
    let reference: [SchedulingPolicy: Double] = [
      .centralized: 0.725442219320, .adaptive: 0.728979883655, .uniform: 0.729056174567,
    ]
    #expect(result.heuristicGains.count == reference.count)
    for (policy, gain) in result.heuristicGains {
      #expect(isClose(gain, reference[policy] ?? .nan, absolute: 1e-9), "\(policy): \(gain)")
    }
  }

  /// Spec G9: the optimal gain is no worse than every heuristic's exact gain, and the
  /// greedy policy's exact gain lies in the solver's certified bracket.
  @Test func optimumIsNoWorseThanEveryHeuristic() throws {
    let result = try OptimalScheduler.solve(smallMDPInstance())
    #expect(result.solution.status == .converged)
    #expect(result.solution.gainUpperBound - result.solution.gainLowerBound <= 1e-10)
    #expect(result.greedyGainInBracket)
    #expect(result.stateActionPairs > result.states)
    for (policy, gain) in result.heuristicGains {
      #expect(result.solution.gainLowerBound <= gain + 1e-9, "\(policy): \(gain)")
    }
    // With one user idle server memory for one subtask, waiting never helps: the optimum
    // is strictly better than the worst heuristic or equal to the best one.
    let best = result.heuristicGains.map(\.gain).min() ?? 0
    #expect(result.greedyGain <= best + 1e-9)
  }
}
