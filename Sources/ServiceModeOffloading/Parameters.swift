import MarkovSolvers

/// The four exponential rates of the service-mode offloading system, with the paper-form
/// parameters they come from.
///
/// ```
/// λ     = ρ (1 + K) μ0        arrival rate
/// μ_c1  = K μ0                SM1 at the cloud
/// μ_l2  = μ0 / f              SM2 at the local server
/// μ_c2  = K μ0 / (1 − f)      SM2 at the cloud
/// ```
///
/// Either form can be given. From raw rates (the paper's Remark 1, heterogeneous stages)
/// the paper form is recovered as `K μ0 = μ_c1`, `f = 1 − μ_c1/μ_c2`, `μ0 = f μ_l2`,
/// `ρ = λ / (μ0 + μ_c1)`.
///
/// Invalid values (non-positive or non-finite rates, f outside (0, 1)) throw; violated
/// modelling assumptions (`f > 1/K`, load inside the stability region) are listed in
/// `warnings` and the model still solves.
///
/// Docs: docs/service-modes.md §S1, §S8.1.
public struct ServiceModeParameters: Sendable, Equatable {
  /// λ, the Poisson arrival rate.
  public let arrivalRate: Double
  /// μ_c1 = K μ0, the cloud's rate for an SM1 job.
  public let sm1CloudRate: Double
  /// μ_l2 = μ0/f, the local server's rate for the first stage of an SM2 job.
  public let sm2LocalRate: Double
  /// μ_c2 = K μ0/(1 − f), the cloud's rate for the second stage of an SM2 job.
  public let sm2CloudRate: Double
  /// ρ = λ/((1 + K) μ0), the load.
  public let load: Double
  /// K, the cloud's capacity relative to the local server's.
  public let cloudSpeedup: Double
  /// f, the fraction of an SM2 job's work done locally.
  public let localFraction: Double
  /// μ0, the local server's capacity.
  public let localRate: Double

  /// The paper form (load ρ, cloud speed-up K, local fraction f, local rate μ0).
  /// - Throws: `ParameterError` unless ρ > 0, K > 0, 0 < f < 1 and μ0 > 0 (all finite), and
  ///   the four rates and their sum are finite (e.g. f = 1e-310 makes μ0/f overflow), and
  ///   each rate is at least `minimumRateRatio` times their sum.
  public init(load: Double, cloudSpeedup: Double, localFraction: Double, localRate: Double = 1)
    throws(ParameterError)
  {
    try Self.requirePositive(load, "load (rho)")
    try Self.requirePositive(cloudSpeedup, "cloud speed-up (K)")
    guard localFraction > 0, localFraction < 1 else {
      throw .outOfRange("local fraction (f)", localFraction, valid: "in (0, 1)")
    }
    try Self.requirePositive(localRate, "local rate (mu0)")
    self.load = load
    self.cloudSpeedup = cloudSpeedup
    self.localFraction = localFraction
    self.localRate = localRate
    arrivalRate = load * (1 + cloudSpeedup) * localRate
    sm1CloudRate = cloudSpeedup * localRate
    sm2LocalRate = localRate / localFraction
    sm2CloudRate = cloudSpeedup * localRate / (1 - localFraction)
    try requireFiniteRates()
  }

