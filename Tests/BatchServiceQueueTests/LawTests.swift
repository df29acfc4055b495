import Foundation
import MarkovSolvers
import Testing

@testable import BatchServiceQueue

/// The transforms of spec Q6 against closed forms and independent quadratures.
@Suite("Inter-arrival laws")
struct LawTests {
  static let laws = [
    "exp", "det", "erlang:4", "gamma:0.3", "gamma:2.5", "h2:4", "pareto:2.1180339887",
    "pareto:1.8", "pareto:2.5", "lognormal:4", "lognormal:0.2",
  ]

  static func distribution(_ law: String, rate: Double = 1) throws -> InterarrivalDistribution {
    try InterarrivalDistribution(law: InterarrivalLaw(parsing: law), arrivalRate: rate)
  }

  /// `E_{1/2}(x) = sqrt(π/x) erfc(sqrt(x))` and, by `E_{p+1} = (e^{-x} - x E_p)/p`,
  /// `E_{3/2}(x) = 2 e^{-x} - 2 x E_{1/2}(x)`; `E_1(1)` and `E_2(1) = e^{-1} - E_1(1)` from
  /// the tabulated `E_1(1) = 0.21938393439552027368`.
  @Test func exponentialIntegralMatchesClosedForms() {
    for x in [1e-6, 0.01, 0.3, 1, 4, 30, 200] {
      let half = (Double.pi / x).squareRoot() * erfc(x.squareRoot())
      #expect(abs(SpecialFunctions.exponentialIntegral(order: 0.5, x) / half - 1) < 1e-13)
      let threeHalves = 2 * exp(-x) - 2 * x * half
      if threeHalves > 1e-300 {
        let computed = SpecialFunctions.exponentialIntegral(order: 1.5, x)
        #expect(abs(computed / threeHalves - 1) < 1e-11, "x = \(x)")
      }
    }
    let e1 = 0.219_383_934_395_520_273_68
    #expect(abs(SpecialFunctions.exponentialIntegral(order: 1, 1) / e1 - 1) < 1e-14)
    let e2 = exp(-1.0) - e1
    #expect(abs(SpecialFunctions.exponentialIntegral(order: 2, 1) / e2 - 1) < 1e-14)
  }

  /// Lognormal `A*(s)` and `A1(s)` against the trapezoidal rule on the whole line with step
  /// 0.01 (spectrally accurate for this analytic, fast-decaying integrand): an independent
  /// quadrature.
  @Test(arguments: [0.2, 1, 4, 25])
  func lognormalTransformMatchesTrapezoid(scv: Double) throws {
    let lambda = 1.3
    let law = try Self.distribution("lognormal:\(scv)", rate: lambda)
    let spread = log1p(scv).squareRoot()
    let location = -log(lambda) - spread * spread / 2
    for s in [1e-3, 0.1, 0.7, 3, 40] {
      var transform = 0.0
      var derivative = 0.0
      var z = -40.0
      while z <= 40 {
        let t = exp(location + spread * z)
        let weight = exp(-z * z / 2) / (2 * Double.pi).squareRoot() * 0.01
        transform += weight * exp(-s * t)
        derivative += weight * t * exp(-s * t)
        z += 0.01
      }
      #expect(abs(law.transform(s) / transform - 1) < 1e-12, "s = \(s)")
      #expect(abs(law.transformDerivative(s) / derivative - 1) < 1e-12, "s = \(s)")
    }
  }

  /// Pareto `A*(s) = a E_{a+1}(s x_m)` against the trapezoidal rule in `w = ln(t/x_m)`:
  /// `A*(s) = a ∫_0^∞ exp(-s x_m e^w - a w) dw`, with step 1e-3 and the end correction of
  /// the Euler–Maclaurin formula (an independent quadrature).
  @Test(arguments: [1.8, 2.1180339887, 3.5])
  func paretoTransformMatchesTrapezoid(shape: Double) throws {
    let law = try Self.distribution("pareto:\(shape)")
    let scale = (shape - 1) / shape
    for s in [0.05, 0.5, 2, 10] {
      let y = s * scale
      let h = 1e-3
      func f(_ w: Double) -> Double { exp(-y * exp(w) - shape * w) }
      var sum = f(0) / 2
      var w = h
      while w < 60 {
        sum += f(w)
        w += h
      }
      // Euler–Maclaurin: trapezoid - h²/12 (f'(end) - f'(0)), f'(0) = -(y + a) f(0).
      let corrected = h * sum + h * h / 12 * (-(y + shape) * f(0))
      #expect(abs(law.transform(s) / (shape * corrected) - 1) < 1e-7, "s = \(s)")
    }
  }

