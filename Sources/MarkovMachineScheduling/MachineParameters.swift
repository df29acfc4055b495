import MarkovSolvers

/// The parameters of the Markov-machine job-assignment model (docs/markov-machine.md §A1).
///
/// N users submit jobs (user i w.p. p_i per slot, at the end of the slot) to dedicated
/// infinite queues; one machine serves them. While idle, the machine flips between
/// internally busy and free w.p. q per slot; a user-i job is served for a Geom(q_i) number
/// of slots; right after a completion the machine is internally busy w.p. s. Every sample
/// of the machine's state costs L.
///
/// Docs: docs/markov-machine.md §A1, §A2, validation rules §A14.
public struct MachineParameters: Sendable, Equatable, Codable {
  /// Largest number of users (the subset problems of A8 have 2^N − 1 instances).
  public static let maximumUserCount = 12
  /// The smallest q, q_i and μ accepted, 1e-9. The phase chains of A6 hold 1 − p, which
  /// must stay far from 1 in floating point (below about 1e-16 it rounds to 1 and I − M0
  /// is singular); the closed forms grow like 1/μ², 1/q² (A3.2) and (Σ 1/q_i)² (A5) and
  /// would overflow to inf − inf = NaN below about 1e-154.
  public static let smallestProbability = 1e-9
  /// The largest L accepted, 1e100, so that L times a sampling rate stays finite.
  public static let largestSamplingCost = 1e100

  /// q in (0, 1): flip probability of the idle machine (free ↔ busy).
  public let flipProbability: Double
  /// s in [0, 1]: probability that the machine is internally busy right after a completion.
  public let busyAfterCompletionProbability: Double
  /// q_i in (0, 1]: per-slot completion probability of a user-i job in service.
  public let serviceProbabilities: [Double]
  /// p_i in [0, 1): per-slot job arrival probability of user i.
  public let arrivalProbabilities: [Double]
  /// L >= 0: cost of one sample of the machine's state.
  public let samplingCost: Double

  /// N, the number of users.
  public var userCount: Int { serviceProbabilities.count }

  /// Every user, as a subset.
  public var allUsers: UserSubset { UserSubset(mask: (1 << UInt32(userCount)) - 1) }

  /// - Parameters:
  ///   - flipProbability: q in [1e-9, 1) (`smallestProbability`).
  ///   - busyAfterCompletionProbability: s in [0, 1].
  ///   - serviceProbabilities: q_i in [1e-9, 1], one per user (1 to 12 users).
  ///   - arrivalProbabilities: p_i in [0, 1), one per user; default no arrivals (the
  ///     permanent-congestion quantities of A5 do not use them).
  ///   - samplingCost: L in [0, 1e100] (`largestSamplingCost`).
  /// - Throws: `ParameterError` naming the parameter, the value and the valid range.
  public init(
    flipProbability: Double, busyAfterCompletionProbability: Double,
    serviceProbabilities: [Double], arrivalProbabilities: [Double]? = nil, samplingCost: Double
  ) throws(ParameterError) {
    guard flipProbability >= Self.smallestProbability, flipProbability < 1 else {
      throw .outOfRange(
        "flip probability (q)", flipProbability, valid: "in [\(Self.smallestProbability), 1)")
    }
    guard busyAfterCompletionProbability >= 0, busyAfterCompletionProbability <= 1 else {
      throw .outOfRange(
        "busy-after-completion probability (s)", busyAfterCompletionProbability,
        valid: "in [0, 1]")
    }
    guard (1...Self.maximumUserCount).contains(serviceProbabilities.count) else {
      throw .outOfRange(
        "number of users (N, entries of the service probabilities q_i)",
        serviceProbabilities.count, valid: "an integer in 1...\(Self.maximumUserCount)")
    }
    for (user, value) in serviceProbabilities.enumerated()
    where !(value >= Self.smallestProbability && value <= 1) {
      throw .outOfRange(
        "service probability q_\(user + 1)", value, valid: "in [\(Self.smallestProbability), 1]")
    }
    let arrivals = arrivalProbabilities ?? Array(repeating: 0, count: serviceProbabilities.count)
    guard arrivals.count == serviceProbabilities.count else {
      throw .inconsistent(
        name: "arrival probabilities (p_i)", value: "\(arrivals.count) entries",
        reason: "must have one entry per user (\(serviceProbabilities.count), as q_i)")
    }
    for (user, value) in arrivals.enumerated() where !(value >= 0 && value < 1) {
      throw .outOfRange("arrival probability p_\(user + 1)", value, valid: "in [0, 1)")
    }
    guard samplingCost >= 0, samplingCost <= Self.largestSamplingCost else {
      throw .outOfRange(
        "sampling cost (L)", samplingCost, valid: "in [0, \(Self.largestSamplingCost)]")
    }
    self.flipProbability = flipProbability
    self.busyAfterCompletionProbability = busyAfterCompletionProbability
    self.serviceProbabilities = serviceProbabilities
    self.arrivalProbabilities = arrivals
    self.samplingCost = samplingCost
  }