  /// Raw rates (Remark 1): SM1 served at rate a at the cloud, SM2 at rate b locally and c
  /// at the cloud.
  /// - Throws: `ParameterError` unless every rate is finite and > 0, their sum is finite,
  ///   each rate is at least `minimumRateRatio` times their sum and `μ_c2 > μ_c1` (which is
  ///   `0 < f = 1 − μ_c1/μ_c2 < 1`).
  public init(arrivalRate: Double, sm1CloudRate: Double, sm2LocalRate: Double, sm2CloudRate: Double)
    throws(ParameterError)
  {
    try Self.requirePositive(arrivalRate, "arrival rate (lambda)")
    try Self.requirePositive(sm1CloudRate, "SM1 cloud rate (mu_c1)")
    try Self.requirePositive(sm2LocalRate, "SM2 local rate (mu_l2)")
    try Self.requirePositive(sm2CloudRate, "SM2 cloud rate (mu_c2)")
    guard sm2CloudRate > sm1CloudRate else {
      throw .inconsistent(
        name: "SM2 cloud rate (mu_c2)", value: formatParameterValue(sm2CloudRate),
        reason: "must be > the SM1 cloud rate mu_c1 = \(formatParameterValue(sm1CloudRate)), "
          + "so that the local fraction f = 1 - mu_c1/mu_c2 is in (0, 1)")
    }
    self.arrivalRate = arrivalRate
    self.sm1CloudRate = sm1CloudRate
    self.sm2LocalRate = sm2LocalRate
    self.sm2CloudRate = sm2CloudRate
    localFraction = 1 - sm1CloudRate / sm2CloudRate
    localRate = localFraction * sm2LocalRate
    cloudSpeedup = sm1CloudRate / localRate
    load = arrivalRate / (localRate + sm1CloudRate)
    try requireFiniteRates()
  }

  /// The smallest rate, relative to the sum ν of all four, that the model accepts.
  ///
  /// A rate far below the others makes its transition probabilities rate/ν vanish in
  /// round-off (K = 4.9e-324 gave μ_c1/ν = 0): the uniformized chain becomes numerically
  /// reducible and its stationary distribution undefined. At 1e-12 every probability is
  /// far above the smallest normal double, so products along the chain stay positive.
  public static let minimumRateRatio = 1e-12

  /// Throws unless λ, μ_c1, μ_l2, μ_c2 and their sum (the uniformization rate ν of
  /// docs/service-modes.md §S3.2) are finite, and each rate is at least
  /// `minimumRateRatio` ν: a rate that overflows would turn every transition probability
  /// rate/ν into NaN or 0, and one that is negligible would make it 0.
  private func requireFiniteRates() throws(ParameterError) {
    let rates = [
      ("arrival rate (lambda = rho (1 + K) mu0)", arrivalRate),
      ("SM1 cloud rate (mu_c1 = K mu0)", sm1CloudRate),
      ("SM2 local rate (mu_l2 = mu0/f)", sm2LocalRate),
      ("SM2 cloud rate (mu_c2 = K mu0/(1 - f))", sm2CloudRate),
    ]
    for (name, rate) in rates where !rate.isFinite {
      throw .outOfRange(name, rate, valid: "finite (the other parameters make it overflow)")
    }
    let total = rates.reduce(0) { $0 + $1.1 }
    guard total.isFinite else {
      throw .inconsistent(
        name: "rates (lambda, mu_c1, mu_l2, mu_c2)",
        value: rates.map { formatParameterValue($0.1) }.joined(separator: ", "),
        reason: "their sum, the uniformization rate nu, overflows; use a larger time unit")
    }
    for (name, rate) in rates where rate < Self.minimumRateRatio * total {
      throw .inconsistent(
        name: name, value: formatParameterValue(rate),
        reason: "must be at least \(formatParameterValue(Self.minimumRateRatio)) times the sum "
          + "of the four rates (nu = \(formatParameterValue(total))); a smaller rate vanishes in "
          + "the round-off of the uniformized chain")
    }
  }

  private static func requirePositive(_ value: Double, _ name: String) throws(ParameterError) {
    guard value > 0, value.isFinite else { throw .outOfRange(name, value, valid: "finite and > 0") }
  }

  /// The largest throughput any policy sustains (the edge of the stability region):
  ///
  /// ```
  /// max(μ_c1, x + μ_c1 (1 − x/μ_c2)),   x = min(μ_l2, μ_c2)
  /// ```
  ///
  /// In paper form this is `(1 + K) μ0` when `f >= 1/(1 + K)` and `K μ0/(1 − f)` otherwise.
  /// Docs: docs/service-modes.md §S8.1.
  public var maximumThroughput: Double {
    let sm2Throughput = min(sm2LocalRate, sm2CloudRate)
    return max(sm1CloudRate, sm2Throughput + sm1CloudRate * (1 - sm2Throughput / sm2CloudRate))
  }

