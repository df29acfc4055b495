/// One stability condition evaluated on a pair of policy tables (docs/markov-machine.md §A9).
public struct StabilityCondition: Sendable, Equatable, Codable {
  public enum Kind: String, Sendable, Codable {
    /// A sufficient condition for strong stability (reconstructed, A9.0).
    case sufficient
    /// A necessary-type diagnostic, not sufficient (A9.4).
    case diagnostic
  }

  /// Short label, e.g. `R1`.
  public let label: String
  /// What it reconstructs and how.
  public let summary: String
  public let policy: SchedulingRule?
  public let kind: Kind
  /// Number of inequalities `p_i < bound` checked.
  public let inequalityCount: Int
  /// min over the inequalities of `bound − p_i`; the condition holds iff it is > 0.
  public let margin: Double
  /// The inequality attaining the margin, e.g. `P = {1,2}, i = 1`.
  public let binding: String

  public var holds: Bool { margin > 0 }
}

/// The stability analysis of A9: the reconstructed sufficient conditions for φ1 and
/// max-age (clearly not the paper's statements, which did not survive), each with its
/// margin, plus the necessary-type diagnostics.
public struct StabilityReport: Sendable, Codable {
  /// χ(q, s) (A9.1).
  public let freeProbabilityLowerBound: Double
  /// Σ p_i (s/q + 1/q_i) (A9.4).
  public let loadAtFullSampling: Double
  public let conditions: [StabilityCondition]