  /// The same model with other arrival probabilities.
  /// - Throws: `ParameterError` as `init`.
  public func withArrivalProbabilities(_ arrivals: [Double]) throws(ParameterError)
    -> MachineParameters
  {
    try MachineParameters(
      flipProbability: flipProbability,
      busyAfterCompletionProbability: busyAfterCompletionProbability,
      serviceProbabilities: serviceProbabilities, arrivalProbabilities: arrivals,
      samplingCost: samplingCost)
  }

  /// The load at μ = 1 (docs/markov-machine.md §A9.4):
  ///
  /// ```
  /// ρ = Σ_i p_i (s/q + 1/q_i)
  /// ```
  ///
  /// every job occupies the machine for at least its own cycle (idle period at μ = 1 minus
  /// the assignment slot, s/q, plus its service, 1/q_i), so no policy of this model keeps
  /// the queues stable when ρ >= 1. This is the A2 slot ordering; see
  /// `loadAtFullSampling(assumptions:)` for the others.
  /// - Complexity: O(N).
  public var loadAtFullSampling: Double { loadAtFullSampling(assumptions: .standard) }

  /// The load at μ = 1 in the slot ordering of `assumptions` (docs/markov-machine.md §A2, §A9.4):
  /// s/q becomes s'/q with s' = s (1 − q) + (1 − s) q for `.flipThenSample`, and s/q + 1 for
  /// `.serviceNextSlot` (the assignment slot serves nothing).
  /// - Complexity: O(N).
  public func loadAtFullSampling(assumptions: ModelAssumptions) -> Double {
    let ordering = assumptions.slotOrdering
    let idle =
      ordering.busyAtFirstSample(
        busyAfterCompletion: busyAfterCompletionProbability, flip: flipProbability)
      / flipProbability + (ordering.assignmentSlotServes ? 0 : 1)
    return zip(arrivalProbabilities, serviceProbabilities).reduce(0) {
      $0 + $1.0 * (idle + 1 / $1.1)
    }
  }

  /// Warnings about the parameters: no stable policy can exist when the load at μ = 1 is
  /// at least 1 (docs/markov-machine.md §A9.4, §A14).
  public var warnings: [AssumptionWarning] {
    let load = loadAtFullSampling
    guard load >= 1 else { return [] }
    return [
      AssumptionWarning(
        assumption: "load at mu = 1 < 1",
        detail: "sum_i p_i (s/q + 1/q_i) = \(load) >= 1: no policy can keep every queue stable; "
          + "long-run results describe growing queues",
        reference: "docs/markov-machine.md §A9.4")
    ]
  }

  /// Validates a subset given by 0-based user indices.
  /// - Throws: `ParameterError` if it is empty or names a user outside 0..<N.
  public func subset(users: [Int]) throws(ParameterError) -> UserSubset {
    guard !users.isEmpty else {
      throw .outOfRange(name: "subset (S)", value: "{}", valid: "a non-empty set of users")
    }
    var mask: UInt32 = 0
    for user in users {
      guard user >= 0, user < userCount else {
        throw .outOfRange("subset (S) member", user + 1, valid: "a user in 1...\(userCount)")
      }
      mask |= 1 << UInt32(user)
    }
    return UserSubset(mask: mask)
  }
}

/// A set of users, stored as a bitmask (bit i = user i, 0-based); the order of its members
/// is increasing user index everywhere (schedules, ages, tables).
public struct UserSubset: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
  public let mask: UInt32

  public init(mask: UInt32) { self.mask = mask }

  /// The members, increasing.
  public var users: [Int] {
    (0..<32).filter { mask & (1 << UInt32($0)) != 0 }
  }

  /// n = |S|.
  public var count: Int { mask.nonzeroBitCount }

  public func contains(_ user: Int) -> Bool { mask & (1 << UInt32(user)) != 0 }

  /// Whether every member of `other` is a member of this set.
  public func isSuperset(of other: UserSubset) -> Bool { mask & other.mask == other.mask }

  /// Every non-empty subset of N users, by increasing bitmask.
  public static func nonEmptySubsets(userCount: Int) -> [UserSubset] {
    (1..<(UInt32(1) << UInt32(userCount))).map(UserSubset.init(mask:))
  }

  public static func < (lhs: UserSubset, rhs: UserSubset) -> Bool { lhs.mask < rhs.mask }

  /// 1-based members, e.g. `{1,3}`.
  public var description: String {
    "{" + users.map { String($0 + 1) }.joined(separator: ",") + "}"
  }
}
