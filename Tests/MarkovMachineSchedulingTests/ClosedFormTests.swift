import LinearKernels
import MarkovMachineScheduling
import MarkovSolvers
import TestSupport
import Testing

/// A test point of A12: N users, q, s, L, μ, a subset and a schedule.
struct ClosedFormCase: Sendable, CustomStringConvertible {
  var service: [Double]
  var flip: Double
  var busy: Double
  var mu: Double
  var members: [Int]
  var schedule: [Double]

  var parameters: MachineParameters {
    get throws {
      try MachineParameters(
        flipProbability: flip, busyAfterCompletionProbability: busy,
        serviceProbabilities: service, samplingCost: 5)
    }
  }

  var description: String { "n=\(members.count) q=\(flip) s=\(busy) mu=\(mu)" }

  /// Five points spanning n = 1..4, q in 0.1..0.9, s in 0.2..0.9, μ in 0.15..1 (A12).
  static let all: [ClosedFormCase] = [
    ClosedFormCase(
      service: [0.7], flip: 0.3, busy: 0.2, mu: 0.6, members: [0], schedule: [1]),
    ClosedFormCase(
      service: [0.4, 0.9], flip: 0.1, busy: 0.5, mu: 1, members: [0, 1], schedule: [0.3, 0.7]),
    ClosedFormCase(
      service: [0.55, 0.73, 0.84], flip: 0.9, busy: 0.9, mu: 0.15, members: [0, 1, 2],
      schedule: [0.2, 0.5, 0.3]),
    ClosedFormCase(
      service: [0.1, 0.4, 0.6, 0.9], flip: 0.5, busy: 0.3, mu: 0.8, members: [0, 1, 2, 3],
      schedule: [0.4, 0.3, 0.2, 0.1]),
    ClosedFormCase(
      service: [0.1, 0.4, 0.6, 0.9], flip: 0.35, busy: 0.7, mu: 0.45, members: [1, 3],
      schedule: [0.6, 0.4]),
  ]
}

@Suite("Theorems 1-4 against exact chains (A5, A6, A12)")
struct ClosedFormTests {
  @Test(arguments: ClosedFormCase.all)
  func randomizedPolicyMatchesExactChains(_ point: ClosedFormCase) throws {
    let parameters = try point.parameters
    let subset = try parameters.subset(users: point.members)
    let policy = try SubsetPolicy.randomized(
      samplingProbability: point.mu, schedule: point.schedule, subset: subset)
    let closed = ClosedForms.randomized(parameters, subset: subset, policy: policy)
    let exact = ExactEvaluation.evaluate(parameters, subset: subset, policy: policy)
    #expect(exact.status == .converged)
    #expect(maxAbsDifference(closed.ages, exact.untruncatedAges) <= 1e-10)
    #expect(maxAbsDifference(closed.ages, exact.ages) <= 1e-10)
    #expect(isClose(closed.samplingCost, exact.samplingCost, absolute: 1e-12))
  }

  @Test(arguments: ClosedFormCase.all)
  func maxAgePolicyMatchesRoundRobinChains(_ point: ClosedFormCase) throws {
    let parameters = try point.parameters
    let subset = try parameters.subset(users: point.members)
    let policy = try SubsetPolicy.maxAge(samplingProbability: point.mu)
    let closed = ClosedForms.maxAge(parameters, subset: subset, policy: policy)
    let exact = ExactEvaluation.evaluate(parameters, subset: subset, policy: policy)
    #expect(maxAbsDifference(closed.ages, exact.untruncatedAges) <= 1e-10)
    #expect(maxAbsDifference(closed.ages, exact.ages) <= 1e-10)
    #expect(isClose(closed.samplingCost, exact.samplingCost, absolute: 1e-12))
  }
}

