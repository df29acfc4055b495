import MarkovSolvers

/// How the server picks the user whose job goes to a free machine (docs/markov-machine.md §A8.1,
/// §A8.3).
public enum SchedulingRule: String, Sendable, Codable, CaseIterable {
  /// φ1: user j of S with probability π_j(S) (Definition 1 of the paper).
  case randomized
  /// φ̄1: the user of S with the largest age of job completion, ties to the lowest index.
  case maxAge = "max-age"
}

/// The pair (μ(S), π(S)) a policy uses while S is the set of non-empty queues
/// (docs/markov-machine.md §A8.1, §A8.3). For max-age, `schedule` is empty.
public struct SubsetPolicy: Sendable, Equatable, Codable {
  public let rule: SchedulingRule
  /// μ(S) in (0, 1]: probability of sampling in an idle slot with jobs waiting.
  public let samplingProbability: Double
  /// π(S): probability of each member of S (increasing user index), on the open simplex.
  public let schedule: [Double]

  /// φ1's pair, validated: μ in (0, 1], π_j > 0 for the n = |S| members, Σ π_j = 1 within
  /// 1e-9 (then renormalised exactly).
  /// - Throws: `ParameterError` naming μ or π and the valid range.
  public static func randomized(
    samplingProbability: Double, schedule: [Double], subset: UserSubset
  ) throws(ParameterError) -> SubsetPolicy {
    try checkSamplingProbability(samplingProbability)
    guard schedule.count == subset.count else {
      throw .inconsistent(
        name: "schedule (pi)", value: "\(schedule.count) entries",
        reason: "must have one entry per member of S = \(subset) (\(subset.count))")
    }
    for (index, value) in schedule.enumerated() where !(value > 0 && value <= 1) {
      throw .outOfRange(
        "schedule entry pi_\(subset.users[index] + 1)", value,
        valid: "in (0, 1] (open simplex: every member of S gets a positive share)")
    }
    let total = schedule.reduce(0, +)
    guard abs(total - 1) <= 1e-9 else {
      throw .outOfRange(
        "schedule (pi) sum", total, valid: "1 (within 1e-9; pi is a distribution over S)")
    }
    return SubsetPolicy(
      rule: .randomized, samplingProbability: samplingProbability,
      schedule: schedule.map { $0 / total })
  }

  /// φ̄1's sampling probability μ̄ in (0, 1].
  /// - Throws: `ParameterError` if μ̄ is outside (0, 1].
  public static func maxAge(samplingProbability: Double) throws(ParameterError) -> SubsetPolicy {
    try checkSamplingProbability(samplingProbability)
    return SubsetPolicy(rule: .maxAge, samplingProbability: samplingProbability, schedule: [])
  }

  /// The uniform schedule over S.
  public static func uniformSchedule(_ subset: UserSubset) -> [Double] {
    Array(repeating: 1 / Double(subset.count), count: subset.count)
  }

  /// Throws unless μ is in [`MachineParameters.smallestProbability`, 1].
  static func checkSamplingProbability(_ value: Double) throws(ParameterError) {
    guard value >= MachineParameters.smallestProbability, value <= 1 else {
      throw .outOfRange(
        "sampling probability (mu)", value,
        valid: "in [\(MachineParameters.smallestProbability), 1]")
    }
  }
}

/// The weight of the ages in the per-subset objectives (12) and (16) (docs/markov-machine.md
/// §A8.2):
///
/// ```
/// objective(S) = w Σ_{k∈S} Δ_k(S) + S(S),   w = 1/N (default), 1 (sum) or 1/|S| (mean)
/// ```
public enum AgeWeighting: String, Sendable, Codable, CaseIterable {
  /// w = 1/N: the overall objective (1/N) Σ_i Δ_i + S restricted to S; the only choice
  /// that reproduces the paper's stability cases 1 and 2 (docs/markov-machine.md §A8.2, §A13.6).
  case perUser = "1/N"
  /// w = 1: the plain sum, as problem (12) is printed.
  case sum
  /// w = 1/|S|.
  case mean

  /// The factor w for N users and |S| = `subsetSize`.
  public func factor(userCount: Int, subsetSize: Int) -> Double {
    switch self {
    case .perUser: return 1 / Double(userCount)
    case .sum: return 1
    case .mean: return 1 / Double(subsetSize)
    }
  }
}

/// Which sampling cost of φ1 enters problem (12) (docs/markov-machine.md §A5.2).
public enum SamplingCostKind: String, Sendable, Codable, CaseIterable {
  /// Theorem 2's exact value L μ β1 / E[C] (default).
  case exact
  /// The valid upper bound L (1 + p*) / (p* E[C]).
  case bound
}

/// Long-run figures of one policy under permanent congestion of S (docs/markov-machine.md §A5).
public struct SubsetPerformance: Sendable, Equatable, Codable {
  public let subset: UserSubset
  /// Δ_k for every member k of S (increasing user index).
  public let ages: [Double]
  /// The exact sampling cost per slot (Theorem 2 or 4).
  public let samplingCost: Double
  /// Theorem 2's upper bound S_ub (φ1 only).
  public let samplingCostBound: Double?

  public init(
    subset: UserSubset, ages: [Double], samplingCost: Double, samplingCostBound: Double? = nil
  ) {
    self.subset = subset
    self.ages = ages
    self.samplingCost = samplingCost
    self.samplingCostBound = samplingCostBound
  }

  /// `w Σ_{k∈S} Δ_k + S` with w from `weighting` (docs/markov-machine.md §A8.2); the bound replaces
  /// the exact sampling cost when `samplingCostKind == .bound` and a bound exists.
  public func objective(
    weighting: AgeWeighting, userCount: Int, samplingCostKind: SamplingCostKind = .exact
  ) -> Double {
    let weight = weighting.factor(userCount: userCount, subsetSize: subset.count)
    let sampling =
      samplingCostKind == .bound ? (samplingCostBound ?? samplingCost) : samplingCost
    return weight * ages.reduce(0, +) + sampling
  }
}
