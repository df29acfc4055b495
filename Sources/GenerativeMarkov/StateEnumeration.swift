import LinearKernels
import MarkovSolvers

/// Limits that keep an exact enumeration bounded (spec G4.4).
public struct EnumerationLimits: Sendable, Equatable {
  /// Refuse, before allocating anything, a model whose product bound on the state count
  /// exceeds 10^this.
  public var maximumLog10StateBound: Double
  /// Stop the breadth-first search once this many states have been discovered.
  public var maximumStates: Int

  public init(maximumLog10StateBound: Double = 12, maximumStates: Int = 2_000_000) {
    self.maximumLog10StateBound = maximumLog10StateBound
    self.maximumStates = maximumStates
  }
}

/// An enumeration that was refused or stopped because the model is too large.
public enum EnumerationError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The product bound B of the state space exceeds the limit (both in log10).
  case stateBoundTooLarge(log10Bound: Double, log10Limit: Double)
  /// More reachable states than the cap.
  case tooManyStates(cap: Int)
  /// A successor row that is not a probability distribution.
  case invalidModel(ModelError)

  public var description: String {
    switch self {
    case .stateBoundTooLarge(let bound, let limit):
      return "the model is too large to enumerate: its state-space bound is 10^"
        + "\(formatParameterValue((bound * 10).rounded() / 10)) states, above the limit 10^"
        + "\(formatParameterValue(limit)); simulate it instead or use a smaller instance"
    case .tooManyStates(let cap):
      return "the model is too large to enumerate: more than \(cap) reachable states "
        + "(the cap); simulate it instead or use a smaller instance"
    case .invalidModel(let error):
      return error.description
    }
  }
}

/// The reachable part of a generative model as a sparse Markov chain.
public struct EnumeratedChain<State: Hashable>: Sendable where State: Sendable {
  /// State i of the chain; `states[0]` is the initial state.
  public let states: [State]
  public let chain: DiscreteTimeMarkovChain
  public var transitionCount: Int { chain.transitions.nonzeroCount }

  @usableFromInline
  init(states: [State], chain: DiscreteTimeMarkovChain) {
    self.states = states
    self.chain = chain
  }
}

/// The reachable part of a controlled generative model as a choice-form decision process.
public struct EnumeratedDecisionProcess<State: Hashable, Action>: Sendable
where State: Sendable, Action: Sendable {
  public let states: [State]
  /// The actions of each state, in row order (`process.row(state:action:)`).
  public let actions: [[Action]]
  public let process: DecisionProcess
  public var transitionCount: Int { process.transitions.nonzeroCount }

  @usableFromInline
  init(states: [State], actions: [[Action]], process: DecisionProcess) {
    self.states = states
    self.actions = actions
    self.process = process
  }
}

/// Breadth-first enumeration of the states reachable from an initial state, assembled into
/// the core's sparse chain or choice-form decision process (spec G1.7, G7;
/// docs/collaborative-inference.md §3).
public enum StateEnumeration {
  /// The reachable chain. States are numbered in discovery order, rows hold the merged
  /// successor probabilities (columns sorted).
  ///
  /// - Parameter log10StateBound: log10 of a product bound on the state count, checked
  ///   against the limit before anything is allocated.
  /// - Throws: `EnumerationError` if the bound or the state cap is exceeded, or a row is not
  ///   stochastic within 1e-12.
  /// - Complexity: O(states × cost of `successors` + transitions · log(row length)).
  @inlinable
  public static func chain<State: Hashable & Sendable>(
    from initial: State, log10StateBound: Double, limits: EnumerationLimits = .init(),
    successors: (State) -> [(state: State, probability: Double)]
  ) throws(EnumerationError) -> EnumeratedChain<State> {
    guard log10StateBound <= limits.maximumLog10StateBound else {
      throw .stateBoundTooLarge(
        log10Bound: log10StateBound, log10Limit: limits.maximumLog10StateBound)
    }
    var builder = RowBuilder(initial: initial, cap: limits.maximumStates)
    var position = 0
    while position < builder.states.count {
      try builder.appendRow(successors(builder.states[position]))
      position += 1
    }
    let matrix = builder.matrix(rowCount: builder.states.count)
    do {
      return EnumeratedChain(
        states: builder.states, chain: try DiscreteTimeMarkovChain(transitions: matrix))
    } catch { throw .invalidModel(error) }
  }

