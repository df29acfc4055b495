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
  private enum Mode {
    case sampling
    case enumerating
  }

  private let mode: Mode
  private var generator: SplitMix64
  /// Enumeration: the branch taken at each draw of the current path, with the options
  /// (nonzero branch indices and probabilities) available there.
  private var path: [(taken: Int, options: [(index: Int, probability: Double)])] = []
  private var position = 0
  private var pathProbability = 1.0

  /// A sampling source drawing from `generator`.
  public init(sampling generator: SplitMix64) {
    self.mode = .sampling
    self.generator = generator
  }

  private init(enumeratingAlong path: [(taken: Int, options: [(index: Int, probability: Double)])])
  {
    self.mode = .enumerating
    self.generator = SplitMix64(seed: 0)
    self.path = path
  }

  /// A uniform draw in `[0, 1)` (sampling mode only: continuous draws cannot be enumerated).
  public mutating func unitInterval() -> Double {
    precondition(mode == .sampling, "a continuous draw cannot be enumerated")
    return generator.nextUnitInterval()
  }

  /// `true` with probability `p` (p ≤ 0: never, p ≥ 1: always, no branch point).
  public mutating func bernoulli(_ p: Double) -> Bool {
    if p <= 0 { return false }
    if p >= 1 { return true }
    switch mode {
    case .sampling:
      return generator.nextUnitInterval() < p
    case .enumerating:
      return branch([(0, p), (1, 1 - p)]) == 0
    }
  }

  /// A uniform index in `0..<count` (count ≥ 1; count 1 is not a branch point).
  public mutating func uniformIndex(_ count: Int) -> Int {
    precondition(count >= 1, "uniformIndex needs count >= 1, got \(count)")
    if count == 1 { return 0 }
    switch mode {
    case .sampling:
      return min(Int(generator.nextUnitInterval() * Double(count)), count - 1)
    case .enumerating:
      let p = 1 / Double(count)
      return branch((0..<count).map { ($0, p) })
    }
  }

  /// An index drawn from `probabilities` (non-negative, summing to 1; zero entries are
  /// never drawn).
  public mutating func categorical(_ probabilities: [Double]) -> Int {
    switch mode {
    case .sampling:
      return Self.categoricalIndex(probabilities, uniform: generator.nextUnitInterval())
    case .enumerating:
      let options = probabilities.enumerated().filter { $0.element > 0 }.map {
        (index: $0.offset, probability: $0.element)
      }
      precondition(!options.isEmpty, "categorical draw without a positive probability")
      return options.count == 1 ? options[0].index : branch(options)
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

  private mutating func branch(_ options: [(index: Int, probability: Double)]) -> Int {
    if position == path.count { path.append((0, options)) }
    let taken = path[position].taken
    position += 1
    let option = path[position - 1].options[taken]
    pathProbability *= option.probability
    return option.index
  }

  /// Every outcome of `body` with its probability, by depth-first replay of its branch
  /// points. Equal outcomes are merged (first-seen order is kept, so the result is
  /// deterministic).
  ///
  /// - Complexity: O(leaves × cost of `body`); the body must be a deterministic function
  ///   of its draws.
  public static func enumerate<Value: Hashable>(_ body: (inout OutcomeSource) -> Value)
    -> [(value: Value, probability: Double)]
  {
    var outcomes: [(value: Value, probability: Double)] = []
    var slot: [Value: Int] = [:]
    var path: [(taken: Int, options: [(index: Int, probability: Double)])] = []
    while true {
      var source = OutcomeSource(enumeratingAlong: path)
      let value = body(&source)
      if let index = slot[value] {
        outcomes[index].probability += source.pathProbability
      } else {
        slot[value] = outcomes.count
        outcomes.append((value, source.pathProbability))
      }
      path = source.path
      // Backtrack to the deepest branch point with an untried option.
      while let last = path.last, last.taken + 1 == last.options.count { path.removeLast() }
      guard !path.isEmpty else { return outcomes }
      path[path.count - 1].taken += 1
    }
  }
}
