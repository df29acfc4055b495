import Foundation
import MarkovSolvers

/// The sojourn time of a phase in whole steps, as a discrete-time hazard (spec G3;
/// docs/collaborative-inference.md §2).
///
/// A phase entered at age 0 ends at the step after age d with probability h(d):
///
/// ```
/// h(d) = 1 − S(d+1)/S(d)       P(sojourn > n) = S(n),  S(0) = 1,  sojourn ≥ 1
/// ```
///
/// Tables hold h(0…D); the age counter saturates at the cap D, so beyond D the sojourn is
/// geometric with h(D). A one-entry table (`memoryless`) keeps no counter. The parametric
/// families (simulation only) are converted to tables by `truncated(cap:)` for exact work.
public enum DurationModel: Sendable, Equatable {
  /// h(0…D); the last entry repeats forever.
  case table([Double])
  /// Weibull survival S(t) = exp(−(t/λ)^k).
  case weibull(scale: Double, shape: Double)
  /// Log-normal survival S(t) = 1 − Φ((ln t − μ)/σ).
  case logNormal(mu: Double, sigma: Double)
  /// Pareto survival S(t) = 1 for t < κ, (κ/t)^α for t ≥ κ.
  case pareto(scale: Double, shape: Double)

  /// A memoryless phase with per-step hazard h (geometric sojourn, mean 1/h).
  public static func memoryless(_ hazard: Double) -> DurationModel { .table([hazard]) }

  /// Checks the parameters; `name` labels the error.
  /// - Throws: `ParameterError` for an empty table, a hazard outside [0, 1] or a
  ///   non-positive family parameter.
  public func validate(_ name: String) throws(ParameterError) {
    switch self {
    case .table(let hazards):
      guard !hazards.isEmpty else {
        throw .malformed(name: name, value: "[]", expected: "at least one hazard")
      }
      for (age, hazard) in hazards.enumerated() where !(hazard >= 0 && hazard <= 1) {
        throw .outOfRange("\(name) hazard at age \(age)", hazard, valid: "in [0, 1]")
      }
    case .weibull(let scale, let shape), .pareto(let scale, let shape):
      guard scale > 0, scale.isFinite else {
        throw .outOfRange("\(name) scale", scale, valid: "> 0")
      }
      guard shape > 0, shape.isFinite else {
        throw .outOfRange("\(name) shape", shape, valid: "> 0")
      }
    case .logNormal(let mu, let sigma):
      guard mu.isFinite else { throw .outOfRange("\(name) mu", mu, valid: "finite") }
      guard sigma > 0, sigma.isFinite else {
        throw .outOfRange("\(name) sigma", sigma, valid: "> 0")
      }
    }
  }

  /// The age cap D of a table (0 for memoryless); nil for a parametric family.
  public var cap: Int? {
    if case .table(let hazards) = self { return hazards.count - 1 }
    return nil
  }

  /// Whether the model has no age counter (a one-entry table).
  public var isMemoryless: Bool { cap == 0 }

  /// log S(t) for t ≥ 0 (parametric families; tables multiply their hazards).
  public func logSurvival(_ t: Double) -> Double {
    switch self {
    case .table(let hazards):
      var log = 0.0
      var age = 0
      while Double(age) < t {
        log += Foundation.log1p(-hazards[min(age, hazards.count - 1)])
        age += 1
      }
      return log
    case .weibull(let scale, let shape):
      return -pow(t / scale, shape)
    case .logNormal(let mu, let sigma):
      guard t > 0 else { return 0 }
      return Foundation.log(0.5 * erfc(((Foundation.log(t) - mu) / sigma) / 2.0.squareRoot()))
    case .pareto(let scale, let shape):
      return t < scale ? 0 : shape * (Foundation.log(scale) - Foundation.log(t))
    }
  }

  /// h(d), the probability that a phase of age d ends at the next step.
  public func hazard(age: Int) -> Double {
    switch self {
    case .table(let hazards):
      return hazards[min(age, hazards.count - 1)]
    default:
      let now = logSurvival(Double(age))
      if now == -.infinity { return 1 }
      return min(1, max(0, -expm1(logSurvival(Double(age + 1)) - now)))
    }
  }

  /// The hazard under the proportional-hazards multiplier φ ≥ 0 (spec G3.2):
  /// `h(d; φ) = 1 − (1 − h(d))^φ`, computed as `−expm1(φ · log1p(−h))`.
  public func hazard(age: Int, pace: Double) -> Double {
    Self.scaledHazard(hazard(age: age), pace: pace)
  }

