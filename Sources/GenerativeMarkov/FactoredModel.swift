import MarkovSolvers

/// Which time step a parent value is read from (spec G1.2): `.previous` is X_{t-1},
/// `.current` is X_t (already computed earlier in the topological order).
public enum Lag: Int, Sendable, Hashable {
  case current = 0
  case previous = 1
}

/// A parent of a variable factor: a variable name and a lag.
public struct ParentLink: Sendable, Hashable {
  public let variable: String
  public let lag: Lag

  public init(_ variable: String, lag: Lag) {
    self.variable = variable
    self.lag = lag
  }
}

/// The factor of one variable X^j (Definition 2.2 of the generative Markov framework): its
/// parent set and one element factor per element e (Definition 2.3),
///
/// ```
/// P(X^j_t | Pa(X^j)) = Π_{e ∈ E_j} P(X^j_{t,e} | scope_j(e))
/// ```
///
/// `update(e, previous, &next, &source)` writes element e of X^j_t into `next`, reading
/// lag-1 parents from `previous` and lag-0 parents from `next`, and taking every random
/// choice from `source`. The same closure therefore defines both the exact element
/// distribution and the sampler (see `ElementFactor`). Spec G1.2–G1.3;
/// docs/collaborative-inference.md §1.
public struct VariableFactor<State>: Sendable {
  public typealias Update =
    @Sendable (
      _ element: Int, _ previous: State, _ next: inout State, _ source: inout OutcomeSource
    ) -> Void

  public let name: String
  public let parents: [ParentLink]
  /// |E_j|, the number of elements (users, nodes, user × item pairs, …).
  public let elementCount: Int
  /// Element factors, evaluated for e = 0, 1, …, elementCount − 1 in that order.
  public let update: Update

  public init(name: String, parents: [ParentLink], elementCount: Int, update: @escaping Update) {
    self.name = name
    self.parents = parents
    self.elementCount = elementCount
    self.update = update
  }

  /// The element factor of element `element`.
  public func element(_ element: Int) -> ElementFactor<State> {
    precondition(
      element >= 0 && element < elementCount,
      "element \(element) outside 0..<\(elementCount) of variable \(name)")
    return ElementFactor(factor: self, element: element)
  }
}

/// One element factor P(X^j_{t,e} | scope_j(e)) with its two methods (spec G1.3).
public struct ElementFactor<State>: Sendable {
  public let factor: VariableFactor<State>
  public let element: Int

  /// The exact distribution of the partial next state after this element is written:
  /// finite support, probabilities > 0 summing to 1 (up to round-off).
  /// - Complexity: O(branch leaves × cost of the factor).
  public func distribution(previous: State, next: State) -> [(value: State, probability: Double)]
  where State: Hashable {
    OutcomeSource.enumerate { source in
      var partial = next
      factor.update(element, previous, &partial, &source)
      return partial
    }
  }

  /// One draw from exactly that distribution.
  public func sample(previous: State, next: State, using generator: SplitMix64) -> State {
    var partial = next
    var source = OutcomeSource(sampling: generator)
    factor.update(element, previous, &partial, &source)
    return partial
  }
}

/// A variable factor graph whose lag-0 parent graph is not acyclic, or is malformed.
public enum FactoredModelError: Error, Equatable, Sendable, CustomStringConvertible {
  case duplicateVariable(String)
  case unknownParent(variable: String, parent: String)
  /// The variables of one lag-0 cycle, in parent → child order, first repeated at the end.
  case cycle([String])

  public var description: String {
    switch self {
    case .duplicateVariable(let name):
      return "variable '\(name)' is declared twice"
    case .unknownParent(let variable, let parent):
      return "variable '\(variable)' names an undeclared parent '\(parent)'"
    case .cycle(let names):
      return "the lag-0 parents form a cycle: \(names.joined(separator: " -> ")); "
        + "give one of these links lag 1"
    }
  }
}

/// A generative Markov model: variables with elements, one factor per variable, evaluated in
/// a validated topological order (spec G1.1–G1.4, docs/collaborative-inference.md §1).
///
/// ```
/// P(s_t | s_{t-1}) = Π_j Π_{e ∈ E_j} P(X^j_{t,e} | scope_j(e))     (order ≺ of the lag-0 graph)
/// ```
///
/// The order is computed once by Kahn's algorithm (ties by declaration order). `finish`
/// projects a completed step onto the stored state (it clears auxiliary variables that are
/// recomputed every step, such as actions and consumption).
public struct FactoredModel<State: Hashable>: Sendable {
  public let factors: [VariableFactor<State>]
  /// Indices into `factors`, parents (lag 0) before children.
  public let order: [Int]
  public let finish: @Sendable (inout State) -> Void

