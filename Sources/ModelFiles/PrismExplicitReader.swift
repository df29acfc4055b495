import Foundation
import LinearKernels
import MarkovSolvers

/// PRISM's explicit model files (docs/model-format.md §2): `PREFIX.tra` with the optional
/// `.srew`, `.trew`, `.lab` and `.sta`, in PRISM's variant (count header lines) or Storm's
/// (a model-type line first, no counts).
public enum PrismExplicit {
  /// The model types of the `.tra` file.
  public enum ModelType: String, Sendable, CaseIterable {
    case dtmc, ctmc, mdp
  }

  /// Which tool's layout a file set uses.
  public enum Variant: String, Sendable, CaseIterable {
    /// Count header lines (`n m`, `n c m`), PRISM's `.lab` syntax.
    case prism
    /// A model-type line (`mdp`) and no counts, Storm's `#DECLARATION` labels.
    case storm
  }

  /// Reads `PREFIX.tra` and whichever of `.srew`, `.trew`, `.lab`, `.sta` exist.
  ///
  /// Rewards are costs: a choice's cost is `srew(s) + Σ_t P(s,a,t) · trew(s,a,t)`, as Storm
  /// reads them (for a CTMC, `srew(s) + Σ_{t≠s} Q(s,t) · trew(s,t)` per unit time).
  /// - Parameter type: the model type when PRISM's variant cannot say it (a two-number
  ///   header is a DTMC unless `.ctmc` is given); it must agree with a Storm type line.
  /// - Throws: `ModelFileError` for the first problem in any file (§3); nothing is built
  ///   before every file is checked.
  /// - Complexity: O(transitions · log(transitions)) (entries may come in any order).
  public static func read(prefix: String, type: ModelType? = nil) throws(ModelFileError)
    -> LoadedModel
  {
    var reader = try PrismReader(prefix: prefix, type: type)
    return try reader.read()
  }
}

/// One reading of a PRISM explicit file set.
struct PrismReader {
  let prefix: String
  let tra: TextFile
  let type: PrismExplicit.ModelType
  let variant: PrismExplicit.Variant
  /// PRISM's header counts (states, choices or nil, transitions).
  let header: (states: Int, choices: Int?, transitions: Int)?
  var files: [String] = []
  var warnings: [String] = []

  init(prefix: String, type requested: PrismExplicit.ModelType?) throws(ModelFileError) {
    self.prefix = prefix
    tra = try TextFile(path: prefix + ".tra")
    guard let first = tra.lines.first else {
      throw ModelFileError(
        .truncated, file: tra.path, .line(1), value: "",
        problem: "empty transitions file: expected a count header or a model-type line")
    }
    let firstToken = tra.text(first.tokens[0])
    if let letter = firstToken.unicodeScalars.first, CharacterSet.letters.contains(letter) {
      guard first.tokens.count == 1,
        let hinted = PrismExplicit.ModelType(rawValue: firstToken.lowercased())
      else {
        throw tra.error(
          .syntax, first, tra.text(of: first),
          "model-type line must be one of dtmc, ctmc, mdp (Storm's variant)")
      }
      if let requested, requested != hinted {
        throw tra.error(
          .inconsistent, first, firstToken,
          "the file says \(hinted.rawValue), but "
            + "\(requested.rawValue) was requested")
      }
      type = hinted
      variant = .storm
      header = nil
    } else {
      try tra.requireFields(first, 2...3, layout: "states [choices] transitions")
      let states = try tra.index(first, 0, name: "state count")
      let isMDP = first.tokens.count == 3
      let choices = isMDP ? try tra.index(first, 1, name: "choice count") : nil
      let transitions = try tra.index(first, isMDP ? 2 : 1, name: "transition count")
      guard states >= 1 else {
        throw tra.error(.outOfRange, first, "0", "the state count must be at least 1")
      }
      if isMDP, let requested, requested != .mdp {
        throw tra.error(
          .inconsistent, first, tra.text(of: first),
          "a three-number header is an MDP, but \(requested.rawValue) was requested")
      }
      if !isMDP, requested == .mdp {
        throw tra.error(
          .inconsistent, first, tra.text(of: first),
          "a two-number header is a Markov chain, but mdp was requested")
      }
      type = isMDP ? .mdp : (requested ?? .dtmc)
      variant = .prism
      header = (states, choices, transitions)
    }
    files = [tra.path]
  }

