import MarkovSolvers

/// The randomness an element factor consumes, in one of two modes (docs/collaborative-inference.md
/// §1, spec G1.3–G1.4):
///
/// - **sampling**: every draw is taken from a seeded generator (`sample`);
/// - **enumerating**: every draw is a branch point; `OutcomeSource.enumerate` replays the
///   factor once per leaf of its branch tree (depth-first, zero-probability branches skipped)
///   and returns each leaf's value with the product of its branch probabilities.
///
/// A factor written once against this type therefore has a `distribution` and a `sample`
/// that agree by construction: the sampler picks branch b with the probability the
/// enumerator attaches to b.
public struct OutcomeSource {
  @usableFromInline
  enum Mode {
    case sampling
    case enumerating
  }

  /// One branch point of the current enumeration path: the option taken and the number of
  /// options (nonzero-probability branches). The body is deterministic, so a replay reads
  /// the options' probabilities again from its own draw; nothing else is stored.
  @usableFromInline
  struct BranchPoint {
    @usableFromInline var taken = 0
    @usableFromInline let count: Int

    @inlinable
    init(count: Int) { self.count = count }
  }

  @usableFromInline let mode: Mode
  @usableFromInline var generator: SplitMix64
  /// Enumeration: the branch points of the current path, replayed in order.
  @usableFromInline var path: [BranchPoint] = []
  @usableFromInline var position = 0
  @usableFromInline var pathProbability = 1.0

  /// A sampling source drawing from `generator`.
  public init(sampling generator: SplitMix64) {
    self.mode = .sampling
    self.generator = generator
  }

  @inlinable
  init(enumerating: Void) {
    self.mode = .enumerating
    self.generator = SplitMix64(seed: 0)
  }

  /// A uniform draw in `[0, 1)` (sampling mode only: continuous draws cannot be enumerated).
  public mutating func unitInterval() -> Double {
    precondition(mode == .sampling, "a continuous draw cannot be enumerated")
    return generator.nextUnitInterval()
  }

  /// `true` with probability `p` (p ≤ 0: never, p ≥ 1: always, no branch point).
  @inlinable
  public mutating func bernoulli(_ p: Double) -> Bool {
    if p <= 0 { return false }
    if p >= 1 { return true }
    switch mode {
    case .sampling:
      return generator.nextUnitInterval() < p
    case .enumerating:
      let taken = branch(BranchPoint(count: 2))
      pathProbability *= taken == 0 ? p : 1 - p
      return taken == 0
    }
  }

  /// A uniform index in `0..<count` (count ≥ 1; count 1 is not a branch point).
  @inlinable
  public mutating func uniformIndex(_ count: Int) -> Int {
    precondition(count >= 1, "uniformIndex needs count >= 1, got \(count)")
    if count == 1 { return 0 }
    switch mode {
    case .sampling:
      return min(Int(generator.nextUnitInterval() * Double(count)), count - 1)
    case .enumerating:
      let taken = branch(BranchPoint(count: count))
      pathProbability /= Double(count)
      return taken
    }
  }

  /// An index drawn from `probabilities` (non-negative, summing to 1; zero entries are
  /// never drawn).
  @inlinable
  public mutating func categorical(_ probabilities: [Double]) -> Int {
    switch mode {
    case .sampling:
      return Self.categoricalIndex(probabilities, uniform: generator.nextUnitInterval())
    case .enumerating:
      var positive = 0
      var only = 0
      for (index, weight) in probabilities.enumerated() where weight > 0 {
        positive += 1
        only = index
      }
      precondition(positive > 0, "categorical draw without a positive probability")
      if positive == 1 { return only }
      var rank = branch(BranchPoint(count: positive))
      for (index, weight) in probabilities.enumerated() where weight > 0 {
        if rank == 0 {
          pathProbability *= weight
          return index
        }
        rank -= 1
      }
      preconditionFailure("branch rank beyond the positive weights")
    }
  }

  /// Inverse-CDF draw: the first index whose cumulative weight exceeds `u` (zero weights
  /// are never drawn; `u` beyond the total gives the last positive index).
  /// - Parameter u: a uniform draw scaled to the total weight, in [0, Σ weights).
  public static func categoricalIndex(_ weights: [Double], uniform u: Double) -> Int {
    var rest = u
    var last = 0
    for (index, weight) in weights.enumerated() where weight > 0 {
      if rest < weight { return index }
      rest -= weight
      last = index
    }
    return last
  }

  /// The option taken at the next branch point of the path (a new point takes option 0).
  @inlinable
  mutating func branch(_ point: BranchPoint) -> Int {
    if position == path.count { path.append(point) }
    position += 1
    return path[position - 1].taken
  }

  /// Every leaf of `body`'s branch tree with its probability, in depth-first order,
  /// without merging equal values (the caller merges where it needs to).
  ///
  /// - Complexity: O(leaves × cost of `body`); the body must be a deterministic function
  ///   of its draws. No allocation besides the path (one entry per branch depth).
  @inlinable
  public static func forEachOutcome<Value>(
    _ body: (inout OutcomeSource) -> Value, _ visit: (Value, Double) -> Void
  ) {
    var source = OutcomeSource(enumerating: ())
    while true {
      source.position = 0
      source.pathProbability = 1
      let value = body(&source)
      visit(value, source.pathProbability)
      // Backtrack to the deepest branch point with an untried option.
      while let last = source.path.last, last.taken + 1 == last.count {
        source.path.removeLast()
      }
      guard !source.path.isEmpty else { return }
      source.path[source.path.count - 1].taken += 1
    }
  }

  /// Every outcome of `body` with its probability, by depth-first replay of its branch
  /// points. Equal outcomes are merged (first-seen order is kept, so the result is
  /// deterministic).
  ///
  /// - Complexity: O(leaves × cost of `body`); the body must be a deterministic function
  ///   of its draws.
  @inlinable
  public static func enumerate<Value: Hashable>(_ body: (inout OutcomeSource) -> Value)
    -> [(value: Value, probability: Double)]
  {
    var outcomes: [(value: Value, probability: Double)] = []
    var slot: [Value: Int] = [:]
    forEachOutcome(body) { value, probability in
      if let index = slot[value] {
        outcomes[index].probability += probability
      } else {
        slot[value] = outcomes.count
        outcomes.append((value, probability))
      }
    }
    return outcomes
  }
}
