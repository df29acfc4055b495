/// A typed model that cannot be compiled or solved. States and actions are printed with
/// `String(describing:)`, so the message names the culprit in the user's own terms
/// (docs/modeling-guide.md §4).
public enum ModelingError: Error, Equatable, Sendable, CustomStringConvertible {
  /// `initialStates` is empty.
  case noInitialState
  /// A reachable state whose `actions(in:)` is empty.
  case stateWithoutAction(state: String)
  /// An action listed twice in one state.
  case repeatedAction(state: String, action: String)
  /// A probability that is negative, above 1 or not finite.
  case invalidProbability(state: String, action: String, successor: String, value: Double)
  /// Probabilities that do not sum to 1 within `ModelCompiler.rowSumTolerance`.
  case notADistribution(state: String, action: String, sum: Double)
  /// A transition rate that is negative or not finite.
  case invalidRate(state: String, action: String, successor: String, value: Double)
  /// A cost (per stage or per unit time) that is not finite.
  case invalidCost(state: String, action: String, value: Double)
  /// More states are reachable than `stateLimit` allows: exploration stopped when it had
  /// discovered `reached` states (so the state space may be unbounded).
  case stateLimitExceeded(limit: Int, reached: Int)
  /// A `stateLimit` outside `1...ModelCompiler.maximumStateLimit`.
  case invalidStateLimit(Int)
  /// More (state, action) choices than the tabular form indexes (2³¹ − 1).
  case tooManyChoices(Int)
  /// The solver refused its settings for this model.
  case solver(SolverError)

  public var description: String {
    switch self {
    case .noInitialState:
      return "the model has no initial state"
    case .stateWithoutAction(let state):
      return "state \(state) has no action"
    case .repeatedAction(let state, let action):
      return "state \(state) lists action \(action) more than once"
    case .invalidProbability(let state, let action, let successor, let value):
      return
        "state \(state), action \(action): probability \(formatParameterValue(value)) of "
        + "successor \(successor) must be in [0, 1]"
    case .notADistribution(let state, let action, let sum):
      return
        "state \(state), action \(action): probabilities sum to \(sum), not 1 (tolerance "
        + "\(ModelCompiler.rowSumTolerance))"
    case .invalidRate(let state, let action, let successor, let value):
      return
        "state \(state), action \(action): rate \(formatParameterValue(value)) to successor "
        + "\(successor) must be finite and >= 0"
    case .invalidCost(let state, let action, let value):
      return "state \(state), action \(action): cost \(formatParameterValue(value)) must be finite"
    case .stateLimitExceeded(let limit, let reached):
      return
        "more than \(limit) states are reachable (exploration stopped at \(reached) states): "
        + "raise the state limit (at most \(ModelCompiler.maximumStateLimit)) or bound the "
        + "state space"
    case .invalidStateLimit(let limit):
      return
        "invalid value \(limit) for state limit: must be an integer in "
        + "1...\(ModelCompiler.maximumStateLimit)"
    case .tooManyChoices(let count):
      return "the model has \(count) (state, action) choices, more than \(Int32.max)"
    case .solver(let error):
      return error.description
    }
  }
}
