import CollaborativeInference
import GenerativeMarkov
import MarkovSolvers
import TestSupport
import Testing

/// Reference state and transition counts of spec G7.2 (an independent implementation
/// enumerated the same instances); flow balance as an identity between
/// quantities computed by different routes.
@Suite struct ExactInstanceTests {
  @Test(arguments: [
    (InferenceInstance.t1, SchedulingPolicy.centralized, 478, 4858),
    (.t4, .centralized, 1408, 25794),
  ])
  func reachableChainsMatchTheReferenceCounts(
    instance: InferenceInstance, policy: SchedulingPolicy, states: Int, transitions: Int
  ) throws {
    let result = try ExactAnalysis.performance(instance.parameters(), policy: policy)
    #expect(result.states == states)
    #expect(result.transitions == transitions)
    #expect(result.stationaryResidual <= 1e-12)
    #expect(result.status == .converged)
  }

  /// The larger reference counts of spec G7.2. The specification gives these transition
  /// counts in millions to three digits (`granularity` 10 000), the others exactly.
  @Test(
    .enabled(if: LongTests.enabled),
    arguments: [
      (InferenceInstance.t1, SchedulingPolicy.uniform, 15_730, 377_798, 1),
      (.t1, .adaptive, 14_505, 331_145, 1),
      (.t2, .uniform, 76_404, 4_260_000, 10_000),
      (.t3, .uniform, 36_265, 2_330_000, 10_000),
      (.t4, .uniform, 46_572, 2_100_000, 10_000),
    ])
  func largerChainsMatchTheReferenceCounts(
    instance: InferenceInstance, policy: SchedulingPolicy, states: Int, transitions: Int,
    granularity: Int
  ) throws {
    let result = try ExactAnalysis.performance(instance.parameters(), policy: policy)
    #expect(result.states == states)
    #expect((result.transitions + granularity / 2) / granularity == transitions / granularity)
    #expect(result.stationaryResidual <= 1e-12)
    #expect(result.status == .converged)
  }

  /// The executor runs on every node (spec G5 stage 0) and an offline user's allocation is
  /// 0 (G4.1), so the memory rule (G6.1) pauses a download holding mx > 0 (T2: mx = 0.5).
  /// The pause is void while the user stays offline and applies in the step the user comes
  /// back (stage 4): no completion draw, age kept. Worked by hand from those rules.
  @Test func offlineUsersDownloadIsPausedWhenTheUserReturns() throws {
    let model = InferenceModel(parameters: try InferenceInstance.t2.parameters(), policy: .uniform)
    var state = try InferenceInstance.t2.parameters().initialState
    state.users[0].downloadItem = 0
    state.users[0].downloadAge = 1
    let successors = model.successors(of: state)
    var returned = 0.0
    var stayed = 0.0
    for (next, probability) in successors {
      let user = next.users[0]
      #expect(user.downloadItem == 0 && user.downloadAge == 1)
      if user.online {
        #expect(user.downloadPaused)
        returned += probability
      } else {
        #expect(!user.downloadPaused)
        stayed += probability
      }
    }
    // Offline table (0.3, 0.5) at age 0: the user returns w.p. 0.3.
    #expect(isClose(returned, 0.3, absolute: 1e-12))
    #expect(isClose(stayed, 0.7, absolute: 1e-12))
  }

  @Test func flowBalanceAndMinimumLatencyHold() throws {
    let result = try ExactAnalysis.performance(
      InferenceInstance.t1.parameters(), policy: .centralized)
    // Every request is active for exactly ℓ steps: E[active] = Σ_ℓ ℓ · rate(ends at ℓ).
    // Completions are weighted by their law; abandon/drop latencies are not split out, so
    // use flow balance for them instead: starts = completions + abandons + drops.
    #expect(
      isClose(
        result.startRate, result.completionRate + result.abandonRate + result.dropRate,
        absolute: 1e-12))
    // Spec G5 (derived): assigned at t_s + 1 and done on the server at the earliest then,
    // a request completes at t_s + 2: ℓ ≥ 2, and ℓ = 2 happens.
    #expect(result.latency.completionRateByLatency.prefix(2).allSatisfy { $0 == 0 })
    #expect(result.latency.completionRateByLatency[2] > 0)
    // The centralized scheduler never uses users, and the server holds ≤ 2 subtasks.
    #expect(result.userAssignmentRate == 0)
    #expect(result.serverMemory <= 2)
    #expect(result.serverCpuPercent <= 100)
  }

  @Test func enumerationErrorsNameTheirCause() throws {
    var parameters = try InferenceInstance.t1.parameters()
    parameters.think = .pareto(scale: 30, shape: 1.5)
    #expect(throws: ExactAnalysisError.parametricDuration("think")) {
      try ExactAnalysis.performance(parameters, policy: .centralized)
    }
    parameters = try InferenceInstance.t1.parameters()
    parameters.patience = .table([0, 0.5, 0.9])
    #expect(throws: ExactAnalysisError.unboundedPatience(0.9)) {
      try ExactAnalysis.performance(parameters, policy: .centralized)
    }
    parameters = try InferenceInstance.t1.parameters()
    parameters.offline = .table([0.3, 0])
    #expect(throws: ExactAnalysisError.absorbingAvailability("offline")) {
      try ExactAnalysis.performance(parameters, policy: .centralized)
    }
    // The paper instance is refused before any allocation, with its bound in the message.
    let paper = try InferenceInstance.paper.parameters(users: 1000)
    var truncated = paper
    for name in [\InferenceParameters.online, \.offline, \.think, \.patience] {
      truncated[keyPath: name] = paper[keyPath: name].truncated(cap: 100)
    }
    truncated.patience = .table(Array(repeating: 0.1, count: 100) + [1])
    do {
      _ = try ExactAnalysis.performance(truncated, policy: .centralized)
      Issue.record("the paper instance was not refused")
    } catch .enumeration(.stateBoundTooLarge(let bound, let limit)) {
      #expect(bound > 1000 && limit == 12)
    }
    // State cap: T1 centralized has 478 states.
    #expect(throws: ExactAnalysisError.enumeration(.tooManyStates(cap: 100))) {
      try ExactAnalysis.performance(
        InferenceInstance.t1.parameters(), policy: .centralized,
        limits: EnumerationLimits(maximumStates: 100))
    }
  }
}
