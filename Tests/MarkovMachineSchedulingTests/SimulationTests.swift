import Foundation
import MarkovMachineScheduling
import TestSupport
import Testing

@Suite("Random numbers, estimates and simulation (A7)")
struct SimulationTests {
  /// Reference outputs of xoshiro256** seeded through SplitMix64, computed with an
  /// independent Python implementation of the published algorithms.
  @Test func generatorMatchesReferenceOutputs() {
    var zero = Xoshiro256StarStar(seed: 0)
    #expect(
      [zero.next(), zero.next(), zero.next()] == [
        0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0,
      ])
    var answer = Xoshiro256StarStar(seed: 42)
    #expect(
      [answer.next(), answer.next(), answer.next()] == [
        0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1,
      ])
  }

  @Test func geometricDrawsHaveMeanOneOverP() {
    var random = Xoshiro256StarStar(seed: 3)
    let p = 0.2
    let draws = 200_000
    var sum = 0.0
    var minimum = Int.max
    for _ in 0..<draws {
      let value = random.geometric(logFailure: log1p(-p))
      sum += Double(value)
      minimum = min(minimum, value)
    }
    // Var = (1 − p)/p² = 20: standard error 0.01; 5 standard errors.
    #expect(abs(sum / Double(draws) - 1 / p) < 0.05)
    #expect(minimum == 1)
    #expect(random.geometric(logFailure: -.infinity) == 1)
  }

  @Test func estimateUsesStudentQuantiles() {
    // Hand values: mean 2, sample sd 1, t_{0.975, 3} = 3.1824, half width 3.1824/2.
    let estimate = Estimate(samples: [1, 2, 2, 3])
    #expect(estimate.mean == 2)
    #expect(isClose(estimate.halfWidth, 3.1824 * (2.0 / 3).squareRoot() / 2, relative: 1e-12))
    // Tables: t_{0.975, 40} = 2.0211, t_{0.975, 120} = 1.9799.
    #expect(abs(Estimate.studentQuantile975(degreesOfFreedom: 40) - 2.0211) < 1e-4)
    #expect(abs(Estimate.studentQuantile975(degreesOfFreedom: 120) - 1.9799) < 1e-4)
    #expect(Estimate(samples: [5]).halfWidth == .infinity)
  }

  static var parameters: MachineParameters {
    get throws {
      try MachineParameters(
        flipProbability: 0.3, busyAfterCompletionProbability: 0.4,
        serviceProbabilities: [0.5, 0.8],
        arrivalProbabilities: [0.05, 0.1], samplingCost: 5)
    }
  }

  /// Permanent congestion: the simulated ages and sampling cost contain the closed forms
  /// of Theorems 1-4 within 1.5 half widths of their 95% intervals.
  @Test(arguments: SchedulingRule.allCases)
  func permanentCongestionMatchesTheClosedForms(_ rule: SchedulingRule) throws {
    let parameters = (try Self.parameters)
    let subset = parameters.allUsers
    let table = try PolicyTable.constant(parameters, rule: rule, samplingProbability: 0.7)
    let settings = try SimulationSettings(
      slots: 200_000, warmUpSlots: 1000, replications: 6, seed: 11, permanentCongestion: subset)
    let result = MachineSimulator(parameters: parameters, table: table, settings: settings).run()
    let closed = table[subset].performance
    for (user, age) in closed.ages.enumerated() {
      #expect(
        abs(result.ages[user].mean - age) <= 1.5 * result.ages[user].halfWidth, "user \(user)")
    }
    #expect(
      abs(result.samplingCost.mean - closed.samplingCost) <= 1.5 * result.samplingCost.halfWidth)
    #expect(result.verdict == .undetermined)
  }

  /// A stable system: every user's throughput is its arrival rate (flow conservation),
  /// the queue verdict is stable, and the same seed reproduces the result exactly.
  @Test func stableSystemConservesFlowAndIsReproducible() throws {
    let parameters = (try Self.parameters)
    let table = SubsetOptimizer(starts: 2).table(parameters, rule: .maxAge)
    let settings = try SimulationSettings(
      slots: 200_000, warmUpSlots: 1000, replications: 4, seed: 5)
    let simulator = MachineSimulator(parameters: parameters, table: table, settings: settings)
    let result = simulator.run()
    for user in 0..<2 {
      #expect(result.throughput[user].contains(parameters.arrivalProbabilities[user]))
    }
    #expect(result.verdict == .stable)
    #expect(simulator.replicate(seed: 6) == result.outcomes[1])
  }

  /// Above capacity (load at μ = 1 of 1.4): the queues grow.
  @Test func overloadedSystemGrows() throws {
    let parameters = try Self.parameters.withArrivalProbabilities([0.2, 0.3])
    #expect(parameters.loadAtFullSampling > 1)
    let table = try PolicyTable.constant(parameters, rule: .randomized, samplingProbability: 1)
    let settings = try SimulationSettings(slots: 100_000, replications: 3)
    let result = MachineSimulator(parameters: parameters, table: table, settings: settings).run()
    #expect(result.verdict == .growing)
    #expect(result.queueGrowthSlope.lower > 0)
  }
}
