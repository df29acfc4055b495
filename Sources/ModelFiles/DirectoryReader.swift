import Foundation
import LinearKernels
import MarkovSolvers

/// Reads one model directory: `model.json` first, then each array, checking every entry
/// before the core types are built (docs/model-format.md §1).
struct DirectoryReader {
  let directory: String
  let jsonPath: String
  let document: [String: Any]
  let version: Int
  private var warnings: [String] = []
  private var readFiles: [String] = []

  init(directory: String) throws(ModelFileError) {
    self.directory = directory
    jsonPath = URL(fileURLWithPath: directory).appendingPathComponent("model.json").path
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: jsonPath)) } catch {
      throw ModelFileError(
        .unreadable, file: jsonPath, nil, value: jsonPath,
        problem: "cannot read model.json of the model directory")
    }
    guard let object = try? JSONSerialization.jsonObject(with: data),
      let document = object as? [String: Any]
    else {
      throw ModelFileError(
        data.contains(0) ? .binaryContent : .syntax, file: jsonPath, nil,
        value: String(decoding: data.prefix(40), as: UTF8.self),
        problem: "not a JSON object")
    }
    self.document = document
    let format = document["format"] as? String ?? ""
    switch format {
    case ModelDirectory.format: version = 2
    case ModelDirectory.formatVersion1: version = 1
    default:
      throw ModelFileError(
        .syntax, file: jsonPath, nil, value: format,
        problem:
          "key 'format' must be '\(ModelDirectory.format)' or '\(ModelDirectory.formatVersion1)'")
    }
    readFiles = [jsonPath]
  }

  // MARK: model.json fields

  private func string(_ key: String, default value: String?, allowed: [String])
    throws(ModelFileError) -> String
  {
    guard let raw = document[key] else {
      guard let value else { throw missing(key, "one of \(allowed.joined(separator: ", "))") }
      return value
    }
    guard let text = raw as? String, allowed.contains(text) else {
      throw ModelFileError(
        .syntax, file: jsonPath, nil, value: "\(raw)",
        problem: "key '\(key)' must be one of \(allowed.map { "'\($0)'" }.joined(separator: ", "))")
    }
    return text
  }

  private func count(_ key: String, minimum: Int) throws(ModelFileError) -> Int {
    guard let raw = document[key] else { throw missing(key, "an integer >= \(minimum)") }
    guard let number = raw as? NSNumber, let value = Int(exactly: number.doubleValue),
      value >= minimum, value <= ModelFileLimits.maximumCount
    else {
      throw ModelFileError(
        .outOfRange, file: jsonPath, nil, value: "\(raw)",
        problem:
          "key '\(key)' must be an integer in \(minimum)...\(ModelFileLimits.maximumCount)")
    }
    return value
  }

  private func optionalNumber(_ key: String, valid: String, _ isValid: (Double) -> Bool)
    throws(ModelFileError) -> Double?
  {
    guard let raw = document[key] else { return nil }
    guard let number = raw as? NSNumber, isValid(number.doubleValue) else {
      throw ModelFileError(
        .outOfRange, file: jsonPath, nil, value: "\(raw)", problem: "key '\(key)' must be \(valid)")
    }
    return number.doubleValue
  }

  private func missing(_ key: String, _ expected: String) -> ModelFileError {
    ModelFileError(
      .syntax, file: jsonPath, nil, value: "", problem: "key '\(key)' is missing (\(expected))")
  }

  // MARK: arrays

  private func path(_ key: String) -> String {
    let name =
      (document["files"] as? [String: Any])?[key] as? String
      ?? ModelDirectory.arrays[key]?.file ?? key
    return URL(fileURLWithPath: directory).appendingPathComponent(name).path
  }

  private func exists(_ key: String) -> Bool {
    FileManager.default.fileExists(atPath: path(key))
  }

  /// The raw little-endian array `key`, which must have exactly `count` entries.
  private mutating func raw(_ key: String, count: Int) throws(ModelFileError) -> Data {
    guard let type = ModelDirectory.arrays[key]?.type else {
      preconditionFailure("unknown array key \(key)")
    }
    let file = path(key)
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: file), options: .mappedIfSafe) } catch {
      throw ModelFileError(
        .unreadable, file: file, nil, value: file, problem: "cannot read array '\(key)'")
    }
    guard data.count == count * type.size else {
      throw ModelFileError(
        .truncated, file: file, nil, value: "\(data.count) bytes",
        problem:
          "array '\(key)' must hold \(count) \(type.name) entries (\(count * type.size) bytes), "
          + "as the counts in model.json imply")
    }
    readFiles.append(file)
    return data
  }

  private mutating func int64(_ key: String, count: Int) throws(ModelFileError) -> [Int] {
    let data = try raw(key, count: count)
    return data.withUnsafeBytes { buffer in
      (0..<count).map {
        Int(Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)))
      }
    }
  }

  private mutating func int32(_ key: String, count: Int) throws(ModelFileError) -> [Int32] {
    let data = try raw(key, count: count)
    return data.withUnsafeBytes { buffer in
      (0..<count).map {
        Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))
      }
    }
  }

  private mutating func float64(_ key: String, count: Int) throws(ModelFileError) -> [Double] {
    let data = try raw(key, count: count)
    return data.withUnsafeBytes { buffer in
      (0..<count).map {
        Double(
          bitPattern: UInt64(
            littleEndian: buffer.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
      }
    }
  }

  private func entryError(
    _ kind: ModelFileError.Kind, _ key: String, _ entry: Int, _ value: String, _ problem: String
  ) -> ModelFileError {
    ModelFileError(kind, file: path(key), .entry(entry), value: value, problem: problem)
  }

  /// Checks that `offsets` starts at 0, ends at `end` and never decreases (strictly
  /// increases when `strict`, with `.missingAction` naming the empty group).
  private func checkOffsets(_ offsets: [Int], key: String, end: Int, strict: Bool)
    throws(ModelFileError)
  {
    guard offsets.first == 0 else {
      throw entryError(.order, key, 0, "\(offsets.first ?? -1)", "offsets must start at 0")
    }
    for index in 1..<offsets.count where offsets[index] <= offsets[index - 1] {
      if offsets[index] == offsets[index - 1] {
        guard strict else { continue }
        throw entryError(
          .missingAction, key, index - 1, "\(offsets[index])",
          "state \(index - 1) has no action (empty candidate list)")
      }
      throw entryError(
        .order, key, index, "\(offsets[index])",
        "offsets must not decrease (previous \(offsets[index - 1]))")
    }
    guard offsets.last == end else {
      throw entryError(
        .countMismatch, key, offsets.count - 1, "\(offsets.last ?? -1)",
        "the last offset must be \(end)")
    }
  }

  // MARK: the model

  mutating func read() throws(ModelFileError) -> LoadedModel {
    let kind = version == 1 ? "mdp" : try string("kind", default: "mdp", allowed: ["mdp", "chain"])
    let time =
      ModelTime(
        rawValue: version == 1
          ? "discrete"
          : try string("time", default: "discrete", allowed: ["discrete", "continuous"]))
      ?? .discrete
    if let objective = document["objective"], objective as? String != "minimize" {
      throw ModelFileError(
        .syntax, file: jsonPath, nil, value: "\(objective)",
        problem: "key 'objective' must be 'minimize' (costs are minimised)")
    }
    let stateCount = try count("stateCount", minimum: 1)
    let rowCount = try count("rowCount", minimum: 1)
    let nonzeroCount = try count("nonzeroCount", minimum: 0)
    let rowStart = try int64("transitionsRowStart", count: rowCount + 1)
    try checkOffsets(rowStart, key: "transitionsRowStart", end: nonzeroCount, strict: false)
    let columns = try int32("transitionsColumns", count: nonzeroCount)
    var values = try float64("transitionsValues", count: nonzeroCount)
    try checkEntries(rowStart: rowStart, columns: columns, values: values, stateCount: stateCount)
    if time == .discrete {
      let largest = try RowChecks.normalizeProbabilities(rowStart: rowStart, values: &values) {
        row, sum in
        entryError(
          .rowSum, "transitionsValues", rowStart[row], "\(sum)",
          "row \(row) sums to \(sum), not 1 within \(ModelFileLimits.rowSumTolerance)")
      }
      warnings += RowChecks.rescaleWarnings(largest, file: path("transitionsValues"))
    }
    let matrix = CSRMatrix(
      rowCount: rowCount, columnCount: stateCount, rowStart: rowStart, columnIndex: columns,
      values: values)
    let source = ModelSource(
      format: version == 1 ? ModelDirectory.formatVersion1 : ModelDirectory.format,
      variant: "\(kind), \(time.rawValue) time", files: readFiles)
    if kind == "chain" {
      return .chain(try chain(matrix, time: time, source: source))
    }
    return .mdp(try mdp(matrix, time: time))
  }

  private func checkEntries(rowStart: [Int], columns: [Int32], values: [Double], stateCount: Int)
    throws(ModelFileError)
  {
    for row in 0..<(rowStart.count - 1) {
      var previous = -1
      for k in rowStart[row]..<rowStart[row + 1] {
        let column = Int(columns[k])
        guard column >= 0, column < stateCount else {
          throw entryError(
            .outOfRange, "transitionsColumns", k, "\(column)",
            "row \(row): target state outside 0..<\(stateCount)")
        }
        guard column > previous else {
          throw entryError(
            column == previous ? .duplicate : .order, "transitionsColumns", k, "\(column)",
            "row \(row): columns must be strictly ascending within a row "
              + (column == previous ? "(duplicate entry)" : "(previous \(previous))"))
        }
        previous = column
        let value = values[k]
        guard value.isFinite else {
          throw entryError(
            .notFinite, "transitionsValues", k, "\(value)", "row \(row): value must be finite")
        }
        guard value >= 0 else {
          throw entryError(
            .negative, "transitionsValues", k, "\(value)",
            "row \(row): probabilities and rates must be >= 0")
        }
      }
    }
  }

  private mutating func finiteArray(_ key: String, count: Int) throws(ModelFileError) -> [Double] {
    let values = try float64(key, count: count)
    if let bad = values.firstIndex(where: { !$0.isFinite }) {
      throw entryError(.notFinite, key, bad, "\(values[bad])", "'\(key)' entries must be finite")
    }
    return values
  }

  private mutating func indexArray(_ key: String, count: Int, bound: Int, what: String)
    throws(ModelFileError) -> [Int32]
  {
    let values = try int32(key, count: count)
    if let bad = values.firstIndex(where: { $0 < 0 || Int($0) >= bound }) {
      throw entryError(.outOfRange, key, bad, "\(values[bad])", "\(what) outside 0..<\(bound)")
    }
    return values
  }

  private mutating func chain(_ matrix: CSRMatrix, time: ModelTime, source: ModelSource)
    throws(ModelFileError) -> LoadedChain
  {
    guard matrix.rowCount == matrix.columnCount else {
      throw ModelFileError(
        .countMismatch, file: jsonPath, nil, value: "\(matrix.rowCount)",
        problem: "a chain has one row per state: rowCount must equal stateCount "
          + "(\(matrix.columnCount))")
    }
    let costs = exists("costs") ? try finiteArray("costs", count: matrix.rowCount) : nil
    let dynamics: LoadedChain.Dynamics
    switch time {
    case .discrete:
      dynamics = .discrete(
        try RowChecks.core(directory) { () throws(ModelError) in
          try DiscreteTimeMarkovChain(transitions: matrix)
        })
    case .continuous:
      dynamics = .continuous(
        try RowChecks.core(directory) { () throws(ModelError) in
          try ContinuousTimeMarkovChain(rates: matrix)
        })
    }
    return LoadedChain(
      dynamics: dynamics, costs: costs, stateDescriptions: try coordinates(matrix.columnCount),
      labels: [], source: sourceWithFiles(source), warnings: warnings)
  }

  private func sourceWithFiles(_ source: ModelSource) -> ModelSource {
    ModelSource(format: source.format, variant: source.variant, files: readFiles)
  }

  private mutating func mdp(_ matrix: CSRMatrix, time: ModelTime) throws(ModelFileError)
    -> LoadedMDP
  {
    let stateCount = matrix.columnCount
    let rowCount = matrix.rowCount
    let formName =
      version == 1
      ? "post-decision" : try string("form", default: nil, allowed: ["choice", "post-decision"])
    let form: DecisionProcess.Form = formName == "choice" ? .choice : .postDecision
    let costs = try finiteArray("costs", count: rowCount)
    let candidateStart = try int64("candidateStart", count: stateCount + 1)
    guard candidateStart.last.map({ $0 >= 0 && $0 <= ModelFileLimits.maximumCount }) ?? false else {
      throw entryError(
        .outOfRange, "candidateStart", stateCount, "\(candidateStart.last ?? -1)",
        "the candidate count must be in 0...\(ModelFileLimits.maximumCount)")
    }
    let candidateCount = candidateStart[stateCount]
    try checkOffsets(
      candidateStart, key: "candidateStart", end: form == .choice ? rowCount : candidateCount,
      strict: true)
    let candidateRows =
      form == .choice
      ? (0..<rowCount).map { Int32($0) }
      : try indexArray("candidateRows", count: candidateCount, bound: rowCount, what: "row")
    var homeStates: [Int32] = []
    if time == .continuous {
      if form == .choice {
        homeStates = [Int32](repeating: 0, count: rowCount)
        for state in 0..<stateCount {
          for row in candidateStart[state]..<candidateStart[state + 1] {
            homeStates[row] = Int32(state)
          }
        }
      } else {
        homeStates = try indexArray(
          "homeStates", count: rowCount, bound: stateCount, what: "home state")
      }
    }
    let referenceValues =
      exists("referenceValues") ? try finiteArray("referenceValues", count: stateCount) : nil
    var referencePolicy: [Int]?
    if exists("referencePolicy") {
      let policy = try int32("referencePolicy", count: stateCount)
      for state in 0..<stateCount
      where policy[state] < 0
        || Int(policy[state]) >= candidateStart[state + 1] - candidateStart[state]
      {
        throw entryError(
          .outOfRange, "referencePolicy", state, "\(policy[state])",
          "action index outside 0..<\(candidateStart[state + 1] - candidateStart[state])")
      }
      referencePolicy = policy.map { Int($0) }
    }
    let discountFactor = try optionalNumber("discountFactor", valid: "in [0, 1)") {
      $0 >= 0 && $0 < 1
    }
    let continuousDiscount = try optionalNumber("continuousDiscount", valid: "finite and > 0") {
      $0 > 0 && $0.isFinite
    }
    let dynamics: LoadedMDP.Dynamics
    let directory = self.directory
    switch (time, form) {
    case (.discrete, .choice):
      dynamics = .discrete(
        try RowChecks.core(directory) { () throws(ModelError) in
          try DecisionProcess(
            choices: ChoiceMatrix(transitions: matrix, groupStart: candidateStart), costs: costs)
        })
    case (.discrete, .postDecision):
      dynamics = .discrete(
        try RowChecks.core(directory) { () throws(ModelError) in
          try DecisionProcess(
            postDecisionTransitions: matrix, costs: costs, candidateStart: candidateStart,
            candidateRows: candidateRows)
        })
    case (.continuous, _):
      dynamics = .continuous(
        try RowChecks.core(directory) { () throws(ModelError) in
          try ContinuousTimeMDP(
            rates: matrix, costRates: costs, homeState: homeStates,
            candidateStart: candidateStart, candidateRows: candidateRows)
        })
    }
    return LoadedMDP(
      dynamics: dynamics, form: form, discountFactor: discountFactor,
      continuousDiscount: continuousDiscount, candidateLabels: nil,
      stateDescriptions: try coordinates(stateCount), labels: [],
      referenceValues: referenceValues, referencePolicy: referencePolicy,
      source: ModelSource(
        format: version == 1 ? ModelDirectory.formatVersion1 : ModelDirectory.format,
        variant: "mdp, \(formName) form, \(time.rawValue) time", files: readFiles),
      warnings: warnings)
  }

  /// `(x1,...,xk)` per state from `stateCoordinates`, if present (required in v1).
  private mutating func coordinates(_ stateCount: Int) throws(ModelFileError) -> [String]? {
    let names = document["coordinateNames"] as? [String]
    let width = version == 1 ? 4 : names?.count
    guard version == 1 || exists("stateCoordinates"), let width, width > 0 else { return nil }
    guard stateCount <= ModelFileLimits.maximumCount / width else {
      throw ModelFileError(
        .outOfRange, file: jsonPath, nil, value: "\(width)",
        problem: "too many coordinates per state for \(stateCount) states")
    }
    let values = try int32("stateCoordinates", count: width * stateCount)
    return (0..<stateCount).map { state in
      "("
        + values[(width * state)..<(width * state + width)].map(String.init).joined(separator: ",")
        + ")"
    }
  }
}
