import Foundation
import MarkovSolvers

/// What happens to the service rate when a task joins a batch in service (spec Q0.3).
public enum RateRule: String, Sendable, Equatable, CaseIterable {
  /// The rate is `μ_r` for the current content `r`; a joiner switches it to `μ_{r+1}`
  /// (Q0.3a, the model of the paper as reconstructed; the default).
  case `switch`
  /// The rate stays `μ_b` for the size `b` at the batch's start; joiners are served for free
  /// (Q0.3b).
  case frozen
}

/// The parameters of the GI/M(L→K)/1 accessible-batch queue with size-dependent rates
/// (spec Q1, docs/batch-queue.md §2), validated on construction.
public struct BatchQueueParameters: Sendable, Equatable {
  /// Largest maximum batch size K accepted (spec Q1).
  public static let maximumBatchLimit = 100_000
  /// Largest finite capacity N_cap accepted (spec Q1).
  public static let maximumCapacity = 200_000

  /// The inter-arrival law with its rate λ.
  public let arrivals: InterarrivalDistribution
  /// L, the quorum: a batch starts only with at least L tasks.
  public let minimumBatch: Int
  /// K, the largest batch (content of the server).
  public let maximumBatch: Int
  /// `μ_1..μ_K` (index `r - 1`); entries for `r < L` are never used.
  public let serviceRates: [Double]
  /// N_cap, the most tasks in the system (arrivals finding it full are lost), or `nil` for
  /// the infinite waiting room of the paper (Q0.6, Q2.6).
  public let capacity: Int?
  public let rateRule: RateRule

  /// - Throws: `ParameterError` (spec Q9) for `K` outside `1...100000`, `L` outside `1...K`,
  ///   a rate list that is not `K` long, `μ_r` not finite `> 0` for `L <= r <= K` (or not
  ///   finite `>= 0` below `L`), a capacity outside `K...200000`, and `ρ = λ/(K μ_K) >= 1`
  ///   with an infinite buffer (unstable, Q1.3).
  public init(
    arrivals: InterarrivalDistribution, minimumBatch: Int, maximumBatch: Int,
    serviceRates: [Double], capacity: Int? = nil, rateRule: RateRule = .switch
  ) throws(ParameterError) {
    try Self.validate(maximumBatch: maximumBatch)
    guard minimumBatch >= 1, minimumBatch <= maximumBatch else {
      throw .outOfRange(
        "minimum batch size (L)", minimumBatch,
        valid: "an integer with 1 <= L <= K = \(maximumBatch)")
    }
    guard serviceRates.count == maximumBatch else {
      throw .inconsistent(
        name: "service rates", value: "\(serviceRates.count) values",
        reason: "give 1 value or K = \(maximumBatch) values")
    }
    for (index, rate) in serviceRates.enumerated() {
      let r = index + 1
      if r >= minimumBatch {
        guard rate.isFinite, rate > 0 else {
          throw .outOfRange(
            "service rate mu_\(r)", rate,
            valid: "finite and > 0 for L = \(minimumBatch) <= r <= K = \(maximumBatch) "
              + "(a zero rate means the batch never completes)")
        }
      } else {
        guard rate.isFinite, rate >= 0 else {
          throw .outOfRange(
            "service rate mu_\(r)", rate,
            valid: "finite and >= 0 for r < L = \(minimumBatch) (ignored)")
        }
      }
    }
    if let capacity {
      guard capacity >= maximumBatch, capacity <= Self.maximumCapacity else {
        throw .outOfRange(
          "capacity (N_cap)", capacity,
          valid: "an integer with K = \(maximumBatch) <= N_cap <= \(Self.maximumCapacity), or inf")
      }
    }
    self.arrivals = arrivals
    self.minimumBatch = minimumBatch
    self.maximumBatch = maximumBatch
    self.serviceRates = serviceRates
    self.capacity = capacity
    self.rateRule = rateRule
    if capacity == nil, load >= 1 {
      throw .inconsistent(
        name: "load rho = lambda/(K mu_K)", value: formatParameterValue(load),
        reason: "the queue with an infinite buffer is unstable: it is stable only for rho < 1 "
          + "(Q1.3); lower the arrival rate, raise mu_K or K, or give a finite capacity")
    }
  }

