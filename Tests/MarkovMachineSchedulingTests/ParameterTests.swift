import MarkovMachineScheduling
import MarkovSolvers
import Testing

@Suite("Parameter validation and warnings (A14)")
struct ParameterTests {
  static func model(
    q: Double = 0.5, s: Double = 0.5, service: [Double] = [0.5, 0.8],
    arrivals: [Double]? = nil, cost: Double = 5
  ) throws(ParameterError) -> MachineParameters {
    try MachineParameters(
      flipProbability: q, busyAfterCompletionProbability: s, serviceProbabilities: service,
      arrivalProbabilities: arrivals, samplingCost: cost)
  }

  /// Every invalid input, with the parameter name and range the message must contain.
  static let invalid: [(String, @Sendable () throws -> Void, String)] = [
    (
      "q = 0", { _ = try model(q: 0) },
      "invalid value 0 for flip probability (q): must be in [1e-09, 1)"
    ),
    (
      "q = 1", { _ = try model(q: 1) },
      "invalid value 1 for flip probability (q): must be in [1e-09, 1)"
    ),
    (
      "s < 0", { _ = try model(s: -0.1) },
      "invalid value -0.1 for busy-after-completion probability (s): must be in [0, 1]"
    ),
    (
      "s > 1", { _ = try model(s: 1.5) },
      "invalid value 1.5 for busy-after-completion probability (s): must be in [0, 1]"
    ),
    (
      "q_i = 0", { _ = try model(service: [0.5, 0]) },
      "invalid value 0 for service probability q_2: must be in [1e-09, 1]"
    ),
    (
      "q_i > 1", { _ = try model(service: [1.2]) },
      "invalid value 1.2 for service probability q_1: must be in [1e-09, 1]"
    ),
    (
      "no users", { _ = try model(service: []) },
      "invalid value 0 for number of users (N, entries of the service probabilities q_i): must be an integer in 1...12"
    ),
    (
      "p_i = 1", { _ = try model(arrivals: [0.2, 1]) },
      "invalid value 1 for arrival probability p_2: must be in [0, 1)"
    ),
    (
      "p_i < 0", { _ = try model(arrivals: [-0.2, 0.1]) },
      "invalid value -0.2 for arrival probability p_1: must be in [0, 1)"
    ),
    (
      "p count", { _ = try model(arrivals: [0.1]) },
      "invalid value 1 entries for arrival probabilities (p_i): must have one entry per user (2, as q_i)"
    ),
    (
      "L < 0", { _ = try model(cost: -1) },
      "invalid value -1 for sampling cost (L): must be in [0, 1e+100]"
    ),
    // Below the floor the phase chains cannot hold 1 − p (1 − 1e-17 == 1 in doubles) and
    // the closed forms overflow (β2 has 2s/q², 1e-160² underflows its reciprocal to inf).
    (
      "q tiny", { _ = try model(q: 1e-160) },
      "invalid value 1e-160 for flip probability (q): must be in [1e-09, 1)"
    ),
    (
      "q_i tiny", { _ = try model(service: [0.5, 1e-17]) },
      "invalid value 1e-17 for service probability q_2: must be in [1e-09, 1]"
    ),
    (
      "mu tiny", { _ = try SubsetPolicy.maxAge(samplingProbability: 1e-160) },
      "invalid value 1e-160 for sampling probability (mu): must be in [1e-09, 1]"
    ),
    // L = 1e308 times a sampling rate overflows to inf.
    (
      "L huge", { _ = try model(cost: 1e308) },
      "invalid value 1e+308 for sampling cost (L): must be in [0, 1e+100]"
    ),
    (
      "empty S", { _ = try model().subset(users: []) },
      "invalid value {} for subset (S): must be a non-empty set of users"
    ),
    (
      "S outside", { _ = try model().subset(users: [2]) },
      "invalid value 3 for subset (S) member: must be a user in 1...2"
    ),
    (
      "mu = 0", { _ = try SubsetPolicy.maxAge(samplingProbability: 0) },
      "invalid value 0 for sampling probability (mu): must be in [1e-09, 1]"
    ),
    (
      "mu > 1",
      {
        _ = try SubsetPolicy.randomized(
          samplingProbability: 1.5, schedule: [1], subset: UserSubset(mask: 1))
      }, "invalid value 1.5 for sampling probability (mu): must be in [1e-09, 1]"
    ),
    (
      "pi count",
      {
        _ = try SubsetPolicy.randomized(
          samplingProbability: 1, schedule: [1], subset: UserSubset(mask: 3))
      },
      "invalid value 1 entries for schedule (pi): must have one entry per member of S = {1,2} (2)"
    ),
    (
      "pi_j = 0",
      {
        _ = try SubsetPolicy.randomized(
          samplingProbability: 1, schedule: [1, 0], subset: UserSubset(mask: 3))
      },
      "invalid value 0 for schedule entry pi_2: must be in (0, 1] (open simplex: every member of S gets a positive share)"
    ),
    (
      "pi sum",
      {
        _ = try SubsetPolicy.randomized(
          samplingProbability: 1, schedule: [0.5, 0.6], subset: UserSubset(mask: 3))
      },
      "invalid value 1.1 for schedule (pi) sum: must be 1 (within 1e-9; pi is a distribution over S)"
    ),
    (
      "slots", { _ = try SimulationSettings(slots: 0) },
      "invalid value 0 for slots: must be an integer in 4...1000000000000000 (the queue-growth "
        + "regression needs 4 windows of at least one slot)"
    ),
    (
      "replications", { _ = try SimulationSettings(slots: 100, replications: 0) },
      "invalid value 0 for replications (R): must be an integer in 1...100000"
    ),
    (
      // The fuzz finding: 10^12 replications of 100 slots reserved 56 TB before this bound.
      "replications 10^12",
      { _ = try SimulationSettings(slots: 100, replications: 1_000_000_000_000) },
      "invalid value 1000000000000 for replications (R): must be an integer in 1...100000"
    ),
    (
      "total slots",
      {
        _ = try SimulationSettings(
          slots: 100_000_000_000_000, warmUpSlots: 0, replications: 11)
      },
      "invalid value 11 x 100000000000000 for replications (R) x (slots + warm-up slots): "
        + "must be at most 1000000000000000 simulated slots in all"
    ),
    (
      "warm-up", { _ = try SimulationSettings(slots: 100, warmUpSlots: -1) },
      "invalid value -1 for warm-up slots: must be an integer in 0...1000000000000000"
    ),
    (
      "windows", { _ = try SimulationSettings(slots: 100, windows: 2) },
      "invalid value 2 for windows: must be an integer in 4...slots (100)"
    ),
    (
      // The fuzz finding: --starts 9223372036854775807 ran until killed.
      "starts", { try SubsetOptimizer.checkStarts(9_223_372_036_854_775_807) },
      "invalid value 9223372036854775807 for starts: must be an integer in 1...1000"
    ),
    (
      "no starts", { try SubsetOptimizer.checkStarts(0) },
      "invalid value 0 for starts: must be an integer in 1...1000"
    ),
    (
      "literal |S|",
      {
        _ = try LiteralMaxAgeEvaluation.evaluate(
          try model(service: [0.5, 0.5, 0.5, 0.5]), subset: UserSubset(mask: 15),
          samplingProbability: 1, ageCap: 10)
      }, "invalid value 4 for subset size (|S|) of the literal max-age chain: must be <= 3"
    ),
    (
      "literal cap",
      {
        _ = try LiteralMaxAgeEvaluation.evaluate(
          try model(), subset: UserSubset(mask: 3), samplingProbability: 1, ageCap: 1)
      },
      "invalid value 1 for age cap (A) of the literal max-age chain: must be >= 2 with (|S| + 2) A^|S| <= 4000000"
    ),
    (
      "MDP N",
      {
        _ = try OptimalSchedulingModel(
          parameters: try model(service: [0.5, 0.5, 0.5, 0.5]), ageCap: 10)
      }, "invalid value 4 for number of users (N) of the optimal-policy MDP: must be <= 3"
    ),
    (
      "MDP cap", { _ = try OptimalSchedulingModel(parameters: try model(), ageCap: 100_000) },
      // 3 A^2 <= 2e7 holds up to A = 2581 (3 x 2581^2 = 19,984,683; 3 x 2582^2 = 20,000,172).
      "invalid value 100000 for age cap (A) of the optimal-policy MDP: must be in 2...2581 "
        + "((N + 1) A^N <= 20000000 with N = 2)"
    ),
    (
      // The fuzz finding: q = 1e-7 used to build 6.6e7 belief states (108 s, 5.4 GB) before
      // failing on the age cap. tau_b = ceil(ln(2e-6) / ln(1 - 2e-7)) = ceil(65611810.2); at
      // A = 2, I = 2e7/4 - 2 = 4999998 idle states fit, q_min = (1 - (2e-6)^(1/I))/2 =
      // 1.31224e-6, printed rounded up.
      "MDP q = 1e-7",
      { _ = try OptimalSchedulingModel(parameters: try model(q: 1e-7), ageCap: 50) },
      "invalid value 1e-07 for flip probability (q) of the optimal-policy MDP: must be in "
        + "[1.313e-06, 1 - 1.313e-06] at age cap A = 2 and belief tolerance 1e-06: the idle "
        + "belief chains need 65611811 states (the first tau with |1 - 2q|^tau / 2 <= the "
        + "tolerance, docs/markov-machine.md §A10.1), and (N + idle states) A^N must be <= "
        + "20000000"
    ),
    (
      "MDP belief",
      {
        _ = try OptimalSchedulingModel(parameters: try model(), ageCap: 10, beliefTolerance: 0.5)
      }, "invalid value 0.5 for belief tolerance: must be in (0, 0.5)"
    ),
  ]

