/// A mean over independent replications with its 95% Student-t confidence interval.
public struct Estimate: Sendable, Equatable, Codable {
  public let mean: Double
  /// `t_{0.975, R−1} · s / √R` (infinite for fewer than two replications).
  public let halfWidth: Double
  public let replications: Int

  /// The estimate from one value per replication.
  /// - Complexity: O(R).
  public init(samples: [Double]) {
    precondition(!samples.isEmpty, "an estimate needs at least one sample")
    let count = Double(samples.count)
    let mean = samples.reduce(0, +) / count
    self.mean = mean
    self.replications = samples.count
    if samples.count < 2 {
      halfWidth = .infinity
    } else {
      let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
      halfWidth =
        Self.studentQuantile975(degreesOfFreedom: samples.count - 1)
        * (variance / count)
        .squareRoot()
    }
  }

  public var lower: Double { mean - halfWidth }
  public var upper: Double { mean + halfWidth }

  /// Whether `value` lies in the confidence interval.
  public func contains(_ value: Double) -> Bool { value >= lower && value <= upper }

  /// The 0.975 quantile of Student's t with ν degrees of freedom: tabulated for ν <= 30
  /// (4 decimals), the Cornish–Fisher expansion around z = 1.959964 above (error < 1e-5).
  public static func studentQuantile975(degreesOfFreedom nu: Int) -> Double {
    precondition(nu >= 1, "degrees of freedom \(nu) must be >= 1")
    let table = [
      12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
      2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
      2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ]
    if nu <= table.count { return table[nu - 1] }
    let z = 1.959964
    let v = Double(nu)
    let (z3, z5, z7) = (z * z * z, z * z * z * z * z, z * z * z * z * z * z * z)
    return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
      + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
  }
}
