/// A finite decision model with typed states and actions, explored from its initial states
/// (docs/modeling-guide.md §1). Refined by `DiscreteTimeModel` (probabilities, cost per
/// stage) and `ContinuousTimeModel` (rates, cost per unit time).
///
/// Only the states reachable from `initialStates` under some sequence of actions are
/// compiled; their order is the breadth-first discovery order, which also numbers them in
/// the tabular model. Every function must be deterministic (the same state gives the same
/// actions and outcomes each time it is asked).
public protocol DecisionModel {
  associatedtype State: Hashable
  associatedtype Action: Hashable

  /// Where exploration starts (at least one; repeats are ignored).
  var initialStates: [State] { get }

  /// The actions available in `state`, in the order that numbers them (at least one, no
  /// repeats). The solvers break ties towards the first listed action.
  func actions(in state: State) -> [Action]

  /// Explores and compiles the model; `DiscreteTimeModel` and `ContinuousTimeModel`
  /// provide it.
  func compile(stateLimit: Int) throws(ModelingError) -> CompiledModel<State, Action>
}

extension DecisionModel {
  /// Compiles the model and solves it with `solver`: criterion `.discounted(factor:)` or
  /// `.average` (per stage) for a discrete-time model, `.continuousDiscounted(rate:)` or
  /// `.average` (per unit time) for a continuous-time one.
  /// - Throws: `ModelingError`, including `.solver` for a setting the solver rejects.
  public func solve(_ solver: MDPSolver, stateLimit: Int = ModelCompiler.defaultStateLimit)
    throws(ModelingError) -> ModelSolution<State, Action>
  {
    let compiled = try compile(stateLimit: stateLimit)
    do { return try compiled.solve(solver) } catch { throw .solver(error) }
  }
}

/// A discrete-time MDP with typed states and actions:
///
/// ```
/// V*(x) = min_{a ∈ actions(x)} [ cost(x, a) + γ Σ_{(x', p) ∈ transitions(x, a)} p V*(x') ]
/// ```
///
/// Compiled with `compile(stateLimit:)` into a choice-form `DecisionProcess` and solved
/// through `MDPSolver` with `solve(_:stateLimit:)`.
public protocol DiscreteTimeModel: DecisionModel {
  /// The successors of taking `action` in `state` with their probabilities: non-negative,
  /// summing to 1 within 1e-9 (the row is then rescaled to sum to 1 exactly); repeated
  /// successors are summed, zero-probability ones are not explored.
  func transitions(from state: State, taking action: Action) -> [(State, Double)]

  /// The finite cost of one stage in `state` under `action` (negative: a reward).
  func cost(in state: State, taking action: Action) -> Double
}

/// A continuous-time MDP with typed states and actions: in `state` under `action` the
/// model leaves for x' at rate `q(x, a, x')` and accrues cost at rate `costRate(x, a)`.
/// It is uniformized for the user at a rate Λ >= the largest exit rate (chosen by
/// `MDPSolver.uniformizationRate`, reported in the solution).
public protocol ContinuousTimeModel: DecisionModel {
  /// The transition rates out of `state` under `action`: finite and non-negative; repeated
  /// successors are summed, zero rates are not explored, a rate into `state` itself is
  /// ignored (it changes nothing).
  func rates(from state: State, taking action: Action) -> [(State, Double)]

  /// The finite cost per unit time in `state` under `action`.
  func costRate(in state: State, taking action: Action) -> Double
}

extension DiscreteTimeModel {
  /// Explores the states reachable from `initialStates` and compiles them into a
  /// choice-form `DecisionProcess` (one row per (state, action), in discovery order).
  /// - Parameter stateLimit: the most states to discover, in 1...`ModelCompiler.maximumStateLimit`.
  /// - Throws: `ModelingError` naming the state (and action) at fault, or the state count
  ///   reached when the limit is exceeded.
  /// - Complexity: O(choices · (successors · log successors)) plus one hash per successor.
  public func compile(stateLimit: Int = ModelCompiler.defaultStateLimit) throws(ModelingError)
    -> CompiledModel<State, Action>
  {
    try ModelCompiler.explore(
      self, stateLimit: stateLimit, kind: .probabilities, outcomes: transitions, cost: cost)
  }
}

extension ContinuousTimeModel {
  /// Explores the states reachable from `initialStates` and compiles them into a
  /// choice-form `ContinuousTimeMDP`.
  /// - Parameter stateLimit: the most states to discover, in 1...`ModelCompiler.maximumStateLimit`.
  /// - Throws: `ModelingError` naming the state (and action) at fault.
  /// - Complexity: as for `DiscreteTimeModel.compile(stateLimit:)`.
  public func compile(stateLimit: Int = ModelCompiler.defaultStateLimit) throws(ModelingError)
    -> CompiledModel<State, Action>
  {
    try ModelCompiler.explore(
      self, stateLimit: stateLimit, kind: .rates, outcomes: rates, cost: costRate)
  }
}
