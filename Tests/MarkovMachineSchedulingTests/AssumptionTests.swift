import MarkovMachineScheduling
import MarkovSolvers
import TestSupport
import Testing

/// Every combination of the options of A0 that the tests sweep.
private let orderings = SlotOrdering.allCases
private let alternativeOrderings: [SlotOrdering] = [.flipThenSample, .serviceNextSlot]

private func assumptions(
  ties: MaxAgeTieRule = .lowestIndex, empty: EmptySystemSampling = .skip,
  ordering: SlotOrdering = .sampleThenFlip
) throws -> ModelAssumptions {
  try ModelAssumptions(maxAgeTies: ties, emptySystemSampling: empty, slotOrdering: ordering)
}

private func policy(_ rule: SchedulingRule, mu: Double, _ subset: UserSubset, schedule: [Double])
  throws -> SubsetPolicy
{
  rule == .randomized
    ? try .randomized(samplingProbability: mu, schedule: schedule, subset: subset)
    : try .maxAge(samplingProbability: mu)
}

@Suite("Defaults of the model assumptions reproduce A2 (A0)")
struct DefaultAssumptionTests {
  @Test func standardIsTheDefaultAndInvalidProbabilitiesAreRejected() throws {
    #expect(try ModelAssumptions() == .standard)
    #expect(throws: ParameterError.self) {
      try ModelAssumptions(emptySystemSampling: .sample(probability: 0))
    }
    #expect(throws: ParameterError.self) {
      try ModelAssumptions(emptySystemSampling: .sample(probability: 1.5))
    }
  }

  /// The new parameters with their explicit defaults give exactly the old calls' numbers.
  @Test(arguments: ClosedFormCase.all)
  func explicitDefaultsReproduceTheOldCalls(_ point: ClosedFormCase) throws {
    let parameters = try point.parameters
    let subset = try parameters.subset(users: point.members)
    for rule in SchedulingRule.allCases {
      let chosen = try policy(rule, mu: point.mu, subset, schedule: point.schedule)
      #expect(
        ClosedForms.performance(parameters, subset: subset, policy: chosen)
          == ClosedForms.performance(
            parameters, subset: subset, policy: chosen, assumptions: .standard))
      #expect(
        ClosedForms.idlePeriod(parameters, chosen)
          == ClosedForms.idlePeriod(parameters, chosen, assumptions: .standard))
      let old = ExactEvaluation.evaluate(parameters, subset: subset, policy: chosen)
      let new = ExactEvaluation.evaluate(
        parameters, subset: subset, policy: chosen, assumptions: .standard)
      // Exactly, the untruncated ages too: their small dense solves no longer go through
      // OpenBLAS, whose result depended on the thread count another suite had set.
      #expect(old.ages == new.ages && old.untruncatedAges == new.untruncatedAges)
      #expect(old.samplingCost == new.samplingCost)
    }
  }

  @Test func explicitDefaultsReproduceTablesStabilityAndSimulation() throws {
    let parameters = try MachineParameters(
      flipProbability: 0.3, busyAfterCompletionProbability: 0.4, serviceProbabilities: [0.5, 0.8],
      arrivalProbabilities: [0.05, 0.1], samplingCost: 5)
    let optimizer = SubsetOptimizer(starts: 2)
    var explicit = optimizer
    explicit.assumptions = .standard
    let tables = SchedulingRule.allCases.map { optimizer.table(parameters, rule: $0) }
    #expect(tables == SchedulingRule.allCases.map { explicit.table(parameters, rule: $0) })
    #expect(
      try PolicyTable.constant(parameters, rule: .maxAge, samplingProbability: 0.6)
        == PolicyTable.constant(
          parameters, rule: .maxAge, samplingProbability: 0.6, assumptions: .standard))
    #expect(
      StabilityReport(parameters, randomized: tables[0], maxAge: tables[1]).conditions
        == StabilityReport(
          parameters, randomized: tables[0], maxAge: tables[1], assumptions: .standard
        ).conditions)
    #expect(
      parameters.loadAtFullSampling == parameters.loadAtFullSampling(assumptions: .standard))
    let settings = try SimulationSettings(slots: 20_000, replications: 1, seed: 3)
    for table in tables {
      let old = MachineSimulator(parameters: parameters, table: table, settings: settings)
      let new = MachineSimulator(
        parameters: parameters, table: table, settings: settings, assumptions: .standard)
      #expect(old.replicate(seed: 3) == new.replicate(seed: 3))
    }
  }

  @Test func explicitDefaultsReproduceTheLiteralChainAndTheMDP() throws {
    let parameters = try MachineParameters(
      flipProbability: 0.5, busyAfterCompletionProbability: 0.5,
      serviceProbabilities: [0.6, 0.9], samplingCost: 5)
    let subset = parameters.allUsers
    let old = try LiteralMaxAgeEvaluation.evaluate(
      parameters, subset: subset, samplingProbability: 0.8, ageCap: 10)
    let new = try LiteralMaxAgeEvaluation.evaluate(
      parameters, subset: subset, samplingProbability: 0.8, ageCap: 10, assumptions: .standard)
    #expect(old.ages == new.ages && old.samplingCost == new.samplingCost)
    let maxAge = try SubsetPolicy.maxAge(samplingProbability: 0.8)
    let oldModel = try OptimalSchedulingModel(parameters: parameters, ageCap: 10)
    let newModel = try OptimalSchedulingModel(
      parameters: parameters, ageCap: 10, assumptions: .standard)
    let zeros = Array(repeating: 0, count: oldModel.stateCount)
    #expect(
      try PolicyEvaluation.averageCost(oldModel.policyProcess(maxAge), policy: zeros).gain
        == PolicyEvaluation.averageCost(newModel.policyProcess(maxAge), policy: zeros).gain)
  }
}

