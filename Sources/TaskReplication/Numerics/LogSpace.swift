import Foundation

// Log-space primitives shared by every PJF computation (docs/replication.md §7).

/// `log(1 - e^x)` for `x <= 0`, without cancellation (Mächler 2012, "Accurately computing
/// log(1 - exp(-|a|))"):
///
/// ```
/// log(1 - e^x) = log(-expm1(x))   if x > -log 2
///              = log1p(-exp(x))   otherwise
/// ```
///
/// Exact limits: `x = 0` gives `-inf`, `x = -inf` gives `-0`.
func logOneMinusExp(_ x: Double) -> Double {
  x > -M_LN2 ? log(-expm1(x)) : log1p(-exp(x))
}

/// `log(1 - q)` for a product `q` of fault probabilities, without cancellation:
///
/// ```
/// log(1 - q) = log1p(-q)                      if q <= 1/2   (condition number <= 2)
///            = log(1 - e^(log q))              otherwise     (q from its log-sum)
/// ```
///
/// A product formed by multiplication is exact to a few ulps of `q`, which is a few ulps
/// of `1 - q` only while `q <= 1/2`; for devices close to `p = 1` the log-sum keeps every
/// digit of `1 - q`. `logProduct` is evaluated only in that case.
/// Docs: docs/replication.md §7.
@inline(__always)
func logOneMinus(product: Double, logProduct: () -> Double) -> Double {
  product <= 0.5 ? log1p(-product) : logOneMinusExp(logProduct())
}

/// Neumaier's compensated sum: the error does not grow with the number of terms (it is
/// a few ulps of the result plus the rounding of the terms), which is what keeps sums of
/// 10^7 logarithms exact to a few ulps.
///
/// An infinite term makes the sum infinite (the compensation is then ignored, so no NaN
/// appears from `inf - inf`).
struct CompensatedSum {
  private var sum = 0.0
  private var compensation = 0.0

  mutating func add(_ term: Double) {
    let total = sum + term
    if abs(sum) >= abs(term) {
      compensation += (sum - total) + term
    } else {
      compensation += (term - total) + sum
    }
    sum = total
  }

  var value: Double { sum.isFinite ? sum + compensation : sum }
}
