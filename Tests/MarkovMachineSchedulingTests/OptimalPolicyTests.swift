import Foundation
import MarkovMachineScheduling
import MarkovSolvers
import TestSupport
import Testing

@Suite("Optimal sampling and scheduling MDP (A10)")
struct OptimalPolicyTests {
  /// Idle belief states after merging (belief error <= 1e-6, s = 1/2): 60 for q in
  /// {0.1, 0.9}, 16 for q in {0.3, 0.7}, 1 for q = 0.5 (docs/markov-machine.md §A10.6).
  @Test(arguments: [(0.1, 60), (0.9, 60), (0.3, 16), (0.7, 16), (0.5, 1)])
  func mergedIdleStateCounts(q: Double, count: Int) {
    let beliefs = IdleBeliefs(
      flipProbability: q, busyAfterCompletionProbability: 0.5, tolerance: 1e-6)
    #expect(beliefs.count == count)
  }

  @Test func beliefsFollowTheFlipLaw() {
    let beliefs = IdleBeliefs(
      flipProbability: 0.2, busyAfterCompletionProbability: 0.9, tolerance: 1e-3)
    // C_0 = 1 − s, C_1 = 1/2 + (1/2 − s)(1 − 2q); B_1 = q, B_2 = (1 − 0.36)/2.
    let c0 = beliefs.afterCompletion
    #expect(isClose(beliefs.freeProbabilities[c0], 0.1))
    #expect(isClose(beliefs.freeProbabilities[beliefs.waitSuccessor[c0]], 0.5 - 0.4 * 0.6))
    let b1 = beliefs.afterBusySample
    #expect(isClose(beliefs.freeProbabilities[b1], 0.2))
    #expect(isClose(beliefs.freeProbabilities[beliefs.waitSuccessor[b1]], 0.32))
  }

  /// N = 2, q̄ = (0.4, 0.9), q = s = 1/2, L = 5 (docs/markov-machine.md §A10.5 row q = 0.5: g* =
  /// 7.321, best φ1 9.017 (+23.2%), best max-age 7.572 (+3.4%)). Inside the MDP both paper policies
  /// reproduce their closed forms to the cap error, and the occupancy solve reproduces g*.
  @Test func twoUsersReproduceTheA10Point5TableAndTheClosedForms() throws {
    let parameters = try MachineParameters(
      flipProbability: 0.5, busyAfterCompletionProbability: 0.5, serviceProbabilities: [0.4, 0.9],
      samplingCost: 5)
    let model = try OptimalSchedulingModel(parameters: parameters, ageCap: 60)
    let report = model.analyze(optimizer: SubsetOptimizer(starts: 3))
    #expect(report.optimal.status == .converged)
    #expect(abs(report.optimal.gain - 7.321) < 5e-4)
    #expect(abs(report.bestRandomized.closedForm - 9.017) < 5e-4)
    #expect(abs(report.bestMaxAge.closedForm - 7.572) < 5e-4)
    #expect(abs(report.bestRandomized.gapPercent - 23.2) < 0.05)
    #expect(abs(report.bestMaxAge.gapPercent - 3.4) < 0.05)
    #expect(abs(report.bestRandomized.inModel.gain - report.bestRandomized.closedForm) < 1e-4)
    #expect(abs(report.bestMaxAge.inModel.gain - report.bestMaxAge.closedForm) < 1e-5)
    #expect(report.optimal.upperBound <= report.bestMaxAge.inModel.lowerBound)
    #expect(abs(report.occupancyGain - report.optimal.gain) <= 1e-6)
    #expect(report.massAtCap < 1e-8)
    #expect(report.maxAgeShare > 0.74 && report.maxAgeShare <= 1)
    // The occupancy stage's status agrees with its recomputed residual.
    #expect(report.occupancyStatus == .converged)
    #expect(report.occupancyResidual <= report.occupancyTolerance)
    #expect(report.converged)
  }

  /// The closed-form cut τ_b equals the first τ of the loop `τ = 1, 2, ...` with
  /// `|1 − 2q|^τ / 2 <= tolerance` (the definition, run here), on both sides of q = 1/2.
  @Test func beliefCutIsTheFirstTauOfTheDefinition() {
    for q in [0.5, 0.3, 0.7, 0.1, 0.9, 0.01, 0.999, 1e-4] {
      for tolerance in [1e-6, 1e-3, 0.25, 1e-12] {
        var tau = 1
        while pow(abs(1 - 2 * q), Double(tau)) / 2 > tolerance { tau += 1 }
        #expect(IdleBeliefs.cut(flipProbability: q, tolerance: tolerance) == Double(tau))
      }
    }
  }

  /// A q near 0 is refused before any work, in well under a second (it used to take 108 s
  /// and 5.4 GB), and the range it names is the right one: just inside it the belief chain
  /// fits the I idle states left at that cap, just outside it does not.
  @Test func extremeFlipProbabilityIsRefusedUpFrontWithTheTractableRange() throws {
    let clock = ContinuousClock()
    let start = clock.now
    #expect(throws: ParameterError.self) {
      _ = try OptimalSchedulingModel(
        parameters: try MachineParameters(
          flipProbability: 1e-8, busyAfterCompletionProbability: 0.5,
          serviceProbabilities: [0.4, 0.9], samplingCost: 5),
        ageCap: 100)
    }
    #expect(clock.now - start < .seconds(1))
    let cap = 100
    let idle = Double(OptimalSchedulingModel.maximumStateCount / (cap * cap) - 2)
    let range = try #require(
      OptimalSchedulingModel.tractableFlipProbabilities(
        userCount: 2, ageCap: cap, beliefTolerance: 1e-6))
    #expect(IdleBeliefs.cut(flipProbability: range.lowerBound * 1.001, tolerance: 1e-6) <= idle)
    #expect(IdleBeliefs.cut(flipProbability: range.lowerBound * 0.999, tolerance: 1e-6) > idle)
    #expect(IdleBeliefs.cut(flipProbability: range.upperBound, tolerance: 1e-6) <= idle + 1)
  }

  /// A fixed policy's one-action process is a valid chain whose gain is its average cost:
  /// max-age with μ̄ = 1 on one user with one-slot jobs and q = s = 1/2 costs
  /// Δ + S = 2 + L (A14 hand value).
  @Test func policyProcessGainIsTheHandValue() throws {
    let parameters = try MachineParameters(
      flipProbability: 0.5, busyAfterCompletionProbability: 0.5, serviceProbabilities: [1],
      samplingCost: 5)
    let model = try OptimalSchedulingModel(parameters: parameters, ageCap: 60)
    let process = model.policyProcess(try .maxAge(samplingProbability: 1))
    let evaluation = try PolicyEvaluation.averageCost(
      process, policy: Array(repeating: 0, count: process.stateCount))
    #expect(isClose(evaluation.gain, 7, absolute: 1e-9))
  }
}