@Suite("Max-age tie rule (A2 step 2, A8.3)")
struct MaxAgeTieRuleTests {
  /// Hand-worked run: two users with one-slot jobs (q_i = 1), s = 0, μ̄ = 1, permanent
  /// congestion, 4 slots. Both ages are 1 in slot 0, so the tie rule picks the first user;
  /// then the users alternate. Served first: ages 1, 1, 2, 1 (mean 5/4); the other:
  /// 1, 2, 1, 2 (mean 6/4).
  @Test func oneSlotJobsAlternateFromTheTieWinner() throws {
    let parameters = try MachineParameters(
      flipProbability: 0.3, busyAfterCompletionProbability: 0, serviceProbabilities: [1, 1],
      samplingCost: 5)
    let table = try PolicyTable.constant(parameters, rule: .maxAge, samplingProbability: 1)
    let settings = try SimulationSettings(
      slots: 4, replications: 400, seed: 1, windows: 4,
      permanentCongestion: parameters.allUsers)
    func run(_ ties: MaxAgeTieRule) throws -> SimulationResult {
      MachineSimulator(
        parameters: parameters, table: table, settings: settings,
        assumptions: try assumptions(ties: ties)
      ).run()
    }
    #expect(try run(.lowestIndex).outcomes.allSatisfy { $0.ages == [1.25, 1.5] })
    #expect(try run(.highestIndex).outcomes.allSatisfy { $0.ages == [1.5, 1.25] })
    let uniform = try run(.uniform).outcomes
    #expect(uniform.allSatisfy { $0.ages == [1.25, 1.5] || $0.ages == [1.5, 1.25] })
    // Each replication serves user 1 first w.p. 1/2: 400 draws, sd 0.025, 3 sd.
    let share = Double(uniform.count { $0.ages == [1.25, 1.5] }) / 400
    #expect(abs(share - 0.5) <= 0.075)
  }

  /// Symmetry: the highest-index rule on users (a, b) is the lowest-index rule on (b, a)
  /// with the users relabelled; under permanent congestion the random draws are the same
  /// in both runs, so the replications agree exactly.
  @Test func highestIndexIsLowestIndexWithTheUsersSwapped() throws {
    func parameters(_ service: [Double]) throws -> MachineParameters {
      try MachineParameters(
        flipProbability: 0.3, busyAfterCompletionProbability: 0.4,
        serviceProbabilities: service, samplingCost: 5)
    }
    let direct = try parameters([0.5, 0.8])
    let swapped = try parameters([0.8, 0.5])
    let settings = try SimulationSettings(
      slots: 50_000, replications: 1, permanentCongestion: direct.allUsers)
    let highest = MachineSimulator(
      parameters: direct,
      table: try .constant(direct, rule: .maxAge, samplingProbability: 0.7), settings: settings,
      assumptions: try assumptions(ties: .highestIndex)
    ).replicate(seed: 9)
    let lowest = MachineSimulator(
      parameters: swapped,
      table: try .constant(swapped, rule: .maxAge, samplingProbability: 0.7), settings: settings
    ).replicate(seed: 9)
    #expect(highest.ages == lowest.ages.reversed())
    #expect(highest.samplingCost == lowest.samplingCost)
  }

