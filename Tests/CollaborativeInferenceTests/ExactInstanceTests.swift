import CollaborativeInference
import GenerativeMarkov
import MarkovSolvers
import TestSupport
import Testing

@Suite struct ExactInstanceTests {
  @Test func t1CentralizedMatchesTheReferenceCounts() throws {
    let parameters = try InferenceInstance.t1.parameters()
    let result = try ExactAnalysis.performance(parameters, policy: .centralized)
    print(result.states, result.transitions, result.activeRequests, result.latency.mean ?? -1)
    #expect(result.states == 478)
    #expect(result.transitions == 4858)
  }
}
