/// Offload-Only in closed form: from the empty state it never uses SM2, so the system is an
/// M/M/1 queue with service rate μ_c1 and room for B + 1 jobs (B in the base queue, one in
/// the SM1 slot).
///
/// ```
/// infinite buffer:  T = 1 / (μ_c1 − λ)                       (λ < μ_c1, i.e. ρ < K/(1+K))
/// truncated:        p_k ∝ r^k, k = 0...B+1, r = λ/μ_c1
///                   L = Σ k p_k,  P_block = p_{B+1},  T = L / (λ (1 − p_{B+1}))
/// ```
///
/// Docs: docs/service-modes.md §S8.2.
public enum OffloadOnlyClosedForm {
  /// The infinite-buffer mean delay, nil when Offload-Only is unstable (`λ >= μ_c1`).
  public static func meanDelay(_ parameters: ServiceModeParameters) -> Double? {
    let slack = parameters.sm1CloudRate - parameters.arrivalRate
    return slack > 0 ? 1 / slack : nil
  }

  /// The truncated system's figures (M/M/1/(B+1)).
  /// - Complexity: O(B).
  public static func truncated(_ parameters: ServiceModeParameters, bufferLimit: Int)
    -> (meanDelay: Double, meanJobs: Double, blockingProbability: Double)
  {
    precondition(bufferLimit >= 0, "buffer limit \(bufferLimit) must be >= 0")
    let ratio = parameters.arrivalRate / parameters.sm1CloudRate
    // Weights r^k / r^m with m the mode (0 or B + 1), so that no power overflows.
    let top = bufferLimit + 1
    let weights = (0...top).map { ratio <= 1 ? pow(ratio, $0) : pow(1 / ratio, top - $0) }
    let total = weights.reduce(0, +)
    let meanJobs = weights.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element } / total
    let blocking = weights[top] / total
    return (meanJobs / (parameters.arrivalRate * (1 - blocking)), meanJobs, blocking)
  }

  private static func pow(_ base: Double, _ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<exponent { result *= base }
    return result
  }
}