  static let capParameters = (service: [0.6, 0.9], flip: 0.5, busy: 0.3, mu: 0.8, cap: 6)

  private static func literal(_ service: [Double], _ ties: MaxAgeTieRule, _ ordering: SlotOrdering)
    throws -> LiteralMaxAgeEvaluation
  {
    let point = capParameters
    let parameters = try MachineParameters(
      flipProbability: point.flip, busyAfterCompletionProbability: point.busy,
      serviceProbabilities: service, samplingCost: 5)
    return try LiteralMaxAgeEvaluation.evaluate(
      parameters, subset: parameters.allUsers, samplingProbability: point.mu, ageCap: point.cap,
      assumptions: try assumptions(ties: ties, ordering: ordering))
  }

  /// With a small age cap the capped ages tie often, so the rule matters; swapping the
  /// users' parameters swaps the roles of lowest and highest index (symmetry), and the
  /// uniform rule is symmetric under the swap.
  @Test(arguments: orderings)
  func literalChainTieRulesAreMirrorImages(_ ordering: SlotOrdering) throws {
    let service = Self.capParameters.service
    let lowest = try Self.literal(service, .lowestIndex, ordering)
    let highest = try Self.literal(service, .highestIndex, ordering)
    let highestSwapped = try Self.literal(service.reversed(), .highestIndex, ordering)
    let uniform = try Self.literal(service, .uniform, ordering)
    let uniformSwapped = try Self.literal(service.reversed(), .uniform, ordering)
    #expect(maxAbsDifference(lowest.ages, highestSwapped.ages.reversed()) <= 1e-10)
    #expect(isClose(lowest.samplingCost, highestSwapped.samplingCost, relative: 1e-10))
    #expect(maxAbsDifference(uniform.ages, uniformSwapped.ages.reversed()) <= 1e-10)
    #expect(maxAbsDifference(lowest.ages, highest.ages) > 1e-3)
  }

  /// Two independent exact methods on the same capped model: the literal joint chain over
  /// the actual phase (A6.2) and the MDP's one-action process over the server's beliefs
  /// (A10), whose gain is (1/N) Σ E[v_i] + S. With q = 1/2 the beliefs are exact.
  @Test(arguments: MaxAgeTieRule.allCases, orderings)
  func literalChainMatchesTheMDPPolicyProcess(_ ties: MaxAgeTieRule, _ ordering: SlotOrdering)
    throws
  {
    let point = Self.capParameters
    let literal = try Self.literal(point.service, ties, ordering)
    let parameters = try MachineParameters(
      flipProbability: point.flip, busyAfterCompletionProbability: point.busy,
      serviceProbabilities: point.service, samplingCost: 5)
    let model = try OptimalSchedulingModel(
      parameters: parameters, ageCap: point.cap,
      assumptions: try assumptions(ties: ties, ordering: ordering))
    let process = model.policyProcess(try .maxAge(samplingProbability: point.mu))
    let gain = try PolicyEvaluation.averageCost(
      process, policy: Array(repeating: 0, count: process.stateCount)
    ).gain
    #expect(isClose(gain, literal.ages.reduce(0, +) / 2 + literal.samplingCost, absolute: 1e-9))
  }
}

@Suite("Sampling with every queue empty (A2.4)")
struct EmptySystemSamplingTests {
  static func idleSystem() throws -> MachineParameters {
    try MachineParameters(
      flipProbability: 0.3, busyAfterCompletionProbability: 0.4, serviceProbabilities: [0.5, 0.8],
      arrivalProbabilities: [0, 0], samplingCost: 5)
  }

  /// No arrivals: every slot has every queue empty. Skipping costs nothing; sampling w.p. 1
  /// costs L per slot (hand values); w.p. 0.3 it costs 0.3 L on average (Bernoulli slots).
  @Test func emptySystemSamplingCostsLTimesTheProbability() throws {
    let parameters = try Self.idleSystem()
    let table = try PolicyTable.constant(parameters, rule: .maxAge, samplingProbability: 0.5)
    let settings = try SimulationSettings(slots: 100_000, replications: 8, seed: 2)
    func cost(_ empty: EmptySystemSampling) throws -> Estimate {
      MachineSimulator(
        parameters: parameters, table: table, settings: settings,
        assumptions: try assumptions(empty: empty)
      ).run().samplingCost
    }
    #expect(try cost(.skip).mean == 0)
    #expect(try cost(.sample(probability: 1)).mean == 5)
    let partial = try cost(.sample(probability: 0.3))
    #expect(abs(partial.mean - 1.5) <= 2 * partial.halfWidth)
  }

