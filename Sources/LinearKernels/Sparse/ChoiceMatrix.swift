/// The transition structure of a nondeterministic model in row-grouped CSR form (as in
/// Storm and QuantEcon's state-action-pair form): each row is a (state, action) *choice*,
/// and the choices of state s are the consecutive rows `groupStart[s]..<groupStart[s+1]`.
///
/// A Bellman step is one sparse product over all choices followed by a minimum within each
/// group; states with different numbers of actions need no padding.
public struct ChoiceMatrix: Equatable, Sendable {
  /// Rows = choices, columns = states.
  public let transitions: CSRMatrix
  /// `stateCount + 1` offsets into the rows; group s is `groupStart[s]..<groupStart[s+1]`.
  public let groupStart: [Int]

  public var stateCount: Int { groupStart.count - 1 }
  public var choiceCount: Int { transitions.rowCount }

  public init(transitions: CSRMatrix, groupStart: [Int]) {
    precondition(
      groupStart.first == 0 && groupStart.last == transitions.rowCount,
      "groupStart must run from 0 to the row count \(transitions.rowCount)")
    precondition(
      transitions.columnCount == groupStart.count - 1,
      "columns (\(transitions.columnCount)) must equal the state count (\(groupStart.count - 1))")
    self.transitions = transitions
    self.groupStart = groupStart
  }

  /// The rows (choices) of state `state`.
  public func choices(of state: Int) -> Range<Int> { groupStart[state]..<groupStart[state + 1] }
}
