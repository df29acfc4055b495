import LinearKernels

/// One available choice of a state, for building a `DecisionProcess` from closures.
public struct Choice: Sendable {
  /// Cost of taking this choice for one stage.
  public var cost: Double
  /// Successor states with their probabilities (duplicates are summed).
  public var transitions: [(state: Int, probability: Double)]

  public init(cost: Double, transitions: [(state: Int, probability: Double)]) {
    self.cost = cost
    self.transitions = transitions
  }
}

/// A finite Markov decision process with costs, in the tabular form every solver reads.
///
/// Rows are the units a decision selects, each with a cost and a probability row over the
/// states. State s may select any row of its *candidate list*
/// `candidateRows[candidateStart[s]..<candidateStart[s+1]]`, so that
///
/// ```
/// W(y) = c(y) + γ Σ_x' P(y, x') V(x')        for every row y
/// V(x) = min over candidates y of x of W(y)
/// ```
///
/// Two forms share this representation:
/// - **choice form** (Storm, QuantEcon): rows are (state, action) pairs grouped by state,
///   candidate lists are the disjoint consecutive groups;
/// - **post-decision form** (queueing control with instantaneous assignments): rows are
///   post-decision states, and a state's candidates are the post-decision states its
///   admissible assignments reach. Candidate lists overlap, so each transition row is read
///   once per sweep however many states can reach it.
///
/// A policy is a per-state index into the state's candidate list (the *action index*);
/// ties are broken towards the lowest action index everywhere in the library.
public struct DecisionProcess: Sendable {
  public enum Form: String, Sendable { case choice, postDecision }

  public let stateCount: Int
  /// Rows x states, every row a probability distribution.
  public let transitions: CSRMatrix
  /// Per-row stage cost.
  public let costs: [Double]
  /// `stateCount + 1` offsets into `candidateRows`.
  public let candidateStart: [Int]
  /// The rows each state may select, in action-index order.
  public let candidateRows: [Int32]
  public let form: Form

  public var rowCount: Int { transitions.rowCount }

  /// The choice form from a row-grouped matrix: state s's actions are its group's rows.
  /// - Throws: `ModelError` if a row is not a distribution, a cost is not finite or a
  ///   state has no action.
  public init(choices: ChoiceMatrix, costs: [Double]) throws(ModelError) {
    guard costs.count == choices.choiceCount else {
      throw .dimensionMismatch("\(costs.count) costs for \(choices.choiceCount) choices")
    }
    try ModelValidation.checkStochastic(choices.transitions)
    try ModelValidation.checkCosts(costs)
    for state in 0..<choices.stateCount where choices.choices(of: state).isEmpty {
      throw .stateWithoutAction(state: state)
    }
    self.stateCount = choices.stateCount
    self.transitions = choices.transitions
    self.costs = costs
    self.candidateStart = choices.groupStart
    self.candidateRows = (0..<choices.choiceCount).map { Int32($0) }
    self.form = .choice
  }

  /// The post-decision form: `transitions` has one row per post-decision state, and
  /// `candidates[x]` lists the rows state x may select (action-index order).
  /// - Throws: `ModelError` for invalid rows, costs, empty or out-of-range candidates.
  public init(postDecisionTransitions transitions: CSRMatrix, costs: [Double], candidates: [[Int]])
    throws(ModelError)
  {
    var start = [0]
    var rows: [Int32] = []
    start.reserveCapacity(candidates.count + 1)
    for list in candidates {
      for row in list { rows.append(Int32(clamping: row)) }
      start.append(rows.count)
    }
    try self.init(
      postDecisionTransitions: transitions, costs: costs, candidateStart: start,
      candidateRows: rows)
  }

  /// The post-decision form from flat candidate arrays (no per-state allocation).
  public init(
    postDecisionTransitions transitions: CSRMatrix, costs: [Double], candidateStart: [Int],
    candidateRows: [Int32]
  ) throws(ModelError) {
    guard costs.count == transitions.rowCount else {
      throw .dimensionMismatch("\(costs.count) costs for \(transitions.rowCount) rows")
    }
    guard candidateStart.count == transitions.columnCount + 1, candidateStart.first == 0,
      candidateStart.last == candidateRows.count
    else {
      throw .dimensionMismatch(
        "candidateStart has \(candidateStart.count) offsets for \(transitions.columnCount) states")
    }
    try ModelValidation.checkStochastic(transitions)
    try ModelValidation.checkCosts(costs)
    try Self.checkCandidates(
      start: candidateStart, rows: candidateRows, rowCount: transitions.rowCount)
    self.stateCount = transitions.columnCount
    self.transitions = transitions
    self.costs = costs
    self.candidateStart = candidateStart
    self.candidateRows = candidateRows
    self.form = .postDecision
  }

