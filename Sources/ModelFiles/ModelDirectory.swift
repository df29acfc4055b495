import Foundation
import LinearKernels
import MarkovSolvers

/// Reader and writer of the OffloadLab model directory: `model.json` plus raw
/// little-endian arrays (docs/model-format.md §1). Reads `offloadlab-mdp-v2` (MDPs in
/// choice or post-decision form, discrete or continuous time, and chains) and
/// `offloadlab-mdp-v1` (the post-decision discrete export of earlier versions).
public enum ModelDirectory {
  public static let format = "offloadlab-mdp-v2"
  public static let formatVersion1 = "offloadlab-mdp-v1"

  /// Array key → (default file name, element type).
  static let arrays: [String: (file: String, type: ElementType)] = [
    "transitionsRowStart": ("transitions_row_start.int64", .int64),
    "transitionsColumns": ("transitions_columns.int32", .int32),
    "transitionsValues": ("transitions_values.float64", .float64),
    "costs": ("costs.float64", .float64),
    "candidateStart": ("candidate_start.int64", .int64),
    "candidateRows": ("candidate_rows.int32", .int32),
    "homeStates": ("home_states.int32", .int32),
    "stateCoordinates": ("state_coordinates.int32", .int32),
    "rowCoordinates": ("row_coordinates.int32", .int32),
    "referenceValues": ("reference_values.float64", .float64),
    "referencePolicy": ("reference_policy.int32", .int32),
  ]

  enum ElementType: Int {
    case int32 = 4
    case int64 = 8
    case float64 = 80  // 8 bytes; distinct raw value

    var size: Int { self == .int32 ? 4 : 8 }
    var name: String {
      switch self {
      case .int32: return "int32"
      case .int64: return "int64"
      case .float64: return "float64"
      }
    }
  }

  // MARK: Reading

  /// Reads and validates a model directory.
  /// - Throws: `ModelFileError` naming `model.json` or the array file, the entry and the
  ///   value of the first problem (docs/model-format.md §3); nothing is built before the
  ///   whole model is checked.
  /// - Complexity: O(states + rows + transitions).
  public static func read(_ directory: String) throws(ModelFileError) -> LoadedModel {
    var reader = try DirectoryReader(directory: directory)
    return try reader.read()
  }

  // MARK: Writing

  /// Writes a discrete-time MDP (choice or post-decision form, as `process.form`).
  /// - Parameter discountFactor: γ stored as the model's default, if any.
  public static func write(
    _ process: DecisionProcess, discountFactor: Double? = nil, to directory: String
  ) throws(ModelFileError) {
    var contents = DirectoryContents(kind: "mdp", time: .discrete, form: process.form)
    contents.setTransitions(process.transitions)
    contents.add("costs", float64: process.costs)
    contents.add("candidateStart", int64: process.candidateStart)
    if process.form == .postDecision {
      contents.add("candidateRows", int32: process.candidateRows)
    }
    contents.metadata["discountFactor"] = discountFactor
    try contents.write(to: directory)
  }

  /// Writes a continuous-time MDP; choice form when its rows are consecutive per state and
  /// each row's home state is its own state, post-decision form otherwise.
  public static func write(
    _ model: ContinuousTimeMDP, continuousDiscount: Double? = nil, to directory: String
  ) throws(ModelFileError) {
    let isChoiceForm =
      model.candidateStart.last == model.rates.rowCount
      && model.candidateRows.enumerated().allSatisfy { $0.offset == Int($0.element) }
      && (0..<model.stateCount).allSatisfy { state in
        (model.candidateStart[state]..<model.candidateStart[state + 1]).allSatisfy {
          Int(model.homeState[$0]) == state
        }
      }
    var contents = DirectoryContents(
      kind: "mdp", time: .continuous, form: isChoiceForm ? .choice : .postDecision)
    contents.setTransitions(model.rates)
    contents.add("costs", float64: model.costRates)
    contents.add("candidateStart", int64: model.candidateStart)
    if !isChoiceForm {
      contents.add("candidateRows", int32: model.candidateRows)
      contents.add("homeStates", int32: model.homeState)
    }
    contents.metadata["continuousDiscount"] = continuousDiscount
    try contents.write(to: directory)
  }

  /// Writes a chain: `transitions` holds probabilities (`.discrete`) or rates
  /// (`.continuous`); `costs` (per state) is optional.
  public static func writeChain(
    _ transitions: CSRMatrix, time: ModelTime, costs: [Double]? = nil, to directory: String
  ) throws(ModelFileError) {
    var contents = DirectoryContents(kind: "chain", time: time, form: nil)
    contents.setTransitions(transitions)
    if let costs { contents.add("costs", float64: costs) }
    try contents.write(to: directory)
  }
}

/// The files of one directory being written.
struct DirectoryContents {
  var metadata: [String: Any]
  var files: [(key: String, data: Data)] = []

  init(kind: String, time: ModelTime, form: DecisionProcess.Form?) {
    metadata = [
      "format": ModelDirectory.format, "kind": kind, "time": time.rawValue,
      "objective": "minimize",
    ]
    if let form { metadata["form"] = form == .choice ? "choice" : "post-decision" }
  }

  mutating func setTransitions(_ matrix: CSRMatrix) {
    metadata["stateCount"] = matrix.columnCount
    metadata["rowCount"] = matrix.rowCount
    metadata["nonzeroCount"] = matrix.nonzeroCount
    add("transitionsRowStart", int64: matrix.rowStart)
    add("transitionsColumns", int32: matrix.columnIndex)
    add("transitionsValues", float64: matrix.values)
  }

  mutating func add(_ key: String, int64 values: [Int]) {
    files.append((key, Self.bytes(values.map { Int64($0).littleEndian })))
  }

  mutating func add(_ key: String, int32 values: [Int32]) {
    files.append((key, Self.bytes(values.map(\.littleEndian))))
  }

  mutating func add(_ key: String, float64 values: [Double]) {
    files.append((key, Self.bytes(values.map(\.bitPattern.littleEndian))))
  }

  private static func bytes<T>(_ values: [T]) -> Data {
    values.withUnsafeBytes { Data($0) }
  }

  func write(to directory: String) throws(ModelFileError) {
    let folder = URL(fileURLWithPath: directory, isDirectory: true)
    var names: [String: String] = [:]
    do {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      for file in files {
        guard let name = ModelDirectory.arrays[file.key]?.file else { continue }
        names[file.key] = name
        try file.data.write(to: folder.appendingPathComponent(name), options: .atomic)
      }
      var document = metadata
      document["files"] = names
      let json = try JSONSerialization.data(
        withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
      try json.write(to: folder.appendingPathComponent("model.json"), options: .atomic)
    } catch {
      throw ModelFileError(
        .unreadable, file: directory, nil, value: directory,
        problem: "cannot write the model directory (\(error.localizedDescription))")
    }
  }
}
