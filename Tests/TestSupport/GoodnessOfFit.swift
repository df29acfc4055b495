import Foundation

/// Pearson's chi-square statistic of observed counts against expected probabilities, and
/// the upper critical value of the chi-square law with `degrees` degrees of freedom at
/// false-alarm level `alpha` (Wilson–Hilferty approximation, accurate to a few percent for
/// degrees ≥ 1 at the levels used in tests).
public func chiSquareStatistic(observed: [Int], expected probabilities: [Double]) -> Double {
  let total = Double(observed.reduce(0, +))
  return zip(observed, probabilities).reduce(0.0) { sum, pair in
    let expected = total * pair.1
    return expected > 0 ? sum + pow(Double(pair.0) - expected, 2) / expected : sum
  }
}

/// The (1 − alpha) quantile of chi-square(degrees), Wilson–Hilferty.
public func chiSquareCritical(degrees: Int, alpha: Double) -> Double {
  let k = Double(max(degrees, 1))
  let z = standardNormalUpperQuantile(alpha)
  let term = 1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot()
  return k * term * term * term
}

/// z with P(Z > z) = alpha, by bisection on erfc (tests only).
public func standardNormalUpperQuantile(_ alpha: Double) -> Double {
  var low = -10.0
  var high = 10.0
  for _ in 0..<200 {
    let middle = (low + high) / 2
    if 0.5 * erfc(middle / 2.0.squareRoot()) > alpha { low = middle } else { high = middle }
  }
  return (low + high) / 2
}