  /// The modelling assumptions these parameters violate (empty when all hold):
  /// `f > 1/K` (equivalently `μ_l2 < μ_c1`, docs/service-modes.md §S1), the load-balancing
  /// condition `f > 1/(1 + K)` (S1) and `λ < maximumThroughput` (S8.1).
  public var warnings: [AssumptionWarning] {
    var warnings: [AssumptionWarning] = []
    let f = formatParameterValue(localFraction)
    if sm2LocalRate >= sm1CloudRate {
      warnings.append(
        AssumptionWarning(
          assumption: "f > 1/K",
          detail: "f = \(f) and 1/K = \(formatParameterValue(1 / cloudSpeedup)) (mu_l2 >= mu_c1): "
            + "an SM2 job's local stage is not longer than a whole SM1 job, so cloud-first and "
            + "switch-type are not guaranteed",
          reference: "docs/service-modes.md §S1"))
    }
    if localFraction < 1 / (1 + cloudSpeedup) {
      warnings.append(
        AssumptionWarning(
          assumption: "f > 1/(1+K)",
          detail: "f = \(f) < 1/(1+K) = \(formatParameterValue(1 / (1 + cloudSpeedup))): the "
            + "stability region shrinks to lambda < K mu0/(1-f)",
          reference: "docs/service-modes.md §S1, §S8.1"))
    }
    if arrivalRate >= maximumThroughput {
      warnings.append(
        AssumptionWarning(
          assumption: "lambda < maximal throughput",
          detail: "lambda = \(formatParameterValue(arrivalRate)) >= "
            + "\(formatParameterValue(maximumThroughput)): no policy is stable, the figures "
            + "describe the truncated system only (jobs are lost at the base buffer)",
          reference: "docs/service-modes.md §S8.1"))
    }
    return warnings
  }
}

/// The experiment settings of the paper's Section IV. Their values were lost in the
/// extraction: **every value here is a placeholder** (docs/service-modes.md §S0, §S9) and must be
/// labelled as such wherever it is shown.
///
/// Docs: docs/service-modes.md §S9.
public enum PaperConfiguration: String, Sendable, CaseIterable {
  /// (a) baseline: ρ = 0.5, K = 5, f = 0.6.
  case a
  /// (b) high utilisation: ρ = 0.8, K = 5, f = 0.6.
  case b
  /// (c) more local SM2 processing: ρ = 0.5, K = 5, f = 0.8.
  case c
  /// (d) higher cloud capacity: ρ = 0.5, K = 10, f = 0.6.
  case d

  /// The paper's name of the setting.
  public var title: String {
    switch self {
    case .a: return "baseline"
    case .b: return "high utilisation"
    case .c: return "more local SM2 processing"
    case .d: return "higher cloud capacity"
    }
  }

  /// (ρ, K, f) of the placeholder setting; μ0 = 1.
  public var values: (load: Double, cloudSpeedup: Double, localFraction: Double) {
    switch self {
    case .a: return (0.5, 5, 0.6)
    case .b: return (0.8, 5, 0.6)
    case .c: return (0.5, 5, 0.8)
    case .d: return (0.5, 10, 0.6)
    }
  }

  /// The parameters of the setting (placeholder values, μ0 = 1).
  public var parameters: ServiceModeParameters {
    let (load, cloudSpeedup, localFraction) = values
    do {
      return try ServiceModeParameters(
        load: load, cloudSpeedup: cloudSpeedup, localFraction: localFraction)
    } catch {
      preconditionFailure("placeholder configuration \(rawValue) is invalid: \(error)")
    }
  }

  /// Buffer limit B of every setting (placeholder), with B2 = B.
  public static let bufferLimit = 50
  /// Discrete discount factor γ of every setting (placeholder), with ν the sum of rates.
  public static let discountFactor = 0.99
}