  private var variantDescription: String {
    switch variant {
    case .prism:
      return "PRISM variant: count header, \(type.rawValue)"
        + (type == .ctmc ? "" : type == .dtmc ? " (a CTMC needs --prism-type ctmc)" : "")
    case .storm: return "Storm variant: model-type line '\(type.rawValue)'"
    }
  }

  /// One transition line.
  struct Entry {
    var source: Int
    var choice: Int
    var target: Int
    var value: Double
    var line: Int
    var label: Int32  // index into labelNames, -1 for none
  }

  mutating func read() throws(ModelFileError) -> LoadedModel {
    var labelNames: [String] = []
    var labelIndex: [String: Int32] = [:]
    var entries: [Entry] = []
    entries.reserveCapacity(tra.lines.count - 1)
    let isMDP = type == .mdp
    let layout = isMDP ? "source choice target probability [label]" : "source target value"
    for line in tra.lines.dropFirst() {
      try tra.requireFields(line, isMDP ? 4...5 : 3...3, layout: layout)
      let source = try tra.index(line, 0, name: "source state")
      let choice = isMDP ? try tra.index(line, 1, name: "choice index") : 0
      let target = try tra.index(line, isMDP ? 2 : 1, name: "target state")
      let value = try tra.number(line, isMDP ? 3 : 2, name: type == .ctmc ? "rate" : "probability")
      guard value >= 0 else {
        throw tra.error(
          .negative, line, tra.text(line.tokens[isMDP ? 3 : 2]),
          type == .ctmc ? "rates must be >= 0" : "probabilities must be >= 0")
      }
      if let header, source >= header.states || target >= header.states {
        let bad = source >= header.states ? source : target
        throw tra.error(
          .outOfRange, line, "\(bad)", "state outside 0..<\(header.states) (header count)")
      }
      var label: Int32 = -1
      if line.tokens.count == 5 {
        let name = tra.text(line.tokens[4])
        if let known = labelIndex[name] {
          label = known
        } else {
          label = Int32(labelNames.count)
          labelIndex[name] = label
          labelNames.append(name)
        }
      }
      entries.append(
        Entry(
          source: source, choice: choice, target: target, value: value, line: line.number,
          label: label))
    }
    let ordered = zip(entries, entries.dropFirst()).allSatisfy { previous, next in
      (previous.source, previous.choice, previous.target)
        < (next.source, next.choice, next.target)
    }
    if !ordered {
      entries.sort {
        ($0.source, $0.choice, $0.target, $0.line) < ($1.source, $1.choice, $1.target, $1.line)
      }
    }
    let stateCount =
      header?.states
      ?? (entries.reduce(0) { max($0, $1.source, $1.target) } + 1)
    guard !entries.isEmpty || type == .ctmc else {
      throw ModelFileError(
        .truncated, file: tra.path, .line(tra.lines.last?.number ?? 1), value: "",
        problem: "no transitions")
    }
    // Rows: one per (source, choice); states must have rows 0, 1, … without gaps.
    var rowStart = [0]
    var columns: [Int32] = []
    var values: [Double] = []
    var rowLines: [Int] = []
    var rowLabels: [Int32] = []
    var groupStart = [0]
    var rowSource: [Int] = []
    columns.reserveCapacity(entries.count)
    values.reserveCapacity(entries.count)
    var index = 0
    var nextState = 0
    while index < entries.count {
      let entry = entries[index]
      let isNewState = entry.source != rowSource.last
      if isNewState {
        if isMDP || type == .dtmc, entry.source > nextState {
          throw missingAction(state: nextState, near: entry.line)
        }
        while nextState < entry.source {  // CTMC states without rates: absorbing
          groupStart.append(rowStart.count - 1)
          nextState += 1
        }
      }
      let expected = isNewState ? 0 : rowLines.count - (groupStart.last ?? 0)
      guard entry.choice == expected else {
        throw orderError(
          entry,
          "choices of state \(entry.source) must be numbered 0, 1, … without gaps "
            + "(expected \(expected))")
      }
      // Collect this (source, choice) row.
      let rowLine = entry.line
      var label = entry.label
      var previousTarget = -1
      while index < entries.count, entries[index].source == entry.source,
        entries[index].choice == entry.choice
      {
        let item = entries[index]
        if item.target == previousTarget {
          throw ModelFileError(
            .duplicate, file: tra.path, .line(item.line), value: "\(item.target)",
            problem: "transition (\(item.source)\(isMDP ? ", \(item.choice)" : "") → "
              + "\(item.target)) appears twice")
        }
        if item.label != entry.label {
          throw ModelFileError(
            .inconsistent, file: tra.path, .line(item.line),
            value: item.label < 0 ? "" : labelNames[Int(item.label)],
            problem: "choice (\(item.source), \(item.choice)) has two different action labels")
        }
        previousTarget = item.target
        label = item.label
        columns.append(Int32(item.target))
        values.append(item.value)
        index += 1
      }
      rowStart.append(values.count)
      rowLines.append(rowLine)
      rowLabels.append(label)
      rowSource.append(entry.source)
      if index == entries.count || entries[index].source != entry.source {
        groupStart.append(rowStart.count - 1)
        nextState = entry.source + 1
      }
    }
    if nextState < stateCount {
      if isMDP || type == .dtmc {
        throw missingAction(state: nextState, near: tra.lines.last?.number ?? 1)
      }
      while groupStart.count < stateCount + 1 { groupStart.append(rowStart.count - 1) }
    }
    if let header {
      if let choices = header.choices, choices != rowLines.count {
        throw ModelFileError(
          .countMismatch, file: tra.path, .line(tra.lines[0].number), value: "\(choices)",
          problem: "the header says \(choices) choices, the file has \(rowLines.count)")
      }
      if header.transitions != entries.count {
        throw ModelFileError(
          .countMismatch, file: tra.path, .line(tra.lines[0].number),
          value: "\(header.transitions)",
          problem: "the header says \(header.transitions) transitions, the file has "
            + "\(entries.count)")
      }
    }
    if type != .ctmc {
      let largest = try RowChecks.normalizeProbabilities(rowStart: rowStart, values: &values) {
        row, sum in
        ModelFileError(
          .rowSum, file: tra.path, .line(rowLines[row]), value: "\(sum)",
          problem: (isMDP
            ? "choice (\(rowSource[row]), \(row - groupStart[rowSource[row]]))"
            : "state \(rowSource[row])")
            + ": probabilities sum to \(sum), not 1 within \(ModelFileLimits.rowSumTolerance)")
      }
      warnings += RowChecks.rescaleWarnings(largest, file: tra.path)
    }
    let rowCount = rowLines.count
    let matrix = CSRMatrix(
      rowCount: rowCount, columnCount: stateCount, rowStart: rowStart, columnIndex: columns,
      values: values)
    let rewards = try costs(matrix: matrix, groupStart: groupStart)
    let labels = try readLabels(stateCount: stateCount)
    let descriptions = try readStates(stateCount: stateCount)
    let source = ModelSource(format: "PRISM explicit", variant: variantDescription, files: files)
    switch type {
    case .mdp:
      let process = try RowChecks.core(tra.path) { () throws(ModelError) in
        try DecisionProcess(
          choices: ChoiceMatrix(transitions: matrix, groupStart: groupStart),
          costs: rewards?.rows ?? [Double](repeating: 0, count: rowCount))
      }
      return .mdp(
        LoadedMDP(
          dynamics: .discrete(process), form: .choice, discountFactor: nil,
          continuousDiscount: nil,
          candidateLabels: labelNames.isEmpty
            ? nil : rowLabels.map { $0 < 0 ? "" : labelNames[Int($0)] },
          stateDescriptions: descriptions, labels: labels, referenceValues: nil,
          referencePolicy: nil, source: source, warnings: warnings))
    case .dtmc, .ctmc:
      // Chain rows are per state: states without rates (CTMC) get an empty row.
      let square = squareMatrix(matrix, groupStart: groupStart, stateCount: stateCount)
      let dynamics: LoadedChain.Dynamics
      if type == .dtmc {
        dynamics = .discrete(
          try RowChecks.core(tra.path) { () throws(ModelError) in
            try DiscreteTimeMarkovChain(transitions: square)
          })
      } else {
        dynamics = .continuous(
          try RowChecks.core(tra.path) { () throws(ModelError) in
            try ContinuousTimeMarkovChain(rates: square)
          })
      }
      let stateCosts = rewards.map { rewards in
        (0..<stateCount).map { state in
          groupStart[state] < groupStart[state + 1]
            ? rewards.rows[groupStart[state]] : rewards.states[state]
        }
      }
      return .chain(
        LoadedChain(
          dynamics: dynamics, costs: stateCosts,
          stateDescriptions: descriptions, labels: labels, source: source, warnings: warnings))
    }
  }

