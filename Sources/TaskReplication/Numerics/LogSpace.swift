import Foundation

// Log-space primitives shared by every PJF computation (spec: replication.md §7).

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
