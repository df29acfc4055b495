import Foundation
import MarkovSolvers

/// The shape of the inter-arrival law (spec Q6); the mean `1/λ` is set separately, so every
/// law is compared at equal mean. The text form (`erlang:4`, `h2:4`) is the CLI's.
public enum InterarrivalLaw: Sendable, Equatable, CustomStringConvertible {
  /// `exp`: Poisson arrivals (SCV 1).
  case exponential
  /// `det`: constant gaps `1/λ` (SCV 0).
  case deterministic
  /// `erlang:k`: `k` exponential phases (SCV `1/k`).
  case erlang(phases: Int)
  /// `gamma:c2`: gamma law with squared coefficient of variation `c2` (shape `1/c2`).
  case gamma(scv: Double)
  /// `h2:c2`: two-phase hyperexponential with balanced means and SCV `c2 > 1`.
  case hyperexponential(scv: Double)
  /// `pareto:a`: Pareto type I with shape `a > 1` (infinite variance for `a <= 2`).
  case pareto(shape: Double)
  /// `lognormal:c2`: lognormal law with SCV `c2`.
  case lognormal(scv: Double)

  /// The valid text forms, for error messages and help.
  public static let validForms = "exp, det, erlang:k, gamma:c2, h2:c2, pareto:a, lognormal:c2"

  /// Largest Erlang phase count accepted (bounds the sampling work).
  public static let maximumErlangPhases = 1_000_000

  /// Reads `exp`, `det`, `erlang:k`, `gamma:c2`, `h2:c2`, `pareto:a` or `lognormal:c2`
  /// and validates the parameter (spec Q1, Q9).
  /// - Throws: `ParameterError` naming the law and the valid range.
  public init(parsing text: String) throws(ParameterError) {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    let name = parts[0].lowercased()
    func argument() throws(ParameterError) -> Double {
      guard parts.count == 2, let value = Double(parts[1]) else {
        throw .malformed(
          name: "inter-arrival law", value: text, expected: "\(name):NUMBER (\(Self.validForms))")
      }
      return value
    }
    switch (name, parts.count) {
    case ("exp", 1): self = .exponential
    case ("det", 1): self = .deterministic
    case ("erlang", _):
      let value = try argument()
      guard value == value.rounded(), value >= 1, value <= Double(Self.maximumErlangPhases) else {
        throw .outOfRange(
          "erlang phases (k)", value, valid: "an integer with 1 <= k <= \(Self.maximumErlangPhases)"
        )
      }
      self = .erlang(phases: Int(value))
    case ("gamma", _): self = .gamma(scv: try argument())
    case ("h2", _): self = .hyperexponential(scv: try argument())
    case ("pareto", _): self = .pareto(shape: try argument())
    case ("lognormal", _): self = .lognormal(scv: try argument())
    default:
      throw .malformed(
        name: "inter-arrival law", value: text, expected: "one of \(Self.validForms)")
    }
    try validate()
  }

  /// Checks the law's parameter (spec Q9): `gamma` SCV > 0, `h2` SCV > 1, `pareto` shape
  /// > 1 (finite mean), `lognormal` SCV > 0, `erlang` 1 <= k <= 10^6, all finite.
  public func validate() throws(ParameterError) {
    switch self {
    case .exponential, .deterministic: return
    case .erlang(let phases):
      guard phases >= 1, phases <= Self.maximumErlangPhases else {
        throw .outOfRange(
          "erlang phases (k)", phases,
          valid: "an integer with 1 <= k <= \(Self.maximumErlangPhases)")
      }
    case .gamma(let scv):
      guard scv.isFinite, scv > 0 else {
        throw .outOfRange("gamma SCV (c2)", scv, valid: "finite and > 0")
      }
    case .hyperexponential(let scv):
      guard scv.isFinite, scv > 1 else {
        throw .outOfRange("h2 SCV (c2)", scv, valid: "finite and > 1")
      }
    case .pareto(let shape):
      guard shape.isFinite, shape > 1 else {
        throw .outOfRange("pareto shape (a)", shape, valid: "finite and > 1 (finite mean)")
      }
    case .lognormal(let scv):
      guard scv.isFinite, scv > 0 else {
        throw .outOfRange("lognormal SCV (c2)", scv, valid: "finite and > 0")
      }
    }
  }