  /// Evaluates every condition of A9.2–A9.4 on the given tables.
  ///
  /// ```
  /// χ(q, s) = min{q, 2q(1 − q), 1 − s, (1 − s)(1 − q) + s q}
  /// R1      p_i < min_{S'⊇P} π_i(S') / (2/μ_min(P) − 2 + s/q + η_max(P))   every P, i ∈ P
  /// R1'     p_i < min_{S∋i} π_i(S) / (2/μ_min − 2 + s/q + max_j 1/q_j)
  /// R1-chi  p_i < min_{S∋i} π_i(S) / (1/(μ_min χ) + max_j 1/q_j)
  /// R2      p_i < 1 / (N (2/μ̄_min − 2 + s/q) + Σ_j 1/q_j)
  /// R2-chi  p_i < 1 / (N/(μ̄_min χ) + Σ_j 1/q_j)
  /// R2-fam  as R2 with μ̄_min(P) = min_{S'⊇P} μ̄(S'), every P, i ∈ P
  /// load    Σ_i p_i (s/q + 1/q_i) < 1                       (no stable policy otherwise)
  /// rates   p_i < π_i(N)/E[C(N)] (φ1),  p_i < 1/R(N) (max-age)  (full-congestion rates)
  /// ```
  ///
  /// Other slot orderings (`assumptions`, A2) use the same arguments with that ordering's
  /// idle period: s → s' = s (1 − q) + (1 − s) q for `.flipThenSample` (in χ too: the
  /// beliefs after a completion start one flip later), and one more slot per job for
  /// `.serviceNextSlot` (2/μ − 2 + s/q → 2/μ − 1 + s/q, load s/q + 1 + 1/q_i; the χ-based
  /// counts stay valid, the assignment slot now being counted once).
  /// - Complexity: O(3^N) for the families (every P against its supersets).
  public init(
    _ parameters: MachineParameters, randomized: PolicyTable, maxAge: PolicyTable,
    assumptions: ModelAssumptions = .standard
  ) {
    precondition(randomized.rule == .randomized && maxAge.rule == .maxAge, "tables swapped")
    let ordering = assumptions.slotOrdering
    let q = parameters.flipProbability
    let s = ordering.busyAtFirstSample(
      busyAfterCompletion: parameters.busyAfterCompletionProbability, flip: q)
    let assignmentSlot = ordering.assignmentSlotServes ? 0.0 : 1
    /// Mean slots of a job cycle before its service at sampling probability μ (A3.1).
    func beforeService(_ mu: Double) -> Double { 2 / mu - 2 + s / q + assignmentSlot }
    let p = parameters.arrivalProbabilities
    let service = parameters.serviceProbabilities
    let n = Double(parameters.userCount)
    let subsets = UserSubset.nonEmptySubsets(userCount: parameters.userCount)
    let chi = Swift.min(q, 2 * q * (1 - q), 1 - s, (1 - s) * (1 - q) + s * q)
    let slowestService = service.map { 1 / $0 }.max() ?? 1
    let serviceSum = service.reduce(0) { $0 + 1 / $1 }
    func share(_ table: PolicyTable, _ subset: UserSubset, _ user: Int) -> Double {
      let entry = table[subset]
      return entry.policy.schedule[subset.users.firstIndex(of: user) ?? 0]
    }
    func eta(_ subset: UserSubset) -> Double {
      zip(subset.users, randomized[subset].policy.schedule).reduce(0) {
        $0 + $1.1 / service[$1.0]
      }
    }
    func lowestSampling(_ table: PolicyTable, over list: [UserSubset]) -> Double {
      list.map { table[$0].policy.samplingProbability }.min() ?? 1
    }
    let lowestRandomized = lowestSampling(randomized, over: subsets)
    let lowestMaxAge = lowestSampling(maxAge, over: subsets)
    func lowestShare(_ user: Int, over list: [UserSubset]) -> Double {
      list.filter { $0.contains(user) }.map { share(randomized, $0, user) }.min() ?? 0
    }

    var family = MarginTracker()
    var maxAgeFamily = MarginTracker()
    for set in subsets {
      let supersets = subsets.filter { $0.isSuperset(of: set) }
      let mu = lowestSampling(randomized, over: supersets)
      let etaMax = supersets.map(eta).max() ?? 0
      let muBar = lowestSampling(maxAge, over: supersets)
      for user in set.users {
        family.check(
          p[user], lowestShare(user, over: supersets) / (beforeService(mu) + etaMax),
          "P = \(set), i = \(user + 1)")
        maxAgeFamily.check(
          p[user], 1 / (n * beforeService(muBar) + serviceSum), "P = \(set), i = \(user + 1)")
      }
    }
    var single = MarginTracker()
    var singleChi = MarginTracker()
    var maxAgeSingle = MarginTracker()
    var maxAgeChi = MarginTracker()
    var randomizedRates = MarginTracker()
    var maxAgeRates = MarginTracker()
    let all = parameters.allUsers
    let fullCycle = RandomizedCycle(
      ClosedForms.idlePeriod(parameters, randomized[all].policy, assumptions: assumptions),
      service: service, schedule: randomized[all].policy.schedule, ordering: ordering
    ).mean
    let fullRound = RoundRobinRound(
      ClosedForms.idlePeriod(parameters, maxAge[all].policy, assumptions: assumptions),
      service: service, ordering: ordering
    ).mean
    for user in 0..<parameters.userCount {
      let shareMin = lowestShare(user, over: subsets)
      let label = "i = \(user + 1)"
      single.check(
        p[user], shareMin / (beforeService(lowestRandomized) + slowestService), label)
      singleChi.check(p[user], shareMin / (1 / (lowestRandomized * chi) + slowestService), label)
      maxAgeSingle.check(p[user], 1 / (n * beforeService(lowestMaxAge) + serviceSum), label)
      maxAgeChi.check(p[user], 1 / (n / (lowestMaxAge * chi) + serviceSum), label)
      randomizedRates.check(p[user], share(randomized, all, user) / fullCycle, label)
      maxAgeRates.check(p[user], 1 / fullRound, label)
    }
    var load = MarginTracker()
    let loadAtFullSampling = parameters.loadAtFullSampling(assumptions: assumptions)
    load.check(loadAtFullSampling, 1, "sum_i p_i (s/q + 1/q_i)")

    let reconstruction = "reconstruction, not the paper's statement"
    conditions = [
      family.condition(
        "R1", "phi1 per-subset family (Prop.-1-like, \(reconstruction)), beta1-based",
        .randomized, .sufficient),
      single.condition(
        "R1'", "phi1 single condition (Cor.-1-like, \(reconstruction)), beta1-based",
        .randomized, .sufficient),
      singleChi.condition(
        "R1-chi", "phi1 single condition via chi(q,s) (\(reconstruction))", .randomized,
        .sufficient),
      maxAgeSingle.condition(
        "R2", "max-age single condition (Prop.-2-like, \(reconstruction)), beta1-based", .maxAge,
        .sufficient),
      maxAgeChi.condition(
        "R2-chi", "max-age single condition via chi(q,s) (\(reconstruction))", .maxAge,
        .sufficient),
      maxAgeFamily.condition(
        "R2-family", "max-age per-subset family (\(reconstruction)), beta1-based", .maxAge,
        .sufficient),
      load.condition(
        "load", "load at mu = 1 below 1 (necessary for any policy, not sufficient)", nil,
        .diagnostic),
      randomizedRates.condition(
        "rates-phi1", "arrivals below phi1's full-congestion service rates pi_i(N)/E[C]",
        .randomized,
        .diagnostic),
      maxAgeRates.condition(
        "rates-max-age", "arrivals below max-age's full-congestion service rate 1/R(N)", .maxAge,
        .diagnostic),
    ]
    freeProbabilityLowerBound = chi
    self.loadAtFullSampling = loadAtFullSampling
  }
}

/// Tracks the smallest `bound − value` over a set of inequalities `value < bound`.
private struct MarginTracker {
  var margin = Double.infinity
  var binding = ""
  var count = 0

  mutating func check(_ value: Double, _ bound: Double, _ label: String) {
    count += 1
    if bound - value < margin {
      margin = bound - value
      binding = label
    }
  }

  func condition(
    _ label: String, _ summary: String, _ policy: SchedulingRule?, _ kind: StabilityCondition.Kind
  ) -> StabilityCondition {
    StabilityCondition(
      label: label, summary: summary, policy: policy, kind: kind, inequalityCount: count,
      margin: margin, binding: binding)
  }
}
