/// The closed forms of Theorems 1–4 under permanent congestion of a subset S: the queues
/// of S never empty, the other users are ignored, μ and π are constants (docs/markov-machine.md
/// §A5).
///
/// Docs: docs/markov-machine.md §A5.1–§A5.4 (derived; each checked against the exact chains of
/// A6 in the tests).
///
/// The theorems are derived for the slot ordering of A2. For the other orderings of
/// `SlotOrdering` every function here applies that ordering's exact reduction (s → s' for
/// `.flipThenSample`; one more slot per cycle, the assignment slot, for
/// `.serviceNextSlot`), so it never returns A2 numbers for another ordering; the tests
/// check each reduction against the literal chains of A6 and the simulation. The tie rule
/// and sampling with empty queues do not affect permanent congestion.
public enum ClosedForms {
  /// Theorems 1 and 2: the ages and sampling cost of φ1 with sampling probability μ and
  /// schedule π over S (A5.1, A5.2).
  ///
  /// ```
  /// m1 = 2/μ − 2 + s/q,   η = Σ_{i∈S} π_i/q_i,   ζ = Σ_{i∈S} π_i (2 − q_i)/q_i²
  /// E[C] = m1 + η,        E[C²] = (β2 − 2β1 + 1) + 2 m1 η + ζ
  /// Δ_k = E[C]/π_k + E[C²]/(2 E[C]) − m1 − 1/q_k + 1/2
  /// S = L μ β1 / E[C]                  (exact)
  /// S_ub = L (1 + p*) / (p* E[C])      (bound: E[M] <= 1 + 1/p*)
  /// ```
  ///
  /// With `.serviceNextSlot` the slots before service are I, not I − 1: m1 = β1 and
  /// E[C²] = β2 + 2 m1 η + ζ.
  /// - Precondition: `policy.rule == .randomized` with one schedule entry per member of S.
  /// - Complexity: O(|S|).
  public static func randomized(
    _ parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy,
    assumptions: ModelAssumptions = .standard
  ) -> SubsetPerformance {
    precondition(policy.rule == .randomized, "Theorem 1 needs a randomized policy")
    precondition(policy.schedule.count == subset.count, "schedule does not match \(subset)")
    let service = subset.users.map { parameters.serviceProbabilities[$0] }
    let cycle = RandomizedCycle(
      idlePeriod(parameters, policy, assumptions: assumptions), service: service,
      schedule: policy.schedule, ordering: assumptions.slotOrdering)
    let ages = zip(policy.schedule, service).map { cycle.age(share: $0, service: $1) }
    return SubsetPerformance(
      subset: subset, ages: ages,
      samplingCost: cycle.samplingCost(parameters.samplingCost),
      samplingCostBound: cycle.samplingCostBound(parameters.samplingCost))
  }

  /// Theorems 3 and 4: the age (the same for every member of S) and sampling cost of
  /// max-age scheduling with sampling probability μ̄, which under permanent congestion is
  /// round robin over S (A5.3, A5.4; n = |S| where the paper prints N, A13.1).
  ///
  /// ```
  /// R = n β1 + Σ_{i∈S} (1 − q_i)/q_i                   (mean round length)
  /// Δ = [n (β2 − β1²) + Σ_{i∈S} (1 − q_i)/q_i²] / (2R) + (R + 1)/2
  /// S = n L μ β1 / R
  /// ```
  ///
  /// With `.serviceNextSlot`, R = n β1 + Σ_{i∈S} 1/q_i (the variance is unchanged).
  /// - Precondition: `policy.rule == .maxAge`.
  /// - Complexity: O(|S|).
  public static func maxAge(
    _ parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy,
    assumptions: ModelAssumptions = .standard
  ) -> SubsetPerformance {
    precondition(policy.rule == .maxAge, "Theorem 3 needs a max-age policy")
    let round = RoundRobinRound(
      idlePeriod(parameters, policy, assumptions: assumptions),
      service: subset.users.map { parameters.serviceProbabilities[$0] },
      ordering: assumptions.slotOrdering)
    return SubsetPerformance(
      subset: subset, ages: Array(repeating: round.age, count: subset.count),
      samplingCost: round.samplingCost(parameters.samplingCost))
  }

  /// Dispatches on the policy's rule: Theorems 1–2 or 3–4.
  public static func performance(
    _ parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy,
    assumptions: ModelAssumptions = .standard
  ) -> SubsetPerformance {
    switch policy.rule {
    case .randomized:
      return randomized(parameters, subset: subset, policy: policy, assumptions: assumptions)
    case .maxAge:
      return maxAge(parameters, subset: subset, policy: policy, assumptions: assumptions)
    }
  }