  /// - Throws: `ParameterError` unless `1 <= K <= 100000`.
  public static func validate(maximumBatch: Int) throws(ParameterError) {
    guard maximumBatch >= 1, maximumBatch <= maximumBatchLimit else {
      throw .outOfRange(
        "maximum batch size (K)", maximumBatch,
        valid: "an integer with 1 <= K <= \(maximumBatchLimit)")
    }
  }

  /// λ.
  public var arrivalRate: Double { arrivals.arrivalRate }

  /// `μ_r` for `1 <= r <= K`.
  public func serviceRate(batchSize r: Int) -> Double { serviceRates[r - 1] }

  /// The (queue, server content) pair of a system size under the switch rule (spec Q2.1):
  /// idle with `n` waiting below L, a non-full batch of `n` for `L <= n < K`, a full batch
  /// and `n - K` waiting above.
  public func queueAndServer(systemSize n: Int) -> (queue: Int, server: Int) {
    if n < minimumBatch { return (n, 0) }
    if n < maximumBatch { return (0, n) }
    return (n - maximumBatch, maximumBatch)
  }

  /// `ρ = λ / (K μ_K)` (spec Q1.1).
  public var load: Double {
    arrivalRate / (Double(maximumBatch) * serviceRate(batchSize: maximumBatch))
  }

  /// `Λ = max_{L <= r <= K} μ_r`, the uniformisation rate of the death process (Q2.4).
  public var uniformizationRate: Double {
    serviceRates[(minimumBatch - 1)...].max() ?? serviceRate(batchSize: maximumBatch)
  }

  /// Reads the rate forms of spec Q1.2: one number (the same rate for every size), `K`
  /// comma-separated numbers `μ_1..μ_K`, or `linear:a,b` (`μ_r = 1/(a + b r)`, set-up `a`
  /// plus `b` per task, `a, b >= 0`, `a + b > 0`).
  /// - Throws: `ParameterError.malformed` for text that is none of these, `.outOfRange` for
  ///   `K` or `a`, `b` outside their range; the values themselves are checked by `init`.
  public static func serviceRates(parsing text: String, maximumBatch: Int) throws(ParameterError)
    -> [Double]
  {
    try validate(maximumBatch: maximumBatch)
    let expected = "one number, K comma-separated numbers or linear:a,b"
    if text.lowercased().hasPrefix("linear:") {
      let numbers = text.dropFirst("linear:".count).split(
        separator: ",", omittingEmptySubsequences: false
      ).map { Double($0.trimmingCharacters(in: .whitespaces)) }
      guard numbers.count == 2, let a = numbers[0], let b = numbers[1] else {
        throw .malformed(name: "service rates", value: text, expected: "linear:a,b")
      }
      guard a.isFinite, a >= 0 else {
        throw .outOfRange("linear set-up time (a)", a, valid: "finite and >= 0")
      }
      guard b.isFinite, b >= 0 else {
        throw .outOfRange("linear time per task (b)", b, valid: "finite and >= 0")
      }
      guard a + b > 0 else {
        throw .inconsistent(
          name: "service rates", value: text, reason: "a + b must be > 0 (mean batch time a + b r)")
      }
      return (1...maximumBatch).map { 1 / (a + b * Double($0)) }
    }
    let numbers = text.split(separator: ",", omittingEmptySubsequences: false).map {
      Double($0.trimmingCharacters(in: .whitespaces))
    }
    guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else {
      throw .malformed(name: "service rates", value: text, expected: expected)
    }
    let values = numbers.compactMap { $0 }
    if values.count == 1 { return [Double](repeating: values[0], count: maximumBatch) }
    return values
  }
}
