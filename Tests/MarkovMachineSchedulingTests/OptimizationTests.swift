import TestSupport
import Testing

@testable import MarkovMachineScheduling

@Suite("Subset optimisation (A8)")
struct OptimizationTests {

  static var twoUsers: MachineParameters {
    get throws {
      try MachineParameters(
        flipProbability: 0.2, busyAfterCompletionProbability: 0.6,
        serviceProbabilities: [0.3, 0.8],
        samplingCost: 4)
    }
  }

  @Test func brentFindsAParabolaMinimum() {
    let result = Minimization.brent({ ($0 - 0.3) * ($0 - 0.3) + 2 }, lower: 0, upper: 1)
    #expect(abs(result.x - 0.3) < 1e-7)
    #expect(isClose(result.value, 2, absolute: 1e-15))
  }

  @Test func gridThenBrentFindsBoundaryAndInteriorMinima() {
    let boundary = Minimization.gridThenBrent({ 1 / $0 }, lower: 0.001, upper: 1, gridPoints: 10)
    #expect(boundary.x == 1 && boundary.value == 1)
    // Two local minima; the grid picks the global one at x = 0.8.
    let twoWells = Minimization.gridThenBrent(
      { x in min((x - 0.2) * (x - 0.2) + 0.1, (x - 0.8) * (x - 0.8)) }, lower: 0, upper: 1,
      gridPoints: 20)
    #expect(abs(twoWells.x - 0.8) < 1e-8)
  }

  @Test func nelderMeadFindsTheRosenbrockMinimum() {
    let rosenbrock: ([Double]) -> Double = { x in
      100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0])
    }
    let result = Minimization.nelderMead(rosenbrock, start: [-1.2, 1], maxEvaluations: 10_000)
    #expect(abs(result.x[0] - 1) < 1e-4 && abs(result.x[1] - 1) < 1e-4)
  }

  /// Problem (12) on two users: the optimum is no worse than any point of a 100 x 99 grid
  /// over (μ, π_1), for every weighting.
  @Test(arguments: AgeWeighting.allCases)
  func randomizedOptimumBeatsEveryGridPoint(_ weighting: AgeWeighting) throws {
    let parameters = (try Self.twoUsers)
    let subset = parameters.allUsers
    let optimizer = SubsetOptimizer(weighting: weighting, starts: 4)
    let optimum = optimizer.optimizeRandomized(parameters, subset: subset)
    var gridBest = Double.infinity
    for muIndex in 1...100 {
      for shareIndex in 1...99 {
        let share = Double(shareIndex) / 100
        let policy = try SubsetPolicy.randomized(
          samplingProbability: Double(muIndex) / 100, schedule: [share, 1 - share], subset: subset)
        gridBest = min(gridBest, optimizer.objective(parameters, subset: subset, policy: policy))
      }
    }
    #expect(optimum.objective <= gridBest + 1e-12)
    #expect(
      isClose(
        optimum.objective, optimizer.objective(parameters, subset: subset, policy: optimum.policy)))
  }

  /// Problem (16): the optimum is no worse than any point of a 1000-point grid in μ̄, and
  /// the bound variant of (12) is never below the exact one.
  @Test(arguments: AgeWeighting.allCases)
  func maxAgeOptimumBeatsEveryGridPoint(_ weighting: AgeWeighting) throws {
    let parameters = (try Self.twoUsers)
    let optimizer = SubsetOptimizer(weighting: weighting)
    for subset in UserSubset.nonEmptySubsets(userCount: 2) {
      let optimum = optimizer.optimizeMaxAge(parameters, subset: subset)
      for index in 1...1000 {
        let policy = try SubsetPolicy.maxAge(samplingProbability: Double(index) / 1000)
        #expect(
          optimum.objective <= optimizer.objective(parameters, subset: subset, policy: policy)
            + 1e-12)
      }
    }
    var bound = optimizer
    bound.samplingCostKind = .bound
    #expect(
      bound.optimizeRandomized(parameters, subset: parameters.allUsers).objective
        >= optimizer.optimizeRandomized(parameters, subset: parameters.allUsers).objective)
  }

  /// With the plain sum, μ(S) = 1 on every |S| >= 2 in case 1 (docs/markov-machine.md §A8.2), and
  /// with 1/N some small subsets get μ < 1.
  @Test func caseOneSamplingProbabilitiesFollowTheWeighting() throws {
    let sum = SubsetOptimizer(weighting: .sum, starts: 3)
    for rule in SchedulingRule.allCases {
      let table = sum.table((try PaperCases.case1), rule: rule)
      for entry in table.entries where entry.subset.count >= 2 {
        #expect(entry.policy.samplingProbability == 1, "\(rule) \(entry.subset)")
      }
    }
    let perUser = SubsetOptimizer(weighting: .perUser, starts: 3).table(
      (try PaperCases.case1), rule: .maxAge)
    #expect(
      perUser.entries.contains { $0.subset.count >= 2 && $0.policy.samplingProbability < 0.9 })
  }

  /// Single users: (12) and (16) are the same problem (Theorems 1 and 3 coincide).
  @Test func singleUserProblemsCoincide() throws {
    let optimizer = SubsetOptimizer()
    for user in 0..<4 {
      let subset = UserSubset(mask: 1 << UInt32(user))
      let randomized = optimizer.optimizeRandomized((try PaperCases.case1), subset: subset)
      let maxAge = optimizer.optimizeMaxAge((try PaperCases.case1), subset: subset)
      #expect(isClose(randomized.objective, maxAge.objective, relative: 1e-10))
    }
  }

  /// The multistart is seeded: the same seed gives the same table; the optimum does not
  /// depend on the seed beyond the optimiser's tolerance.
  @Test func resultsAreDeterministic() throws {
    let first = SubsetOptimizer(seed: 7).table((try Self.twoUsers), rule: .randomized)
    let again = SubsetOptimizer(seed: 7).table((try Self.twoUsers), rule: .randomized)
    let other = SubsetOptimizer(seed: 8).table((try Self.twoUsers), rule: .randomized)
    #expect(first == again)
    for (a, b) in zip(first.entries, other.entries) {
      #expect(isClose(a.objective, b.objective, relative: 1e-9))
    }
  }
}
