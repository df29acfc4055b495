import Foundation

/// Special functions the inter-arrival laws and the simulation need and the Swift standard
/// library lacks (docs/batch-queue.md §6).
enum SpecialFunctions {
  /// The generalised exponential integral of real order `p`,
  ///
  /// ```
  /// E_p(x) = ∫_1^∞ e^{-x u} u^{-p} du = ∫_0^∞ exp(-x e^w - (p - 1) w) dw     (u = e^w)
  /// ```
  ///
  /// by adaptive Gauss–Legendre quadrature of the second form on `[0, ln(750/x)]` (the
  /// integrand is below `e^{-750}` beyond), with breakpoints at the peak `e^w = (1-p)/x`
  /// (for `p < 1`) and at `x e^w = 1`, where the double-exponential decay starts (spec Q6.5).
  /// `E_p(x) = 0` for `x >= 750` (below the smallest double).
  /// - Precondition: `x > 0`.
  /// - Complexity: a few hundred evaluations of `exp`.
  static func exponentialIntegral(order p: Double, _ x: Double) -> Double {
    precondition(x > 0, "E_p(x) needs x > 0, got \(x)")
    if x >= 750 { return 0 }
    let upper = log(750 / x)
    var points = [0.0, upper]
    if p < 1 { points.append(log((1 - p) / x)) }
    points.append(-log(x))
    points = points.filter { $0 >= 0 && $0 <= upper }.sorted()
    return GaussLegendre.integrate({ w in exp(-x * exp(w) - (p - 1) * w) }, over: points)
  }

  /// `log(k!)`.
  static func logFactorial(_ k: Int) -> Double { lgamma(Double(k) + 1) }

  /// `log` of the Poisson probability `e^{-m} m^k / k!`, `m > 0`.
  static func logPoisson(_ k: Int, mean m: Double) -> Double {
    Double(k) * log(m) - m - logFactorial(k)
  }

  /// The regularised incomplete beta function `I_x(a, b)` by its continued fraction
  /// (modified Lentz), using `I_x(a, b) = 1 - I_{1-x}(b, a)` where the fraction converges
  /// slowly (`x > (a + 1)/(a + b + 2)`).
  static func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, b, a) }
    let logFront = a * log(x) + b * log1p(-x) - (lgamma(a) + lgamma(b) - lgamma(a + b)) - log(a)
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var fraction = d
    for m in 1...10_000 {
      let m2 = Double(2 * m)
      let mm = Double(m)
      let even = mm * (b - mm) * x / ((a + m2 - 1) * (a + m2))
      let odd = -(a + mm) * (a + b + mm) * x / ((a + m2) * (a + m2 + 1))
      for coefficient in [even, odd] {
        d = 1 + coefficient * d
        if abs(d) < tiny { d = tiny }
        c = 1 + coefficient / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        fraction *= d * c
      }
      if abs(d * c - 1) < 1e-16 { break }
    }
    return exp(logFront) * fraction
  }

  /// The two-sided Student-t quantile: `t` with `P(|T_ν| <= t) = confidence`, from
  /// `P(|T_ν| > t) = I_{ν/(ν+t²)}(ν/2, 1/2)` solved by bisection in `x = ν/(ν+t²)`
  /// (accurate to about 1e-12 relative).
  /// - Precondition: `ν >= 1`, `0 < confidence < 1`.
  static func studentQuantile(confidence: Double, degreesOfFreedom nu: Int) -> Double {
    precondition(nu >= 1 && confidence > 0 && confidence < 1)
    let v = Double(nu)
    let target = 1 - confidence
    var low = 0.0
    var high = 1.0
    for _ in 0..<200 {
      let middle = (low + high) / 2
      if middle <= low || middle >= high { break }
      if regularizedIncompleteBeta(middle, v / 2, 0.5) < target {
        low = middle
      } else {
        high = middle
      }
    }
    let x = (low + high) / 2
    return (v * (1 - x) / x).squareRoot()
  }
}