  /// The idle period of a policy's μ under the model's q and s (A3). Its law depends on the
  /// slot ordering only through the phase seen by the first sampling opportunity: with
  /// `.flipThenSample` its `busyAfterCompletionProbability` is s' = s (1 − q) + (1 − s) q,
  /// so p1*, β1, β2 and E[M] are those of that ordering (p* is unchanged); with
  /// `.serviceNextSlot` the idle period is that of A2.
  public static func idlePeriod(
    _ parameters: MachineParameters, _ policy: SubsetPolicy,
    assumptions: ModelAssumptions = .standard
  ) -> IdlePeriod {
    idlePeriod(
      parameters, samplingProbability: policy.samplingProbability,
      ordering: assumptions.slotOrdering)
  }

  static func idlePeriod(
    _ parameters: MachineParameters, samplingProbability: Double, ordering: SlotOrdering
  ) -> IdlePeriod {
    IdlePeriod(
      samplingProbability: samplingProbability, flipProbability: parameters.flipProbability,
      busyAfterCompletionProbability: ordering.busyAtFirstSample(
        busyAfterCompletion: parameters.busyAfterCompletionProbability,
        flip: parameters.flipProbability))
  }
}

/// One job cycle C = I' + B_j, j ~ π, of φ1 (A5.1): the allocation-free core of
/// Theorems 1–2, shared by the public closed forms and the optimiser. I' = I − 1 are the
/// slots before service (I with `.serviceNextSlot`).
struct RandomizedCycle {
  let idle: IdlePeriod
  /// m1 = E[I'] = β1 − 1 (β1 with `.serviceNextSlot`).
  let slotsBeforeAssignment: Double
  /// E[C] = m1 + η.
  let mean: Double
  /// E[C²] = E[I'²] + 2 m1 η + ζ.
  let secondMoment: Double

  init(_ idle: IdlePeriod, service: [Double], schedule: [Double], ordering: SlotOrdering) {
    self.idle = idle
    let serves = ordering.assignmentSlotServes
    let m1 = serves ? idle.meanSlotsBeforeAssignment : idle.meanLength
    let beforeServiceSecondMoment =
      serves ? idle.secondMoment - 2 * idle.meanLength + 1 : idle.secondMoment
    var eta = 0.0
    var zeta = 0.0
    for index in service.indices {
      let q = service[index]
      eta += schedule[index] / q
      zeta += schedule[index] * (2 - q) / (q * q)
    }
    slotsBeforeAssignment = m1
    mean = m1 + eta
    secondMoment = beforeServiceSecondMoment + 2 * m1 * eta + zeta
  }

  /// Δ_k = E[C]/π_k + E[C²]/(2E[C]) − m1 − 1/q_k + 1/2.
  func age(share: Double, service: Double) -> Double {
    mean / share + secondMoment / (2 * mean) - slotsBeforeAssignment - 1 / service + 0.5
  }

  /// S = L μ β1 / E[C].
  func samplingCost(_ cost: Double) -> Double { cost * idle.meanSampleCount / mean }

  /// S_ub = L (1 + p*) / (p* E[C]).
  func samplingCostBound(_ cost: Double) -> Double {
    let pStar = idle.freeAfterBusySampleProbability
    return cost * (1 + pStar) / (pStar * mean)
  }
}

/// One round of round robin over S (A5.3): the allocation-free core of Theorems 3–4.
struct RoundRobinRound {
  let idle: IdlePeriod
  let count: Double
  /// R = n β1 + Σ (1 − q_i)/q_i (Σ 1/q_i with `.serviceNextSlot`: one more slot per job).
  let mean: Double
  /// Var = n Var(I) + Σ (1 − q_i)/q_i².
  let variance: Double

  init(_ idle: IdlePeriod, service: [Double], ordering: SlotOrdering) {
    self.idle = idle
    count = Double(service.count)
    let overlap = ordering.assignmentSlotServes ? 1.0 : 0
    var extraMean = 0.0
    var extraVariance = 0.0
    for q in service {
      extraMean += (1 - overlap * q) / q
      extraVariance += (1 - q) / (q * q)
    }
    mean = count * idle.meanLength + extraMean
    variance = count * idle.variance + extraVariance
  }

  /// Δ = Var/(2R) + (R + 1)/2.
  var age: Double { variance / (2 * mean) + (mean + 1) / 2 }

  /// S = n L μ β1 / R.
  func samplingCost(_ cost: Double) -> Double { count * cost * idle.meanSampleCount / mean }
}