  public var description: String {
    switch self {
    case .exponential: return "exp"
    case .deterministic: return "det"
    case .erlang(let phases): return "erlang:\(phases)"
    case .gamma(let scv): return "gamma:\(formatParameterValue(scv))"
    case .hyperexponential(let scv): return "h2:\(formatParameterValue(scv))"
    case .pareto(let shape): return "pareto:\(formatParameterValue(shape))"
    case .lognormal(let scv): return "lognormal:\(formatParameterValue(scv))"
    }
  }

  /// Squared coefficient of variation (`.infinity` for Pareto with `a <= 2`).
  public var scv: Double {
    switch self {
    case .exponential: return 1
    case .deterministic: return 0
    case .erlang(let phases): return 1 / Double(phases)
    case .gamma(let scv), .hyperexponential(let scv), .lognormal(let scv): return scv
    case .pareto(let a): return a > 2 ? 1 / (a * (a - 2)) : .infinity
    }
  }

  /// Whether the law has an exponential tail or lighter (the heavy ones are Pareto and
  /// lognormal, docs/batch-queue.md §6).
  public var isHeavyTailed: Bool {
    switch self {
    case .pareto, .lognormal: return true
    default: return false
    }
  }
}

/// An inter-arrival law with its mean `1/λ`: the transforms the solvers need and a sampler
/// (spec Q6, docs/batch-queue.md §6).
///
/// Accuracy (double precision): closed forms in log space (`log1p`), relative error a few
/// ulps; Pareto through the generalised exponential integral and lognormal through a
/// log-concave Gauss–Legendre quadrature, both about 1e-14 relative.
public struct InterarrivalDistribution: Sendable, Equatable {
  public let law: InterarrivalLaw
  /// λ, the arrival rate (the mean gap is `1/λ`).
  public let arrivalRate: Double

  /// The law's internal parameters.
  private enum Shape: Sendable, Equatable {
    case gamma(shape: Double, rate: Double)
    case deterministic(gap: Double)
    case hyperexponential(p1: Double, rate1: Double, rate2: Double)
    case pareto(shape: Double, scale: Double)
    case lognormal(location: Double, spread: Double)
  }
  private let shape: Shape

  /// - Throws: `ParameterError` unless λ is finite and > 0 and the law's parameter is valid.
  public init(law: InterarrivalLaw, arrivalRate lambda: Double) throws(ParameterError) {
    guard lambda.isFinite, lambda > 0 else {
      throw .outOfRange("arrival rate (lambda)", lambda, valid: "finite and > 0")
    }
    try law.validate()
    self.law = law
    self.arrivalRate = lambda
    switch law {
    case .exponential: shape = .gamma(shape: 1, rate: lambda)
    case .deterministic: shape = .deterministic(gap: 1 / lambda)
    case .erlang(let k): shape = .gamma(shape: Double(k), rate: Double(k) * lambda)
    case .gamma(let scv): shape = .gamma(shape: 1 / scv, rate: lambda / scv)
    case .hyperexponential(let scv):
      let p1 = (1 + ((scv - 1) / (scv + 1)).squareRoot()) / 2
      shape = .hyperexponential(p1: p1, rate1: 2 * p1 * lambda, rate2: 2 * (1 - p1) * lambda)
    case .pareto(let a): shape = .pareto(shape: a, scale: (a - 1) / (a * lambda))
    case .lognormal(let scv):
      let spread2 = log1p(scv)
      shape = .lognormal(location: -log(lambda) - spread2 / 2, spread: spread2.squareRoot())
    }
  }

  /// `A*(s) = E[e^{-sT}]` for `s >= 0` (table of spec Q6).
  public func transform(_ s: Double) -> Double {
    if s == 0 { return 1 }
    switch shape {
    case .gamma(let a, let rate): return exp(-a * log1p(s / rate))
    case .deterministic(let gap): return exp(-s * gap)
    case .hyperexponential(let p1, let rate1, let rate2):
      return p1 * rate1 / (rate1 + s) + (1 - p1) * rate2 / (rate2 + s)
    case .pareto(let a, let scale):
      return a * SpecialFunctions.exponentialIntegral(order: a + 1, s * scale)
    case .lognormal(let location, let spread):
      return Self.lognormalIntegral(location: location, spread: spread, s: s, power: 0)
    }
  }

