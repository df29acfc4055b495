/// A certified solution read in the model's own states and actions
/// (docs/modeling-guide.md §3). Every fact of the `CertifiedSolution` (status,
/// iterations, errorBound, gain bracket, tolerance, method...) is available directly, e.g.
/// `solution.status`, `solution.errorBound`.
@dynamicMemberLookup
public struct ModelSolution<State: Hashable, Action: Hashable> {
  /// The solution over state indices.
  public let certified: CertifiedSolution
  /// The compiled model it solves (states, actions and their indices).
  public let model: CompiledModel<State, Action>

  public subscript<Value>(dynamicMember keyPath: KeyPath<CertifiedSolution, Value>) -> Value {
    certified[keyPath: keyPath]
  }

  /// The optimal action in `state`, or nil if `state` is not reachable from the initial
  /// states.
  /// - Complexity: one hash lookup.
  public func action(in state: State) -> Action? {
    model.index(of: state).map(chosenAction)
  }

  /// V(state) (discounted) or the bias h(state) (average), or nil if `state` is not
  /// reachable from the initial states.
  public func value(of state: State) -> Double? {
    model.index(of: state).map { certified.values[$0] }
  }

  /// The policy as (state, action) pairs, in state index order.
  public var decisions: [(state: State, action: Action)] {
    model.states.indices.map { (model.states[$0], chosenAction($0)) }
  }

  private func chosenAction(_ index: Int) -> Action {
    model.actionList[model.actionStart[index] + certified.policy[index]]
  }
}

extension ModelSolution: Sendable where State: Sendable, Action: Sendable {}