@Suite("Hand values and solver cross-checks (A14, A6.1)")
struct HandValueTests {
  /// n = 1, μ = 1, q_1 = 1, q = s = 1/2 (A14): β1 = 2, β2 = 6, Δ = 2, S = L, both theorems.
  @Test(arguments: SchedulingRule.allCases)
  func oneSlotJobsWithFullSampling(_ rule: SchedulingRule) throws {
    let parameters = try MachineParameters(
      flipProbability: 0.5, busyAfterCompletionProbability: 0.5, serviceProbabilities: [1],
      samplingCost: 5)
    let subset = parameters.allUsers
    let policy: SubsetPolicy =
      rule == .randomized
      ? try .randomized(samplingProbability: 1, schedule: [1], subset: subset)
      : try .maxAge(samplingProbability: 1)
    let closed = ClosedForms.performance(parameters, subset: subset, policy: policy)
    #expect(isClose(closed.ages[0], 2))
    #expect(isClose(closed.samplingCost, 5))
    let idle = ClosedForms.idlePeriod(parameters, policy)
    #expect(
      isClose(idle.meanLength, 2) && isClose(idle.secondMoment, 6) && isClose(idle.variance, 2))
  }

  /// The block forward substitution of `evaluate` against the core's GTH solve of the
  /// explicit Kronecker chain at the same cap (an independent general-purpose solver).
  @Test(arguments: SchedulingRule.allCases)
  func truncatedChainSolverMatchesGTH(_ rule: SchedulingRule) throws {
    let parameters = try MachineParameters(
      flipProbability: 0.4, busyAfterCompletionProbability: 0.6, serviceProbabilities: [0.7, 0.9],
      samplingCost: 3)
    let subset = parameters.allUsers
    let policy: SubsetPolicy =
      rule == .randomized
      ? try .randomized(samplingProbability: 0.8, schedule: [0.45, 0.55], subset: subset)
      : try .maxAge(samplingProbability: 0.8)
    let process = PhaseProcess.forPolicy(parameters, subset: subset, policy: policy)
    let cap = 25
    let truncated = process.evaluate(samplingCost: 3, accuracy: 1e-300, maximumCap: cap)
    #expect(truncated.status == .iterationLimitReached)
    for member in 0..<2 {
      let chain = process.ageChain(member: member, cap: cap)
      let pi = try chain.stationaryDistribution(method: .gth).probabilities
      var mean = 0.0
      var atCap = 0.0
      for (state, probability) in pi.enumerated() {
        let age = state / process.phaseCount + 1
        mean += Double(age) * probability
        if age == cap { atCap += probability }
      }
      #expect(truncated.ageCaps[member] == cap)
      #expect(isClose(truncated.ages[member], mean, relative: 1e-12))
      #expect(isClose(truncated.massAtCap[member], atCap, relative: 1e-10))
      #expect(truncated.massAtCap[member] > 1e-4)
    }
    // The truncation error is positive and equals the gap to the untruncated formula.
    #expect(truncated.truncationErrors.allSatisfy { $0 > 0 })
  }

  /// Theorems 1 and 3 coincide for a single user (one job at a time, n = 1).
  @Test func singleUserTheoremsCoincide() throws {
    let parameters = try MachineParameters(
      flipProbability: 0.2, busyAfterCompletionProbability: 0.4, serviceProbabilities: [0.3, 0.6],
      samplingCost: 2)
    let subset = try parameters.subset(users: [1])
    let randomized = ClosedForms.randomized(
      parameters, subset: subset,
      policy: try .randomized(samplingProbability: 0.37, schedule: [1], subset: subset))
    let maxAge = ClosedForms.maxAge(
      parameters, subset: subset, policy: try .maxAge(samplingProbability: 0.37))
    #expect(isClose(randomized.ages[0], maxAge.ages[0], relative: 1e-13))
    #expect(isClose(randomized.samplingCost, maxAge.samplingCost, relative: 1e-13))
  }

  /// The bound of Theorem 2 is a bound (A5.2): S <= S_ub.
  @Test(arguments: ClosedFormCase.all)
  func samplingCostBoundIsAbove(_ point: ClosedFormCase) throws {
    let parameters = try point.parameters
    let subset = try parameters.subset(users: point.members)
    let closed = ClosedForms.randomized(
      parameters, subset: subset,
      policy: try .randomized(
        samplingProbability: point.mu, schedule: point.schedule, subset: subset))
    let bound = try #require(closed.samplingCostBound)
    #expect(closed.samplingCost <= bound)
  }
}

@Suite("Literal max-age joint chain (A6.2)")
struct LiteralMaxAgeTests {
  @Test func twoUsersAgreeWithTheorems3And4() throws {
    let parameters = try MachineParameters(
      flipProbability: 0.5, busyAfterCompletionProbability: 0.5,
      serviceProbabilities: [0.6, 0.9], samplingCost: 5)
    let subset = parameters.allUsers
    let literal = try LiteralMaxAgeEvaluation.evaluate(
      parameters, subset: subset, samplingProbability: 0.8, ageCap: 60)
    let closed = ClosedForms.maxAge(
      parameters, subset: subset, policy: try .maxAge(samplingProbability: 0.8))
    #expect(maxAbsDifference(literal.ages, closed.ages) <= 1e-8)
  }
}