  /// `1 − (1 − h)^φ` with the edge cases φ = 0 ⇒ 0 and h = 1, φ > 0 ⇒ 1.
  public static func scaledHazard(_ hazard: Double, pace: Double) -> Double {
    if pace == 1 { return hazard }
    if pace <= 0 || hazard <= 0 { return 0 }
    if hazard >= 1 { return 1 }
    return -expm1(pace * log1p(-hazard))
  }

  /// The age after one more step in the phase: `min(d + 1, D)` (parametric: d + 1).
  public func nextAge(_ age: Int) -> Int {
    if let cap { return min(age + 1, cap) }
    return age + 1
  }

  /// The table h(0…cap) of this model (a table is returned unchanged when its own cap is not
  /// larger). The truncation becomes part of the model: beyond `cap` the hazard is h(cap).
  public func truncated(cap: Int) -> DurationModel {
    precondition(cap >= 0, "cap \(cap) must be >= 0")
    if case .table(let hazards) = self, hazards.count - 1 <= cap { return self }
    return .table((0...cap).map { hazard(age: $0) })
  }

  /// A sojourn drawn by inverse transform from U ∈ (0, 1) (spec G3.4):
  /// `T = max(1, ⌈S⁻¹(U)⌉)` for families, `T = min{n ≥ 1 : U ≥ S(n)}` for tables (geometric
  /// tail beyond the cap), so that `P(T > n) = S(n)` exactly.
  public func sojourn(uniform u: Double) -> Int {
    residualSojourn(age: 0, uniform: u)
  }

  /// The remaining sojourn of a phase that has already lasted `age` steps:
  /// `n = max(1, ⌈S⁻¹(U·S(a))⌉ − a)` (families); tables continue from h(age).
  public func residualSojourn(age: Int, uniform u: Double) -> Int {
    switch self {
    case .table(let hazards):
      var survival = 1.0
      var current = age
      var steps = 0
      let cap = hazards.count - 1
      while true {
        if current >= cap {
          let h = hazards[cap]
          if h >= 1 { return steps + 1 }
          if h <= 0 { return Int.max / 4 }
          // Geometric tail: first n ≥ 1 with survival · (1 − h)^n ≤ u.
          let remaining = Foundation.log(u / survival) / log1p(-h)
          return steps + max(1, Int(remaining.rounded(.up)))
        }
        survival *= 1 - hazards[current]
        current += 1
        steps += 1
        if u >= survival { return steps }
      }
    default:
      let target = Foundation.log(u) + logSurvival(Double(age))
      let t = inverseLogSurvival(target)
      guard t.isFinite, t < 1e15 else { return Int.max / 4 }
      return max(1, Int(t.rounded(.up)) - age)
    }
  }

  /// S⁻¹ on the log scale: the t with log S(t) = `logValue` (families only).
  private func inverseLogSurvival(_ logValue: Double) -> Double {
    switch self {
    case .weibull(let scale, let shape):
      return scale * pow(-logValue, 1 / shape)
    case .logNormal(let mu, let sigma):
      return exp(mu + sigma * NormalQuantile.upper(logValue))
    case .pareto(let scale, let shape):
      return scale * exp(-logValue / shape)
    case .table:
      preconditionFailure("tables are inverted by their hazards")
    }
  }
}

/// The standard normal quantile, for log-normal inverse transforms.
enum NormalQuantile {
  /// z with P(Z > z) = exp(logTail): Acklam's rational approximation refined by two Newton
  /// steps on erfc (relative error near machine precision).
  static func upper(_ logTail: Double) -> Double {
    let tail = exp(logTail)
    var z = -lower(tail)
    for _ in 0..<2 {
      let current = 0.5 * erfc(z / 2.0.squareRoot())
      let density = exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
      guard density > 0 else { break }
      z += (current - tail) / density
    }
    return z
  }

  /// Acklam's approximation of Φ⁻¹(p), p ∈ (0, 1).
  static func lower(_ p: Double) -> Double {
    let a = [
      -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
      1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00,
    ]
    let b = [
      -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
      6.680131188771972e+01, -1.328068155288572e+01,
    ]
    let c = [
      -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
      -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00,
    ]
    let d = [
      7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00,
    ]
    let low = 0.02425
    if p < low {
      let q = (-2 * log(p)).squareRoot()
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p > 1 - low {
      let q = (-2 * log1p(-p)).squareRoot()
      return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
        / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    let q = p - 0.5
    let r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
      / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  }
}