  /// V1: the generating-function identity `Σ_k α_k(θ) w^k = A*(θ(1 - w))` for every law.
  @Test(arguments: laws)
  func mixedPoissonGeneratingFunction(law: String) throws {
    let distribution = try Self.distribution(law, rate: 0.8)
    for theta in [0.3, 1.7] {
      let alpha = distribution.mixedPoissonProbabilities(rate: theta, count: 400)
      #expect(alpha.allSatisfy { $0 >= 0 })
      for w in [0.0, 0.5, 0.9] {
        var power = 1.0
        var sum = 0.0
        for value in alpha {
          sum += value * power
          power *= w
        }
        let expected = distribution.transform(theta * (1 - w))
        #expect(abs(sum - expected) < 1e-12 * expected + (w == 0.9 ? 2e-12 : 0), "\(law) w \(w)")
      }
    }
  }

  /// A gamma law with SCV 1e-8 (shape 1e8) is deterministic up to O(SCV): its `α_k` equal
  /// the Poisson probabilities of `det` to 1e-7 (a difference of lgamma values near 2e9
  /// would lose 7 digits here).
  @Test func gammaWithHugeShapeIsNearlyDeterministic() throws {
    let gamma = try Self.distribution("gamma:1e-8", rate: 0.7)
    let deterministic = try Self.distribution("det", rate: 0.7)
    let a = gamma.mixedPoissonProbabilities(rate: 2.1, count: 40)
    let b = deterministic.mixedPoissonProbabilities(rate: 2.1, count: 40)
    #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-7 })
  }

  /// `A1 = -dA*/ds` against a fourth-order central difference of `A*`.
  @Test(arguments: laws)
  func derivativeMatchesDifference(law: String) throws {
    let distribution = try Self.distribution(law, rate: 1.2)
    for s in [0.2, 1, 5] {
      let h = 1e-3 * s
      let difference =
        (distribution.transform(s - 2 * h) - 8 * distribution.transform(s - h)
          + 8 * distribution.transform(s + h) - distribution.transform(s + 2 * h)) / (12 * h)
      #expect(abs(distribution.transformDerivative(s) + difference) < 1e-8, "\(law) s \(s)")
    }
  }

  /// Sample means and SCVs of 200000 draws against `1/λ` and the law's SCV (6 standard
  /// errors), for the laws with finite variance.
  @Test(arguments: ["exp", "det", "erlang:4", "gamma:0.3", "gamma:2.5", "h2:4", "lognormal:0.2"])
  func samplerHasTheLawsMoments(law: String) throws {
    let distribution = try Self.distribution(law, rate: 2)
    var generator = SplitMix64(seed: 7)
    let count = 200_000
    let draws = (0..<count).map { _ in distribution.sample(using: &generator) }
    let mean = draws.reduce(0, +) / Double(count)
    let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1)
    let scv = distribution.law.scv
    let standardError: Double = (scv * 0.25 / Double(count)).squareRoot()
    #expect(abs(mean - 0.5) <= 6 * standardError + 1e-12)
    #expect(abs(variance / (mean * mean) - scv) <= 0.05 * max(scv, 0.01) + 1e-9)
  }

  /// Student-t quantiles against printed tables: t_{0.975,1} = 12.7062, t_{0.995,10} =
  /// 3.1693, t_{0.9995,4} = 8.6103, t_{0.975,30} = 2.0423.
  @Test func studentQuantiles() {
    #expect(
      abs(SpecialFunctions.studentQuantile(confidence: 0.95, degreesOfFreedom: 1) - 12.7062) < 1e-4)
    #expect(
      abs(SpecialFunctions.studentQuantile(confidence: 0.99, degreesOfFreedom: 10) - 3.1693) < 1e-4)
    #expect(
      abs(SpecialFunctions.studentQuantile(confidence: 0.999, degreesOfFreedom: 4) - 8.6103) < 1e-4)
    #expect(
      abs(SpecialFunctions.studentQuantile(confidence: 0.95, degreesOfFreedom: 30) - 2.0423) < 1e-4)
  }
}
