import Foundation
import GenerativeMarkov
import MarkovSolvers
import TestSupport
import Testing

@Suite struct DurationModelTests {
  /// Closed forms of the paper's availability and think-time families (spec G0 check):
  /// Weibull median λ(ln 2)^{1/k}, log-normal median e^μ, Pareto median κ 2^{1/α}.
  @Test func familiesHaveTheirClosedFormMedians() {
    let online = DurationModel.weibull(scale: 1133.1, shape: 0.5764)
    let offline = DurationModel.logNormal(mu: log(5259), sigma: 1.5)
    let think = DurationModel.pareto(scale: 30, shape: 1.5)
    #expect(
      isClose(exp(online.logSurvival(1133.1 * pow(log(2), 1 / 0.5764))), 0.5, relative: 1e-12))
    #expect(isClose(exp(offline.logSurvival(5259)), 0.5, relative: 1e-12))
    #expect(isClose(exp(think.logSurvival(30 * pow(2, 1 / 1.5))), 0.5, relative: 1e-12))
    // Median of the Pareto think time ≈ 47.6 s as the spec derives.
    #expect(abs(30 * pow(2, 1 / 1.5) - 47.62) < 0.01)
  }

  /// Inverse-transform sojourns satisfy P(T > n) = S(n) (spec G3.4): the empirical
  /// survival at a few n is within 4.5 binomial standard errors (false alarm < 1e-5 each).
  @Test(arguments: [
    DurationModel.weibull(scale: 20, shape: 0.6), .logNormal(mu: log(8), sigma: 1.2),
    .pareto(scale: 3, shape: 1.5), .table([0.05, 0.15]), .table([0, 0, 0.2, 0.5, 1]),
  ])
  func sojournsFollowTheSurvivalFunction(model: DurationModel) {
    let draws = 40_000
    var generator = SplitMix64(seed: 11)
    var sojourns: [Int] = []
    for _ in 0..<draws {
      var u = generator.nextUnitInterval()
      if u == 0 { u = 0x1p-53 }
      sojourns.append(model.sojourn(uniform: u))
    }
    #expect(sojourns.allSatisfy { $0 >= 1 })
    for n in [1, 2, 3, 5, 10, 30] {
      let expected = exp(model.logSurvival(Double(n)))
      let observed = Double(sojourns.filter { $0 > n }.count) / Double(draws)
      let standardError = max((expected * (1 - expected) / Double(draws)).squareRoot(), 1e-4)
      #expect(
        abs(observed - expected) <= 4.5 * standardError, "n = \(n): \(observed) vs \(expected)")
    }
  }

  @Test func hazardsFollowFromTheSurvival() {
    let table = DurationModel.table([0, 0, 0.2, 0.5, 1])
    #expect(table.hazard(age: 2) == 0.2)
    #expect(table.hazard(age: 9) == 1)
    #expect(table.nextAge(4) == 4)
    // Pareto with κ = 30: no end before 30 s, then h(30) = 1 − (30/31)^1.5.
    let think = DurationModel.pareto(scale: 30, shape: 1.5)
    #expect(think.hazard(age: 28) == 0)
    #expect(isClose(think.hazard(age: 30), 1 - pow(30.0 / 31, 1.5), relative: 1e-12))
    #expect(think.truncated(cap: 40).cap == 40)
    // Proportional hazards: a memoryless rate scales with φ (spec G3.2).
    let h = 1 - exp(-0.7)
    #expect(isClose(DurationModel.scaledHazard(h, pace: 0.5), 1 - exp(-0.35), relative: 1e-14))
    #expect(DurationModel.scaledHazard(1, pace: 0.1) == 1)
    #expect(DurationModel.scaledHazard(0.3, pace: 0) == 0)
  }

  @Test func invalidParametersNameTheParameter() {
    #expect(throws: ParameterError.outOfRange("think hazard at age 1", 1.5, valid: "in [0, 1]")) {
      try DurationModel.table([0.2, 1.5]).validate("think")
    }
    #expect(throws: ParameterError.outOfRange("online shape", -1, valid: "> 0")) {
      try DurationModel.weibull(scale: 1, shape: -1).validate("online")
    }
  }
}