  /// `1 - A*(s) = E[1 - e^{-sT}]`, without cancellation for the closed-form laws
  /// (`s/(λ+s)`, `-expm1(-s/λ)`, `-expm1(-a log1p(s/(aλ)))`, `Σ p_i s/(λ_i+s)`); Pareto and
  /// lognormal as `1 - A*(s)` (absolute accuracy 1e-16). The root of Q3.1 near ρ = 1 needs
  /// it (spec Q9: the slope of the root equation is `1/ρ - 1` there).
  public func transformComplement(_ s: Double) -> Double {
    if s == 0 { return 0 }
    switch shape {
    case .gamma(let a, let rate): return -expm1(-a * log1p(s / rate))
    case .deterministic(let gap): return -expm1(-s * gap)
    case .hyperexponential(let p1, let rate1, let rate2):
      return p1 * s / (rate1 + s) + (1 - p1) * s / (rate2 + s)
    case .pareto, .lognormal: return 1 - transform(s)
    }
  }

  /// `A1(s) = -dA*/ds = E[T e^{-sT}]` for `s >= 0` (`A1(0) = 1/λ`).
  public func transformDerivative(_ s: Double) -> Double {
    if s == 0 { return 1 / arrivalRate }
    switch shape {
    case .gamma(let a, let rate): return a * transform(s) / (rate + s)
    case .deterministic(let gap): return gap * exp(-s * gap)
    case .hyperexponential(let p1, let rate1, let rate2):
      return p1 * rate1 / ((rate1 + s) * (rate1 + s))
        + (1 - p1) * rate2 / ((rate2 + s) * (rate2 + s))
    case .pareto(let a, let scale):
      return a * scale * SpecialFunctions.exponentialIntegral(order: a, s * scale)
    case .lognormal(let location, let spread):
      return Self.lognormalIntegral(location: location, spread: spread, s: s, power: 1)
    }
  }

  /// The mixed-Poisson probabilities `α_k(θ) = ∫ e^{-θt} (θt)^k / k! dA(t)`,
  /// `k = 0..<count` (spec Q2.4 item 1, closed forms of Q6): closed forms in log space
  /// (gamma by the ratio recurrence `α_{k+1}/α_k = (a + k)(1 - P)/(k + 1)`);
  /// Pareto `α_k = a y^k E_{a+1-k}(y)/k!` (`y = θ x_m`) for `k <= ceil(a)`, then the
  /// subtraction-free recurrence `α_{k+1} = α_k (k-a)/(k+1) + a y^k e^{-y}/(k+1)!`;
  /// lognormal one quadrature per `k`.
  /// - Precondition: `θ > 0`.
  /// - Complexity: O(count) (lognormal: O(count) quadratures).
  public func mixedPoissonProbabilities(rate theta: Double, count: Int) -> [Double] {
    precondition(theta > 0, "the mixed-Poisson rate must be > 0, got \(theta)")
    switch shape {
    case .gamma(let a, let rate):
      // log α_0 = a log P, log α_{k+1} = log α_k + log((a + k)/(k + 1)) + log(1 - P): no
      // difference of large lgamma values, so any shape keeps full relative accuracy.
      let logQ = log(theta / (rate + theta))
      var logAlpha = -a * log1p(theta / rate)
      return (0..<count).map { k in
        defer { logAlpha += log((a + Double(k)) / Double(k + 1)) + logQ }
        return exp(logAlpha)
      }
    case .deterministic(let gap):
      return (0..<count).map { exp(SpecialFunctions.logPoisson($0, mean: theta * gap)) }
    case .hyperexponential(let p1, let rate1, let rate2):
      return (0..<count).map { k in
        [(p1, rate1), (1 - p1, rate2)].reduce(0.0) { sum, phase in
          sum + phase.0
            * exp(log(phase.1 / (phase.1 + theta)) + Double(k) * log(theta / (phase.1 + theta)))
        }
      }
    case .pareto(let a, let scale):
      let y = theta * scale
      var alpha: [Double] = []
      alpha.reserveCapacity(count)
      let direct = min(count, Int(a.rounded(.up)) + 1)
      for k in 0..<direct {
        let integral = SpecialFunctions.exponentialIntegral(order: a + 1 - Double(k), y)
        alpha.append(
          integral == 0
            ? 0
            : exp(log(a) + Double(k) * log(y) - SpecialFunctions.logFactorial(k) + log(integral)))
      }
      var k = direct - 1
      while alpha.count < count {
        let source = exp(log(a) + Double(k) * log(y) - y - SpecialFunctions.logFactorial(k + 1))
        alpha.append(alpha[k] * (Double(k) - a) / Double(k + 1) + source)
        k += 1
      }
      return alpha
    case .lognormal(let location, let spread):
      return (0..<count).map { k in
        Self.lognormalIntegral(
          location: location + log(theta), spread: spread, s: 1, power: Double(k),
          logScale: -SpecialFunctions.logFactorial(k))
      }
    }
  }