  /// Under permanent congestion the queues never empty: the option changes nothing, draw
  /// for draw.
  @Test func permanentCongestionIgnoresTheOption() throws {
    let parameters = try Self.idleSystem()
    let table = try PolicyTable.constant(parameters, rule: .randomized, samplingProbability: 0.6)
    let settings = try SimulationSettings(
      slots: 20_000, replications: 1, permanentCongestion: parameters.allUsers)
    let skip = MachineSimulator(parameters: parameters, table: table, settings: settings)
    let sample = MachineSimulator(
      parameters: parameters, table: table, settings: settings,
      assumptions: try assumptions(empty: .sample(probability: 0.5)))
    #expect(skip.replicate(seed: 4) == sample.replicate(seed: 4))
  }
}

@Suite("Slot ordering of A2")
struct SlotOrderingTests {
  /// Hand values (n = 1, μ = 1, one-slot jobs q_1 = 1, q = 1/4, s = 1, L = 5): with G ~
  /// Geom(q), E[G] = 4, E[G²] = 28, and X the slots between completions, Δ = E[X²]/(2E[X]) +
  /// 1/2, S = L E[I]/E[X] (every idle slot sampled).
  /// - A2: I = 1 + G, X = I: E[X] = 5, E[X²] = 37, Δ = 4.2, S = 5.
  /// - flip first: the first slot flips to free w.p. 1/4, so I = 1 w.p. 1/4, else 1 + G:
  ///   E[X] = 4, E[X²] = 1/4 + 3/4 · 37 = 28, Δ = 4, S = 5.
  /// - service next slot: X = I + 1: E[X] = 6, E[X²] = 37 + 10 + 1 = 48, Δ = 4.5,
  ///   S = 5 · 5/6.
  static let handValues: [(SlotOrdering, age: Double, sampling: Double, meanIdle: Double)] = [
    (.sampleThenFlip, 4.2, 5, 5), (.flipThenSample, 4, 5, 4), (.serviceNextSlot, 4.5, 25.0 / 6, 5),
  ]