  private func missingAction(state: Int, near line: Int) -> ModelFileError {
    ModelFileError(
      .missingAction, file: tra.path, .line(line), value: "\(state)",
      problem: "state \(state) has no transitions (every state needs at least one "
        + (type == .mdp ? "choice)" : "row)"))
  }

  private func orderError(_ entry: Entry, _ problem: String) -> ModelFileError {
    ModelFileError(
      .order, file: tra.path, .line(entry.line), value: "\(entry.choice)", problem: problem)
  }

  /// One row per state (CTMC states without rates get an empty row).
  private func squareMatrix(_ matrix: CSRMatrix, groupStart: [Int], stateCount: Int) -> CSRMatrix {
    var rowStart = [0]
    for state in 0..<stateCount {
      let rows = groupStart[state]..<groupStart[state + 1]
      rowStart.append(rows.isEmpty ? rowStart[state] : matrix.rowStart[rows.upperBound])
    }
    return CSRMatrix(
      rowCount: stateCount, columnCount: stateCount, rowStart: rowStart,
      columnIndex: matrix.columnIndex, values: matrix.values)
  }

  // MARK: rewards

  private func path(_ extension: String) -> String? {
    let path = prefix + "." + `extension`
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  /// Row costs from `.srew` and `.trew`, and the state rewards alone (for chain states
  /// without a row), or nil when neither file exists.
  private mutating func costs(matrix: CSRMatrix, groupStart: [Int])
    throws(ModelFileError) -> (rows: [Double], states: [Double])?
  {
    let stateCount = matrix.columnCount
    let stateFile = path("srew")
    let transitionFile = path("trew")
    if stateFile == nil && transitionFile == nil {
      warnings.append("no \(prefix).srew or \(prefix).trew: every cost is 0")
      return nil
    }
    var costs = [Double](repeating: 0, count: matrix.rowCount)
    var stateRewards = [Double](repeating: 0, count: stateCount)
    if let stateFile {
      let file = try TextFile(path: stateFile)
      files.append(stateFile)
      var lines = file.lines[...]
      if let first = lines.first, first.tokens.count == 2,
        try file.index(first, 0, name: "state") == stateCount
      {
        let declared = try file.index(first, 1, name: "reward count")
        guard declared == lines.count - 1 else {
          throw file.error(
            .countMismatch, first, "\(declared)",
            "the header says \(declared) state rewards, the file has \(lines.count - 1)")
        }
        lines = lines.dropFirst()
      }
      var seen = [Bool](repeating: false, count: stateCount)
      for line in lines {
        try file.requireFields(line, 2...2, layout: "state reward")
        let state = try file.index(line, 0, name: "state")
        guard state < stateCount else {
          throw file.error(.outOfRange, line, "\(state)", "state outside 0..<\(stateCount)")
        }
        guard !seen[state] else {
          throw file.error(.duplicate, line, "\(state)", "state \(state) has two state rewards")
        }
        seen[state] = true
        let reward = try file.number(line, 1, name: "state reward")
        stateRewards[state] = reward
        for row in groupStart[state]..<groupStart[state + 1] { costs[row] += reward }
      }
    }
    if let transitionFile {
      let file = try TextFile(path: transitionFile)
      files.append(transitionFile)
      let isMDP = type == .mdp
      var lines = file.lines[...]
      if let first = lines.first,
        let letter = file.text(first.tokens[0]).unicodeScalars.first,
        CharacterSet.letters.contains(letter)
      {
        lines = lines.dropFirst()  // Storm's optional model-type line
      } else if let first = lines.first, first.tokens.count == (isMDP ? 3 : 2) {
        let states = try file.index(first, 0, name: "state count")
        let declared = try file.index(first, isMDP ? 2 : 1, name: "reward count")
        let choices = isMDP ? try file.index(first, 1, name: "choice count") : matrix.rowCount
        guard states == stateCount, choices == matrix.rowCount else {
          throw file.error(
            .countMismatch, first, file.text(of: first),
            "the header must name \(stateCount) states"
              + (isMDP ? " and \(matrix.rowCount) choices" : ""))
        }
        guard declared == lines.count - 1 else {
          throw file.error(
            .countMismatch, first, "\(declared)",
            "the header says \(declared) transition rewards, the file has \(lines.count - 1)")
        }
        lines = lines.dropFirst()
      }
      var seen = Set<Int>()
      for line in lines {
        try file.requireFields(
          line, isMDP ? 4...4 : 3...3,
          layout: isMDP ? "source choice target reward" : "source target reward")
        let state = try file.index(line, 0, name: "source state")
        let choice = isMDP ? try file.index(line, 1, name: "choice index") : 0
        let target = try file.index(line, isMDP ? 2 : 1, name: "target state")
        let reward = try file.number(line, isMDP ? 3 : 2, name: "transition reward")
        guard state < stateCount, choice < groupStart[state + 1] - groupStart[state] else {
          throw file.error(
            .inconsistent, line, file.text(of: line),
            "no such \(isMDP ? "choice" : "state") in \(tra.path)")
        }
        let row = groupStart[state] + choice
        let entries = matrix.rowStart[row]..<matrix.rowStart[row + 1]
        guard let position = entries.first(where: { Int(matrix.columnIndex[$0]) == target }) else {
          throw file.error(
            .inconsistent, line, file.text(of: line), "no such transition in \(tra.path)")
        }
        guard seen.insert(position).inserted else {
          throw file.error(.duplicate, line, file.text(of: line), "transition reward given twice")
        }
        if type == .ctmc && target == state { continue }  // the diagonal rate is ignored
        costs[row] += matrix.values[position] * reward
      }
    }
    return (costs, stateRewards)
  }

  // MARK: labels and states

  private mutating func readLabels(stateCount: Int) throws(ModelFileError) -> [(
    name: String, states: [Int]
  )] {
    guard let labelPath = path("lab") else { return [] }
    let file = try TextFile(path: labelPath, keepingHashLines: true)
    files.append(labelPath)
    var names: [String] = []
    var members: [[Int]] = []
    var lines = file.lines[...]
    var seenStates = Set<Int>()
    guard let first = lines.first else { return [] }
    func state(_ line: TextFile.Line, _ token: String) throws(ModelFileError) -> Int {
      guard let value = Int(token), value >= 0, value < stateCount else {
        throw file.error(.outOfRange, line, token, "state outside 0..<\(stateCount)")
      }
      guard seenStates.insert(value).inserted else {
        throw file.error(.duplicate, line, token, "state \(value) is listed twice")
      }
      return value
    }
    if file.text(first.tokens[0]) == "#DECLARATION" {
      var declarationDone = false
      var tokens = first.tokens.dropFirst()
      lines = lines.dropFirst()
      while !declarationDone {
        for token in tokens {
          let name = file.text(token)
          if name == "#END" {
            declarationDone = true
            break
          }
          names.append(name)
        }
        if declarationDone { break }
        guard let next = lines.first else {
          throw file.error(.truncated, first, "#DECLARATION", "#END is missing")
        }
        tokens = next.tokens[...]
        lines = lines.dropFirst()
      }
      members = Array(repeating: [], count: names.count)
      for line in lines {
        let owner = try state(line, file.text(line.tokens[0]))
        for token in line.tokens.dropFirst() {
          guard let label = names.firstIndex(of: file.text(token)) else {
            throw file.error(.inconsistent, line, file.text(token), "label not declared")
          }
          members[label].append(owner)
        }
      }
    } else {
      for token in first.tokens {
        let text = file.text(token)
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, Int(parts[0]) == names.count, parts[1].count >= 2,
          parts[1].hasPrefix("\""), parts[1].hasSuffix("\"")
        else {
          throw file.error(
            .syntax, first, text, "expected label declarations 0=\"name\" 1=\"name\" …")
        }
        names.append(String(parts[1].dropFirst().dropLast()))
      }
      members = Array(repeating: [], count: names.count)
      for line in lines.dropFirst() {
        let head = file.text(line.tokens[0])
        guard head.hasSuffix(":") else {
          throw file.error(.syntax, line, head, "expected 'state: label indices'")
        }
        let owner = try state(line, String(head.dropLast()))
        for token in line.tokens.dropFirst() {
          guard let label = Int(file.text(token)), label >= 0, label < names.count else {
            throw file.error(
              .outOfRange, line, file.text(token), "label index outside 0..<\(names.count)")
          }
          members[label].append(owner)
        }
      }
    }
    return zip(names, members).map { (name: $0, states: $1) }
  }

  private mutating func readStates(stateCount: Int) throws(ModelFileError) -> [String]? {
    guard let statesPath = path("sta") else { return nil }
    let file = try TextFile(path: statesPath)
    files.append(statesPath)
    guard let first = file.lines.first else { return nil }
    let heading = file.text(of: first)
    guard heading.hasPrefix("("), heading.hasSuffix(")") else {
      throw file.error(.syntax, first, heading, "expected the variable list (v1,...,vk)")
    }
    let width = heading.split(separator: ",").count
    var descriptions = [String?](repeating: nil, count: stateCount)
    for line in file.lines.dropFirst() {
      let text = file.text(of: line)
      let parts = text.split(separator: ":", maxSplits: 1)
      guard parts.count == 2, let state = Int(parts[0]) else {
        throw file.error(.syntax, line, text, "expected 'index:(x1,...,xk)'")
      }
      guard state >= 0, state < stateCount else {
        throw file.error(.outOfRange, line, "\(state)", "state outside 0..<\(stateCount)")
      }
      guard descriptions[state] == nil else {
        throw file.error(.duplicate, line, "\(state)", "state \(state) is listed twice")
      }
      let value = String(parts[1])
      guard value.hasPrefix("("), value.hasSuffix(")"),
        value.split(separator: ",", omittingEmptySubsequences: false).count == width
      else {
        throw file.error(.syntax, line, value, "expected \(width) values (x1,...,xk)")
      }
      descriptions[state] = value
    }
    if let missing = descriptions.firstIndex(where: { $0 == nil }) {
      throw ModelFileError(
        .countMismatch, file: statesPath, nil, value: "\(missing)",
        problem: "state \(missing) is not described (every state needs a line)")
    }
    return descriptions.compactMap { $0 }
  }
}
