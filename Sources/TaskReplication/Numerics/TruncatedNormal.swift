import MarkovSolvers

/// Draws from a normal distribution truncated to `[0, 1]` by rejection, deterministically
/// across machines.
///
/// ```
/// standard normal: Marsaglia's polar method on u, v uniform in [-1, 1):
///   s = u^2 + v^2, redraw unless 0 < s < 1;  z1, z2 = (u, v) * sqrt(-2 log(s) / s)
/// truncation:      x = mean + standardDeviation * z, redraw unless 0 <= x <= 1
/// ```
///
/// The logarithm is `portableLog` (basic IEEE operations only) instead of the platform's
/// `log`, whose last bit may differ between C libraries, so a seed draws the same values on
/// every machine. With `mean` in `[0, 1]` and `standardDeviation` in `[0, 1]` at least 34 %
/// of the draws are accepted, so the loop ends quickly. A standard deviation of 0 returns
/// `mean` and consumes no random numbers.
/// - Complexity: O(1) expected per draw.
/// Docs: docs/replication.md §6 (Example 2's class at 30 % with std 13.4 %).
public struct TruncatedNormalSampler: Sendable {
  private var generator: SplitMix64
  private var spare: Double?

  public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

  /// One draw of `N(mean, standardDeviation^2)` conditioned on `[0, 1]`.
  /// - Precondition: `mean` and `standardDeviation` in `[0, 1]` (validated by
  ///   `FaultDistribution`).
  public mutating func next(mean: Double, standardDeviation: Double) -> Double {
    precondition(
      (0...1).contains(mean) && (0...1).contains(standardDeviation),
      "mean \(mean) and standard deviation \(standardDeviation) must lie in [0, 1]")
    if standardDeviation == 0 { return mean }
    while true {
      let value = mean + standardDeviation * nextStandardNormal()
      if value >= 0 && value <= 1 { return value }
    }
  }

  private mutating func nextStandardNormal() -> Double {
    if let value = spare {
      spare = nil
      return value
    }
    while true {
      let u = 2 * generator.nextUnitInterval() - 1
      let v = 2 * generator.nextUnitInterval() - 1
      let s = u * u + v * v
      guard s > 0 && s < 1 else { continue }
      let factor = (-2 * portableLog(s) / s).squareRoot()
      spare = v * factor
      return u * factor
    }
  }
}

/// Natural logarithm of a positive normal double from additions, multiplications,
/// divisions and exact scalings only, so its result is the same on every IEEE machine:
///
/// ```
/// x = f * 2^e with f in [1/sqrt 2, sqrt 2);  s = (f - 1) / (f + 1)
/// log x = e log 2 + 2 (s + s^3/3 + ... + s^23/23)     (|s| <= 0.1716, error < 1e-17)
/// ```
///
/// Accurate to a few ulps (checked against the C library in the tests).
/// - Precondition: `x` positive, finite and normal.
func portableLog(_ x: Double) -> Double {
  precondition(x.isNormal && x > 0, "portableLog needs a positive normal number, got \(x)")
  var exponent = Double(x.exponent)
  var fraction = x.significand
  if fraction > 1.4142135623730951 {
    fraction *= 0.5
    exponent += 1
  }
  let s = (fraction - 1) / (fraction + 1)
  let s2 = s * s
  var series = 1.0 / 23
  var denominator = 21.0
  while denominator >= 1 {
    series = series * s2 + 1 / denominator
    denominator -= 2
  }
  // log 2 split so that exponent * ln2High is exact (fdlibm's constants).
  let ln2High = 6.931_471_803_691_238_164_90e-01
  let ln2Low = 1.908_214_929_270_587_700_02e-10
  return exponent * ln2High + (exponent * ln2Low + 2 * s * series)
}