  @Test(arguments: handValues.indices)
  func oneSlotJobsMatchTheHandValues(_ index: Int) throws {
    let (ordering, age, sampling, meanIdle) = Self.handValues[index]
    let parameters = try MachineParameters(
      flipProbability: 0.25, busyAfterCompletionProbability: 1, serviceProbabilities: [1],
      samplingCost: 5)
    let options = try assumptions(ordering: ordering)
    let subset = parameters.allUsers
    for rule in SchedulingRule.allCases {
      let chosen = try policy(rule, mu: 1, subset, schedule: [1])
      let closed = ClosedForms.performance(
        parameters, subset: subset, policy: chosen, assumptions: options)
      let exact = ExactEvaluation.evaluate(
        parameters, subset: subset, policy: chosen, assumptions: options)
      #expect(isClose(closed.ages[0], age) && isClose(closed.samplingCost, sampling))
      #expect(isClose(exact.untruncatedAges[0], age) && isClose(exact.samplingCost, sampling))
    }
    #expect(
      isClose(
        ClosedForms.idlePeriod(
          parameters, try .maxAge(samplingProbability: 1), assumptions: options
        )
        .meanLength, meanIdle))
    let model = try OptimalSchedulingModel(
      parameters: parameters, ageCap: 200, assumptions: options)
    let process = model.policyProcess(try .maxAge(samplingProbability: 1))
    let gain = try PolicyEvaluation.averageCost(
      process, policy: Array(repeating: 0, count: process.stateCount)
    ).gain
    #expect(isClose(gain, age + sampling, absolute: 1e-9))
  }

  /// The closed forms' reductions for the other orderings against the phase chains built
  /// literally in that ordering (A6.1), on the five test points of A12.
  @Test(arguments: ClosedFormCase.all, alternativeOrderings)
  func closedFormsMatchTheLiteralPhaseChains(_ point: ClosedFormCase, _ ordering: SlotOrdering)
    throws
  {
    let parameters = try point.parameters
    let subset = try parameters.subset(users: point.members)
    let options = try assumptions(ordering: ordering)
    for rule in SchedulingRule.allCases {
      let chosen = try policy(rule, mu: point.mu, subset, schedule: point.schedule)
      let closed = ClosedForms.performance(
        parameters, subset: subset, policy: chosen, assumptions: options)
      let exact = ExactEvaluation.evaluate(
        parameters, subset: subset, policy: chosen, assumptions: options)
      #expect(exact.status == .converged)
      #expect(maxAbsDifference(closed.ages, exact.untruncatedAges) <= 1e-10, "\(rule)")
      #expect(isClose(closed.samplingCost, exact.samplingCost, absolute: 1e-12), "\(rule)")
      // Not the A2 numbers, except that s' − s = q (1 − 2s) vanishes at s = 1/2.
      let standard = ClosedForms.performance(parameters, subset: subset, policy: chosen)
      if ordering == .serviceNextSlot || point.busy != 0.5 {
        #expect(maxAbsDifference(closed.ages, standard.ages) > 1e-6, "\(rule)")
      }
    }
  }

  /// The literal max-age joint chain (argmax on the ages, no round-robin assumption)
  /// against Theorems 3-4 in each ordering.
  @Test(arguments: alternativeOrderings)
  func literalMaxAgeChainMatchesTheClosedForms(_ ordering: SlotOrdering) throws {
    let parameters = try MachineParameters(
      flipProbability: 0.5, busyAfterCompletionProbability: 0.5,
      serviceProbabilities: [0.6, 0.9], samplingCost: 5)
    let options = try assumptions(ordering: ordering)
    let subset = parameters.allUsers
    let literal = try LiteralMaxAgeEvaluation.evaluate(
      parameters, subset: subset, samplingProbability: 0.8, ageCap: 80, assumptions: options)
    let closed = ClosedForms.maxAge(
      parameters, subset: subset, policy: try .maxAge(samplingProbability: 0.8),
      assumptions: options)
    #expect(maxAbsDifference(literal.ages, closed.ages) <= 1e-8)
    #expect(isClose(literal.samplingCost, closed.samplingCost, absolute: 1e-8))
  }

  /// The slot-exact simulation, which implements each ordering literally, contains the
  /// closed forms within 1.5 half widths of its 95% intervals (permanent congestion; 12
  /// replications, so that the intervals' own spread is small).
  @Test(arguments: SchedulingRule.allCases, alternativeOrderings)
  func simulationMatchesTheClosedForms(_ rule: SchedulingRule, _ ordering: SlotOrdering) throws {
    let parameters = try SimulationTests.parameters
    let options = try assumptions(ordering: ordering)
    let subset = parameters.allUsers
    let table = try PolicyTable.constant(
      parameters, rule: rule, samplingProbability: 0.7, assumptions: options)
    let settings = try SimulationSettings(
      slots: 400_000, warmUpSlots: 1000, replications: 12, seed: 11, permanentCongestion: subset)
    let result = MachineSimulator(
      parameters: parameters, table: table, settings: settings, assumptions: options
    ).run()
    let closed = table[subset].performance
    for (user, age) in closed.ages.enumerated() {
      #expect(
        abs(result.ages[user].mean - age) <= 1.5 * result.ages[user].halfWidth, "user \(user)")
    }
    #expect(
      abs(result.samplingCost.mean - closed.samplingCost) <= 1.5 * result.samplingCost.halfWidth)
  }

  /// Hand values of the load at μ = 1, Σ p_i (x + 1/q_i) with q = 1/4, s = 1,
  /// q̄ = (1/2, 1), p = (0.1, 0.2): x = s/q = 4 (A2), s'/q = 0.75/0.25 = 3 (flip first),
  /// s/q + 1 = 5 (service next slot).
  @Test(arguments: [
    (SlotOrdering.sampleThenFlip, 1.6), (.flipThenSample, 1.3), (.serviceNextSlot, 1.9),
  ])
  func loadAtFullSamplingFollowsTheOrdering(_ ordering: SlotOrdering, _ load: Double) throws {
    let parameters = try MachineParameters(
      flipProbability: 0.25, busyAfterCompletionProbability: 1, serviceProbabilities: [0.5, 1],
      arrivalProbabilities: [0.1, 0.2], samplingCost: 5)
    let options = try assumptions(ordering: ordering)
    #expect(isClose(parameters.loadAtFullSampling(assumptions: options), load))
    let tables = SchedulingRule.allCases.map {
      SubsetOptimizer(starts: 1, assumptions: options).table(parameters, rule: $0)
    }
    let report = StabilityReport(
      parameters, randomized: tables[0], maxAge: tables[1], assumptions: options)
    #expect(isClose(report.loadAtFullSampling, load))
  }
}
