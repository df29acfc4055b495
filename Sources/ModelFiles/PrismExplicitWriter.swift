import Foundation
import MarkovSolvers

extension PrismExplicit {
  /// Writes a discrete-time MDP as PRISM explicit files in choice form
  /// (docs/model-format.md §2.5): `PREFIX.tra`, `PREFIX.trew` (each choice's cost on each
  /// of its transitions, so PRISM's per-choice reading and Storm's expected-reward reading
  /// give the same cost), `PREFIX.lab` (`init` on `initialState`) and, with
  /// `stateVariables`, `PREFIX.sta`.
  ///
  /// A post-decision process is written in choice form: state s's choice k is its k-th
  /// candidate row, so choice indices equal the library's action indices. Zero
  /// probabilities are left out. Numbers are written in their shortest round-trip form.
  /// - Parameters:
  ///   - stateVariables: variable names and one value tuple per state, for `.sta`.
  /// - Throws: `ModelFileError.unreadable` if a file cannot be written.
  /// - Complexity: O(states + candidates · transitions per row).
  public static func write(
    _ process: DecisionProcess, prefix: String, variant: Variant = .prism,
    initialState: Int = 0, stateVariables: (names: [String], values: [[Int]])? = nil
  ) throws(ModelFileError) {
    precondition(
      initialState >= 0 && initialState < process.stateCount,
      "initial state \(initialState) outside 0..<\(process.stateCount)")
    let p = process.transitions
    var transitions = ""
    var rewards = ""
    var transitionCount = 0
    var rewardCount = 0
    for state in 0..<process.stateCount {
      for action in 0..<process.actionCount(of: state) {
        let row = process.row(state: state, action: action)
        let cost = process.costs[row]
        for k in p.rowStart[row]..<p.rowStart[row + 1] where p.values[k] > 0 {
          let target = p.columnIndex[k]
          transitions += "\(state) \(action) \(target) \(p.values[k])\n"
          transitionCount += 1
          if cost != 0 {
            rewards += "\(state) \(action) \(target) \(cost)\n"
            rewardCount += 1
          }
        }
      }
    }
    let choiceCount = process.candidateStart[process.stateCount]
    let traHeader: String
    let trewHeader: String
    let labels: String
    switch variant {
    case .prism:
      traHeader = "\(process.stateCount) \(choiceCount) \(transitionCount)\n"
      trewHeader = "# Costs to minimise\n\(process.stateCount) \(choiceCount) \(rewardCount)\n"
      labels = "0=\"init\"\n\(initialState): 0\n"
    case .storm:
      traHeader = "mdp\n"
      trewHeader = ""
      labels = "#DECLARATION\ninit\n#END\n\(initialState) init\n"
    }
    try save(traHeader + transitions, prefix + ".tra")
    try save(trewHeader + rewards, prefix + ".trew")
    try save(labels, prefix + ".lab")
    if let stateVariables {
      precondition(
        stateVariables.values.count == process.stateCount,
        "\(stateVariables.values.count) state tuples for \(process.stateCount) states")
      var text = "(" + stateVariables.names.joined(separator: ",") + ")\n"
      for (state, values) in stateVariables.values.enumerated() {
        text += "\(state):(" + values.map(String.init).joined(separator: ",") + ")\n"
      }
      try save(text, prefix + ".sta")
    }
  }

  private static func save(_ text: String, _ path: String) throws(ModelFileError) {
    do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
      throw ModelFileError(
        .unreadable, file: path, nil, value: path,
        problem: "cannot write the file (\(error.localizedDescription))")
    }
  }
}
