/// A stationary deterministic policy read from a CSV file (docs/model-format.md §1.5): a
/// header row with columns `state` and `action`, and one row per state giving its action
/// index (0-based position in the state's candidate list). Other columns are ignored, so
/// the `--output-values` file of `offload mdp solve` reads back as a policy.
public enum PolicyFile {
  /// Reads the action index of every state and checks it against `actionCounts`.
  /// - Throws: `ModelFileError` for a missing column, a malformed, out-of-range or
  ///   repeated state, an action outside the state's candidates, or a missing state.
  /// - Complexity: O(file size + states).
  public static func read(_ path: String, actionCounts: [Int]) throws(ModelFileError) -> [Int] {
    let file = try TextFile(path: path)
    guard let header = file.lines.first else {
      throw ModelFileError(
        .truncated, file: path, .line(1), value: "", problem: "empty policy file")
    }
    let columns = file.text(of: header).split(separator: ",", omittingEmptySubsequences: false)
      .map { $0.trimmingCharacters(in: .whitespaces) }
    guard let stateColumn = columns.firstIndex(of: "state"),
      let actionColumn = columns.firstIndex(of: "action")
    else {
      throw file.error(
        .syntax, header, file.text(of: header), "the header must have columns 'state' and 'action'")
    }
    var policy = [Int?](repeating: nil, count: actionCounts.count)
    for line in file.lines.dropFirst() {
      let cells = file.text(of: line).split(separator: ",", omittingEmptySubsequences: false)
      guard cells.count > max(stateColumn, actionColumn) else {
        throw file.error(
          .truncated, line, file.text(of: line), "expected at least \(columns.count) cells")
      }
      let stateText = cells[stateColumn].trimmingCharacters(in: .whitespaces)
      guard let state = Int(stateText), state >= 0, state < actionCounts.count else {
        throw file.error(
          .outOfRange, line, stateText, "state must be an integer in 0..<\(actionCounts.count)")
      }
      guard policy[state] == nil else {
        throw file.error(.duplicate, line, stateText, "state \(state) appears twice")
      }
      let actionText = cells[actionColumn].trimmingCharacters(in: .whitespaces)
      guard let action = Int(actionText), action >= 0, action < actionCounts[state] else {
        throw file.error(
          .outOfRange, line, actionText,
          "action of state \(state) must be an integer in 0..<\(actionCounts[state])")
      }
      policy[state] = action
    }
    if let missing = policy.firstIndex(where: { $0 == nil }) {
      throw ModelFileError(
        .countMismatch, file: path, nil, value: "\(missing)",
        problem: "state \(missing) has no action (every state needs one row)")
    }
    return policy.compactMap { $0 }
  }
}