  /// The reachable choice-form decision process: the states reachable under any action
  /// sequence, one row per (state, action) with cost `cost(state)` (spec G9).
  /// - Throws: as `chain`, plus `invalidModel` for a state without action.
  @inlinable
  public static func decisionProcess<State: Hashable & Sendable, Action: Sendable>(
    from initial: State, log10StateBound: Double, limits: EnumerationLimits = .init(),
    actions: (State) -> [Action],
    successors: (State, Action) -> [(state: State, probability: Double)],
    cost: (State) -> Double
  ) throws(EnumerationError) -> EnumeratedDecisionProcess<State, Action> {
    guard log10StateBound <= limits.maximumLog10StateBound else {
      throw .stateBoundTooLarge(
        log10Bound: log10StateBound, log10Limit: limits.maximumLog10StateBound)
    }
    var builder = RowBuilder(initial: initial, cap: limits.maximumStates)
    var groupStart = [0]
    var costs: [Double] = []
    var allActions: [[Action]] = []
    var position = 0
    while position < builder.states.count {
      let state = builder.states[position]
      let list = actions(state)
      guard !list.isEmpty else { throw .invalidModel(.stateWithoutAction(state: position)) }
      let stageCost = cost(state)
      for action in list {
        try builder.appendRow(successors(state, action))
        costs.append(stageCost)
      }
      allActions.append(list)
      groupStart.append(costs.count)
      position += 1
    }
    let matrix = builder.matrix(rowCount: costs.count)
    do {
      let process = try DecisionProcess(
        choices: ChoiceMatrix(transitions: matrix, groupStart: groupStart), costs: costs)
      return EnumeratedDecisionProcess(
        states: builder.states, actions: allActions, process: process)
    } catch { throw .invalidModel(error) }
  }
}

/// Discovers states and appends CSR rows whose columns are state indices.
@usableFromInline
struct RowBuilder<State: Hashable> {
  @usableFromInline var states: [State]
  @usableFromInline var index: [State: Int32]
  @usableFromInline let cap: Int
  @usableFromInline var rowStart = [0]
  @usableFromInline var columns: [Int32] = []
  @usableFromInline var values: [Double] = []
  /// Reused between rows.
  @usableFromInline var entries: [(column: Int32, value: Double)] = []

  @inlinable
  init(initial: State, cap: Int) {
    states = [initial]
    index = [initial: 0]
    self.cap = cap
  }

  @inlinable
  mutating func appendRow(_ row: [(state: State, probability: Double)]) throws(EnumerationError) {
    entries.removeAll(keepingCapacity: true)
    for (state, probability) in row where probability > 0 {
      let column: Int32
      if let known = index[state] {
        column = known
      } else {
        guard states.count < cap else { throw .tooManyStates(cap: cap) }
        column = Int32(states.count)
        index[state] = column
        states.append(state)
      }
      entries.append((column, probability))
    }
    entries.sort { $0.column < $1.column }
    let rowBegin = values.count
    for entry in entries {
      if values.count > rowBegin, columns[columns.count - 1] == entry.column {
        values[values.count - 1] += entry.value
      } else {
        columns.append(entry.column)
        values.append(entry.value)
      }
    }
    rowStart.append(values.count)
  }

  @inlinable
  func matrix(rowCount: Int) -> CSRMatrix {
    CSRMatrix(
      rowCount: rowCount, columnCount: states.count, rowStart: rowStart, columnIndex: columns,
      values: values)
  }
}
