import MarkovSolvers

/// How max-age breaks a tie between users of S with the same (largest) age (docs/markov-machine.md
/// §A2 step 2, A8.3; the default is the assumed rule of A0).
public enum MaxAgeTieRule: String, Sendable, Hashable, Codable, CaseIterable {
  /// The tied user with the lowest index (A2, default).
  case lowestIndex = "lowest"
  /// The tied user with the highest index.
  case highestIndex = "highest"
  /// Uniformly at random among the tied users: exact chains split the probability equally,
  /// the simulation draws with the replication's seeded generator.
  case uniform

  /// The users that max-age serves among `candidates` (increasing index) with their
  /// probabilities: one user w.p. 1, or each of the k tied users w.p. 1/k (`.uniform`).
  /// - Precondition: `candidates` is not empty.
  func choices(_ candidates: some Sequence<Int>, age: (Int) -> Int) -> [(user: Int, share: Double)]
  {
    var tied: [Int] = []
    for user in candidates {
      if tied.isEmpty || age(user) > age(tied[0]) {
        tied = [user]
      } else if age(user) == age(tied[0]) {
        tied.append(user)
      }
    }
    precondition(!tied.isEmpty, "max-age needs a candidate")
    switch self {
    case .lowestIndex: return [(tied[0], 1)]
    case .highestIndex: return [(tied[tied.count - 1], 1)]
    case .uniform: return tied.map { ($0, 1 / Double(tied.count)) }
    }
  }
}

/// Whether the server samples in a slot in which every queue is empty (docs/markov-machine.md
/// §A2.4).
///
/// Only the system with queues (the simulation of A7) can have every queue empty: under
/// permanent congestion (Theorems 1–4, the exact chains of A6 and the MDP of A10) the
/// queues never empty, so this option has no effect there.
public enum EmptySystemSampling: Sendable, Hashable, Codable {
  /// No sampling when every queue is empty; the machine just flips (A2.4, default).
  case skip
  /// The server samples w.p. `probability` in every slot with every queue empty, as in any
  /// idle slot: each sample costs L, nothing can be assigned, and the dynamics are
  /// unchanged (the flips do not depend on sampling).
  case sample(probability: Double)
}

/// The order of the events inside a slot (docs/markov-machine.md §A2). A2 argues that only
/// `.sampleThenFlip` reproduces the seed's p*, p1*, β1 and the Theorem 3/4 structures; the two
/// alternatives it rules out are offered for sensitivity analysis.
///
/// The closed forms of A3 and A5 are derived for `.sampleThenFlip`; `ClosedForms` and the
/// optimiser evaluate the other orderings by exact reductions (see each case), which the
/// tests check against the literal chains of A6 and the simulation of A7.
public enum SlotOrdering: String, Sendable, Hashable, Codable, CaseIterable {
  /// A2 (default): the sample sees the phase of the slot; a free machine serves the
  /// assigned job from this same slot; an idle slot without assignment flips at its end.
  case sampleThenFlip = "a2"
  /// The idle phase flips (w.p. q) at the start of every idle slot, before the sampling
  /// opportunity, so the first sample after a completion sees one flip. Exact reduction:
  /// A2 with s replaced by s' = s (1 − q) + (1 − s) q, the probability that the first
  /// sampled phase after a completion is busy.
  case flipThenSample = "flip-first"
  /// As A2, but a job assigned in slot t is served from slot t + 1 (the assignment slot
  /// serves nothing). Exact reduction: every cycle is one slot longer, the idle period I
  /// (and with it p*, p1*, β1, β2, E[M]) is unchanged, and the slots before service are I
  /// instead of I − 1.
  case serviceNextSlot = "service-next-slot"

  /// Whether an idle phase flips before the sampling opportunity of its slot.
  var flipsBeforeSampling: Bool { self == .flipThenSample }

  /// Whether the assignment slot is the first serving slot (A2 step 2).
  var assignmentSlotServes: Bool { self != .serviceNextSlot }

  /// P(the phase seen by the first sampling opportunity after a completion is busy):
  /// s, or s' = s (1 − q) + (1 − s) q when the flip comes first.
  func busyAtFirstSample(busyAfterCompletion s: Double, flip q: Double) -> Double {
    flipsBeforeSampling ? s * (1 - q) + (1 - s) * q : s
  }

  /// What one idle slot that starts in phase F (`startsFree`) or B leads to, with the
  /// probabilities of each outcome (A2 steps 2 and 4 in this ordering): `nil` = a sample
  /// found the machine free and a job is assigned, otherwise the idle phase (free or not)
  /// at the start of the next slot. The outcomes of `.sampleThenFlip` are listed as
  /// (stay, flip, assign), the order the chains have always used.
  func idleSlot(startsFree: Bool, flip q: Double, sampling mu: Double) -> [(
    nextFree: Bool?, probability: Double
  )] {
    let seen: [(free: Bool, probability: Double)] =
      flipsBeforeSampling ? [(startsFree, 1 - q), (!startsFree, q)] : [(startsFree, 1)]
    var outcomes: [(nextFree: Bool?, probability: Double)] = []
    for (free, weight) in seen {
      let unassigned = free ? weight * (1 - mu) : weight
      if flipsBeforeSampling {
        outcomes.append((free, unassigned))
      } else {
        outcomes.append((free, unassigned * (1 - q)))
        outcomes.append((!free, unassigned * q))
      }
      if free { outcomes.append((nil, weight * mu)) }
    }
    return outcomes
  }
}

/// The modelling assumptions that docs/markov-machine.md §A0 makes options: the max-age tie rule,
/// sampling with every queue empty (A2.4) and the slot ordering of A2. The 1/N age weight
/// and the sampling cost of (12) are the separate options `AgeWeighting` and
/// `SamplingCostKind`.
public struct ModelAssumptions: Sendable, Hashable, Codable {
  public let maxAgeTies: MaxAgeTieRule
  public let emptySystemSampling: EmptySystemSampling
  public let slotOrdering: SlotOrdering

  /// The choices of A2: ties to the lowest index, no sampling with every queue empty, the
  /// A2 slot ordering.
  public static let standard = ModelAssumptions(
    checked: .lowestIndex, .skip, .sampleThenFlip)

  /// - Throws: `ParameterError` if the sampling probability of `.sample` is outside (0, 1].
  public init(
    maxAgeTies: MaxAgeTieRule = .lowestIndex, emptySystemSampling: EmptySystemSampling = .skip,
    slotOrdering: SlotOrdering = .sampleThenFlip
  ) throws(ParameterError) {
    if case .sample(let probability) = emptySystemSampling, !(probability > 0 && probability <= 1) {
      throw .outOfRange(
        "sampling probability with every queue empty", probability, valid: "in (0, 1]")
    }
    self.init(checked: maxAgeTies, emptySystemSampling, slotOrdering)
  }

  private init(
    checked maxAgeTies: MaxAgeTieRule, _ emptySystemSampling: EmptySystemSampling,
    _ slotOrdering: SlotOrdering
  ) {
    self.maxAgeTies = maxAgeTies
    self.emptySystemSampling = emptySystemSampling
    self.slotOrdering = slotOrdering
  }
}