  /// `∫ φ(z) e^{j(m + σ z)} exp(-s e^{m + σ z} + c) dz` (`j = power`, `c = logScale`),
  /// the lognormal transforms of spec Q6.5.
  ///
  /// The log of the integrand is concave with second derivative `<= -1`, so it lies below
  /// the parabola through its mode with curvature 1: the integral over
  /// `[mode - 9.5, mode + 9.5]` misses less than `e^{-45}` of the mass. The mode is found by
  /// bisection; adaptive Gauss–Legendre with breakpoints at the mode and ±3, ±6 around it.
  private static func lognormalIntegral(
    location m: Double, spread: Double, s: Double, power j: Double, logScale: Double = 0
  ) -> Double {
    let logNormalizer = -0.5 * log(2 * Double.pi) + logScale
    func logIntegrand(_ z: Double) -> Double {
      let exponent = m + spread * z
      return logNormalizer - z * z / 2 + j * exponent - s * exp(exponent)
    }
    // g'(z) = -z + jσ - sσ e^{m+σz} is decreasing; it is <= 0 at z = jσ and > 0 far left.
    var high = j * spread
    var low = high - 60
    while -low + j * spread - s * spread * exp(m + spread * low) <= 0 { low -= 60 }
    for _ in 0..<200 {
      let middle = (low + high) / 2
      if middle <= low || middle >= high { break }
      if -middle + j * spread - s * spread * exp(m + spread * middle) > 0 {
        low = middle
      } else {
        high = middle
      }
    }
    let mode = (low + high) / 2
    let points = [-9.5, -6, -3, 0, 3, 6, 9.5].map { mode + $0 }
    return GaussLegendre.integrate({ exp(logIntegrand($0)) }, over: points)
  }

  /// One inter-arrival time (spec Q6, sampling): gamma by Marsaglia–Tsang, `h2` by a
  /// Bernoulli(`p1`) phase, Pareto as `x_m U^{-1/a}`, lognormal as `e^{m + σ Z}`.
  public func sample<G: RandomNumberGenerator>(using generator: inout G) -> Double {
    switch shape {
    case .gamma(let a, let rate): return Self.sampleGamma(shape: a, using: &generator) / rate
    case .deterministic(let gap): return gap
    case .hyperexponential(let p1, let rate1, let rate2):
      let rate = Self.unit(&generator) < p1 ? rate1 : rate2
      return -log(Self.openUnit(&generator)) / rate
    case .pareto(let a, let scale): return scale * pow(Self.openUnit(&generator), -1 / a)
    case .lognormal(let location, let spread):
      return exp(location + spread * Self.standardNormal(&generator))
    }
  }

  /// Uniform on [0, 1) with 53 random bits.
  static func unit<G: RandomNumberGenerator>(_ generator: inout G) -> Double {
    Double(generator.next() >> 11) * 0x1p-53
  }

  /// Uniform on (0, 1].
  static func openUnit<G: RandomNumberGenerator>(_ generator: inout G) -> Double {
    1 - unit(&generator)
  }

  /// Standard normal by the Box–Muller transform (one of the pair).
  static func standardNormal<G: RandomNumberGenerator>(_ generator: inout G) -> Double {
    (-2 * log(openUnit(&generator))).squareRoot() * cos(2 * Double.pi * unit(&generator))
  }

  /// Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 through
  /// `Gamma(a) = Gamma(a + 1) U^{1/a}`.
  static func sampleGamma<G: RandomNumberGenerator>(shape a: Double, using generator: inout G)
    -> Double
  {
    if a < 1 {
      return sampleGamma(shape: a + 1, using: &generator) * pow(openUnit(&generator), 1 / a)
    }
    let d = a - 1.0 / 3
    let c = 1 / (9 * d).squareRoot()
    while true {
      let x = standardNormal(&generator)
      let v = 1 + c * x
      if v <= 0 { continue }
      let cube = v * v * v
      if log(openUnit(&generator)) < x * x / 2 + d - d * cube + d * log(cube) { return d * cube }
    }
  }
}