  /// The choice form from a closure listing each state's choices.
  /// - Complexity: O(total transitions), plus the closure's own cost.
  public init(stateCount: Int, choices: (Int) throws -> [Choice]) throws(ModelError) {
    var entries: [(row: Int, state: Int, probability: Double)] = []
    var costs: [Double] = []
    var groupStart = [0]
    for state in 0..<stateCount {
      let list: [Choice]
      do { list = try choices(state) } catch {
        throw .dimensionMismatch("choices(\(state)) threw \(error)")
      }
      if list.isEmpty { throw .stateWithoutAction(state: state) }
      for choice in list {
        for (successor, probability) in choice.transitions {
          guard successor >= 0, successor < stateCount else {
            throw .stateOutOfRange(state: successor, stateCount: stateCount)
          }
          entries.append((costs.count, successor, probability))
        }
        costs.append(choice.cost)
      }
      groupStart.append(costs.count)
    }
    var builder = COOBuilder(
      rowCount: costs.count, columnCount: stateCount, reservingCapacity: entries.count)
    for entry in entries {
      builder.append(row: entry.row, column: entry.state, value: entry.probability)
    }
    try self.init(
      choices: ChoiceMatrix(transitions: builder.build(), groupStart: groupStart), costs: costs)
  }

  private static func checkCandidates(start: [Int], rows: [Int32], rowCount: Int)
    throws(ModelError)
  {
    for state in 0..<(start.count - 1) {
      guard start[state] < start[state + 1] else { throw .stateWithoutAction(state: state) }
      for k in start[state]..<start[state + 1] where rows[k] < 0 || Int(rows[k]) >= rowCount {
        throw .candidateOutOfRange(state: state, row: Int(rows[k]), rowCount: rowCount)
      }
    }
  }

  /// Number of candidates (actions) of `state`.
  public func actionCount(of state: Int) -> Int {
    candidateStart[state + 1] - candidateStart[state]
  }

  /// The row that `state` selects with action index `action`.
  public func row(state: Int, action: Int) -> Int {
    precondition(
      action >= 0 && action < actionCount(of: state),
      "action \(action) outside 0..<\(actionCount(of: state)) of state \(state)")
    return Int(candidateRows[candidateStart[state] + action])
  }

  /// The rows a policy selects, one per state.
  public func selectedRows(policy: [Int]) -> [Int] {
    precondition(
      policy.count == stateCount, "policy has \(policy.count) entries, need \(stateCount)")
    return (0..<stateCount).map { row(state: $0, action: policy[$0]) }
  }

  /// The stage costs a policy incurs, per state.
  public func costs(policy: [Int]) -> [Double] {
    selectedRows(policy: policy).map { costs[$0] }
  }

  /// The Markov chain over states that a stationary deterministic policy induces.
  /// - Complexity: O(states + transitions of the selected rows).
  public func inducedChain(policy: [Int]) -> DiscreteTimeMarkovChain {
    let rows = selectedRows(policy: policy)
    var rowStart = [0]
    rowStart.reserveCapacity(stateCount + 1)
    var columns: [Int32] = []
    var values: [Double] = []
    for row in rows {
      for k in transitions.rowStart[row]..<transitions.rowStart[row + 1] {
        columns.append(transitions.columnIndex[k])
        values.append(transitions.values[k])
      }
      rowStart.append(values.count)
    }
    let matrix = CSRMatrix(
      rowCount: stateCount, columnCount: stateCount, rowStart: rowStart, columnIndex: columns,
      values: values)
    return DiscreteTimeMarkovChain(validated: matrix)
  }
}

/// A discounted-cost MDP: a decision process and a discount factor γ in [0, 1).
///
/// Optimal values satisfy `V*(x) = min_y∈R(x) [ c(y) + γ Σ P(y,x') V*(x') ]`
/// (Puterman 2005, §6.2).
public struct DiscountedMDP: Sendable {
  public let process: DecisionProcess
  public let discountFactor: Double

  /// - Throws: `ModelError.discountOutOfRange` unless 0 <= γ < 1.
  public init(process: DecisionProcess, discountFactor: Double) throws(ModelError) {
    guard discountFactor >= 0, discountFactor < 1 else {
      throw .discountOutOfRange(discountFactor)
    }
    self.process = process
    self.discountFactor = discountFactor
  }

  public var stateCount: Int { process.stateCount }
}