  @Test(arguments: invalid.indices)
  func invalidInputThrowsANamedRangeError(_ index: Int) {
    let (name, body, message) = Self.invalid[index]
    do {
      try body()
      Issue.record("\(name): no error thrown")
    } catch let error as ParameterError {
      #expect(error.description == message, "\(name)")
    } catch {
      Issue.record("\(name): unexpected error \(error)")
    }
  }

  @Test func loadAtFullSamplingIsTheHandValueAndWarnsAtOne() throws {
    // Case 1 of the paper: load 0.961 at mu = 1 (docs/markov-machine.md §A11.1).
    let case1 = try MachineParameters(
      flipProbability: 0.35, busyAfterCompletionProbability: 0.3,
      serviceProbabilities: [0.55, 0.73, 0.84, 0.91],
      arrivalProbabilities: [0.09, 0.09, 0.12, 0.14],
      samplingCost: 5)
    #expect(abs(case1.loadAtFullSampling - 0.961) < 5e-4)
    #expect(case1.warnings.isEmpty)
    // p = (0.5), s/q = 1, 1/q_1 = 1: load = 0.5 * 2 = 1 exactly.
    let critical = try Self.model(service: [1], arrivals: [0.5])
    #expect(critical.loadAtFullSampling == 1)
    #expect(critical.warnings.count == 1)
    #expect(critical.warnings.first?.assumption == "load at mu = 1 < 1")
  }

  /// Fewer than 100 measured slots used to fail on the default of 100 windows, a setting the
  /// user never gave: the default is now min(100, slots), so 50 slots give 50 windows.
  @Test func shortRunsGetOneWindowPerSlotByDefault() throws {
    #expect(try SimulationSettings(slots: 50).windows == 50)
    #expect(try SimulationSettings(slots: 4).windows == 4)
    #expect(try SimulationSettings(slots: 1000).windows == 100)
  }

  @Test func subsetsEnumerateAndDescribeOneBased() throws {
    let subsets = UserSubset.nonEmptySubsets(userCount: 3)
    #expect(subsets.count == 7)
    #expect(subsets[4].description == "{1,3}")
    #expect(subsets[6].isSuperset(of: subsets[4]))
    #expect(try Self.model().subset(users: [1, 0]).users == [0, 1])
  }

  @Test func scheduleIsRenormalisedExactly() throws {
    let policy = try SubsetPolicy.randomized(
      samplingProbability: 1, schedule: [0.3, 0.7 + 5e-10], subset: UserSubset(mask: 3))
    #expect(policy.schedule.reduce(0, +) == 1)
  }
}