  /// - Throws: `FactoredModelError` for a duplicate name, an undeclared parent or a lag-0
  ///   cycle (the error names the cycle).
  /// - Complexity: O(variables + parent links).
  public init(
    factors: [VariableFactor<State>], finish: @escaping @Sendable (inout State) -> Void = { _ in }
  ) throws(FactoredModelError) {
    self.factors = factors
    self.finish = finish
    self.order = try Self.topologicalOrder(factors)
  }

  static func topologicalOrder(_ factors: [VariableFactor<State>]) throws(FactoredModelError)
    -> [Int]
  {
    var index: [String: Int] = [:]
    for (position, factor) in factors.enumerated() {
      guard index[factor.name] == nil else { throw .duplicateVariable(factor.name) }
      index[factor.name] = position
    }
    var currentParents = [[Int]](repeating: [], count: factors.count)
    var children = [[Int]](repeating: [], count: factors.count)
    for (position, factor) in factors.enumerated() {
      for parent in factor.parents {
        guard let source = index[parent.variable] else {
          throw .unknownParent(variable: factor.name, parent: parent.variable)
        }
        if parent.lag == .current, !currentParents[position].contains(source) {
          currentParents[position].append(source)
          children[source].append(position)
        }
      }
    }
    var remaining = currentParents.map(\.count)
    var placed = [Bool](repeating: false, count: factors.count)
    var order: [Int] = []
    while order.count < factors.count {
      // Kahn's algorithm, lowest declaration index first among the ready variables.
      guard let next = remaining.indices.first(where: { !placed[$0] && remaining[$0] == 0 })
      else {
        throw .cycle(Self.cycle(currentParents, placed: placed).map { factors[$0].name })
      }
      placed[next] = true
      order.append(next)
      for child in children[next] { remaining[child] -= 1 }
    }
    return order
  }

  /// A cycle among the unplaced variables: follow unplaced lag-0 parents until a repeat.
  private static func cycle(_ parents: [[Int]], placed: [Bool]) -> [Int] {
    guard var node = placed.indices.first(where: { !placed[$0] }) else { return [] }
    var visited: [Int] = []
    while !visited.contains(node) {
      visited.append(node)
      guard let parent = parents[node].first(where: { !placed[$0] }) else { break }
      node = parent
    }
    let start = visited.firstIndex(of: node) ?? 0
    let loop = Array(visited[start...]).reversed()
    return Array(loop) + [loop.first ?? node]
  }

  /// One step `s_{t-1} → s_t`: every element factor sampled in topological order, element
  /// e of variable j from its own stream (kind j, element e, counter `time`), so the draw
  /// does not depend on the evaluation order of other elements (spec G1.5). `observe` sees
  /// the completed step before `finish`.
  /// - Complexity: O(Σ_j |E_j| × cost of an element factor).
  public func sampleStep(
    from state: State, streams: RandomStreams, time: UInt64, observe: ((State) -> Void)? = nil
  ) -> State {
    var next = state
    for variable in order {
      let factor = factors[variable]
      for element in 0..<factor.elementCount {
        var source = OutcomeSource(
          sampling: streams.generator(
            kind: UInt64(variable), element: UInt64(element), counter: time))
        factor.update(element, state, &next, &source)
      }
    }
    observe?(next)
    finish(&next)
    return next
  }

  /// The exact successor distribution of `state`, expanded element by element in the
  /// same order as `sampleStep` (spec G7.1). Partial states are not merged while the step
  /// is expanded (they still carry the step's auxiliary variables, which almost always
  /// differ); equal successors are merged once, after `finish`. `observe` sees every
  /// completed partial state before `finish` with its probability (for expectations of
  /// auxiliary variables over the step, spec G8.3).
  /// - Complexity: O(branch leaves × Σ_elements cost of a factor), plus one hash per leaf.
  @inlinable
  public func transitionDistribution(
    from state: State, observe: ((State, Double) -> Void)? = nil
  ) -> [(state: State, probability: Double)] {
    var partials: [(state: State, probability: Double)] = [(state, 1)]
    var expanded: [(state: State, probability: Double)] = []
    for variable in order {
      let update = factors[variable].update
      for element in 0..<factors[variable].elementCount {
        expanded.removeAll(keepingCapacity: true)
        for (partial, probability) in partials {
          OutcomeSource.forEachOutcome { source in
            var next = partial
            update(element, state, &next, &source)
            return next
          } _: { next, branchProbability in
            expanded.append((next, probability * branchProbability))
          }
        }
        swap(&partials, &expanded)
      }
    }
    var result: [(state: State, probability: Double)] = []
    var slot: [State: Int] = [:]
    slot.reserveCapacity(partials.count)
    for (partial, probability) in partials {
      observe?(partial, probability)
      var stored = partial
      finish(&stored)
      if let position = slot[stored] {
        result[position].probability += probability
      } else {
        slot[stored] = result.count
        result.append((stored, probability))
      }
    }
    return result
  }
}
