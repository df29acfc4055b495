import ArgumentParser
import Foundation
import OffloadLab

/// `offload modes export`: writes the compiled discounted MDP in the `offloadlab-mdp-v1`
/// format (documented in Benchmarks/peers/README.md) so that other solvers can solve the
/// very same model.
struct ModesExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write the model (post-decision form) and its certified solution as raw arrays.",
    discussion: """
      Writes DIRECTORY/model.json and little-endian arrays: transitions (CSR: row start \
      int64, columns int32, values float64) and costs per post-decision row, candidate \
      lists (start int64, rows int32) per state, (xb, xl, x1, x2) coordinates (int32) of \
      states and rows, and OffloadLab's solution: reference values (float64) and policy \
      (int32 position in the state's candidate list). model.json records the tolerance, \
      which --tolerance-mode absolute makes a certified sup-norm bound on the values. \
      --prism PREFIX writes the same MDP as PRISM explicit files in choice form instead of \
      or besides the directory (docs/model-format.md §2.5).
      """)

  @OptionGroup var model: ModesModelOptions

  @Option(help: "Directory to write (created if missing; files in it are replaced).")
  var output: String?

  @OptionGroup var prismOptions: PrismExportOptions

  func run() throws {
    guard output != nil || prismOptions.prism != nil else {
      throw ValidationError("give --output DIRECTORY, --prism PREFIX or both")
    }
    guard output != "" else {
      throw ValidationError("invalid value '' for --output: expected a directory path")
    }
    let input = try model.input()
    let specification = try input.single
    let solver = input.solver
    guard solver.criterion == .discounted else {
      throw ValidationError("export writes the discounted model; --criterion must be discounted")
    }
    if prismOptions.prism != nil {
      let compiled = try model.model(specification)
      let space = compiled.stateSpace
      let coordinates = (0..<space.stateCount).map { index -> [Int] in
        let state = space.state(at: index)
        return [state.baseQueue, state.localBusy, state.cloudSM1, state.cloudSM2]
      }
      try prismOptions.write(
        compiled.process, stateVariables: (["xb", "xl", "x1", "x2"], coordinates),
        discountFactor: compiled.discountFactor)
    }
    guard let output else { return }
    let directory = URL(fileURLWithPath: output, isDirectory: true)
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw ValidationError(
        "invalid value '\(output)' for --output: cannot create the directory "
          + "(\(error.localizedDescription))")
    }
    let compiled = try model.model(specification)
    let solution = solver.solve(compiled)
    guard solution.converged else {
      printToStandardError(
        "error: the reference solve "
          + ModesReport.notConvergedAdvice(solution.status, errorBound: solution.errorBound))
      throw notConvergedExitCode
    }
    let process = compiled.process
    let space = compiled.stateSpace
    let coordinates = (0..<space.stateCount).flatMap { index -> [Int32] in
      let state = space.state(at: index)
      return [state.baseQueue, state.localBusy, state.cloudSM1, state.cloudSM2].map { Int32($0) }
    }
    let arrays: [(key: String, file: String, bytes: Data)] = [
      (
        "transitionsRowStart", "transitions_row_start.int64",
        littleEndian(process.transitions.rowStart.map(Int64.init))
      ),
      (
        "transitionsColumns", "transitions_columns.int32",
        littleEndian(process.transitions.columnIndex)
      ),
      ("transitionsValues", "transitions_values.float64", littleEndian(process.transitions.values)),
      ("costs", "costs.float64", littleEndian(process.costs)),
      (
        "candidateStart", "candidate_start.int64",
        littleEndian(process.candidateStart.map(Int64.init))
      ),
      ("candidateRows", "candidate_rows.int32", littleEndian(process.candidateRows)),
      ("stateCoordinates", "state_coordinates.int32", littleEndian(coordinates)),
      ("rowCoordinates", "row_coordinates.int32", littleEndian(coordinates)),
      ("referenceValues", "reference_values.float64", littleEndian(solution.values)),
      (
        "referencePolicy", "reference_policy.int32",
        littleEndian(solution.policy.candidateIndices.map(Int32.init))
      ),
    ]
    for array in arrays {
      try write(
        array.bytes, toFile: directory.appendingPathComponent(array.file).path, flag: "--output")
    }
    let parameters = compiled.parameters
    let document = ExportedModelJSON(
      format: "offloadlab-mdp-v1", form: "post-decision", objective: "minimize",
      discountFactor: compiled.discountFactor,
      tolerance: solver.certifiedTolerance.threshold(
        scale: solution.values.reduce(0) { max($0, abs($1)) }),
      referenceErrorBound: solution.errorBound,
      stateCount: process.stateCount, rowCount: process.rowCount,
      nonzeroCount: process.transitions.values.count,
      parameters: .init(
        arrivalRate: parameters.arrivalRate, sm1CloudRate: parameters.sm1CloudRate,
        sm2LocalRate: parameters.sm2LocalRate, sm2CloudRate: parameters.sm2CloudRate,
        uniformizationRate: compiled.uniformizationRate, bufferLimit: space.bufferLimit,
        cloudBufferLimit: space.cloudBufferLimit),
      files: Dictionary(uniqueKeysWithValues: arrays.map { ($0.key, $0.file) }),
      provenance: input.provenance("modes export"))
    try write(
      try renderJSON(document), toFile: directory.appendingPathComponent("model.json").path,
      flag: "--output")
    printToStandardError(
      "wrote \(process.stateCount) states, \(process.rowCount) rows, "
        + "\(process.transitions.values.count) transitions to \(output)")
  }

  /// The raw bytes of `values` in little-endian order (the format's byte order).
  private func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> Data {
    values.map(\.littleEndian).withUnsafeBytes { Data($0) }
  }

  private func littleEndian(_ values: [Double]) -> Data {
    littleEndian(values.map(\.bitPattern))
  }
}

/// model.json of the `offloadlab-mdp-v1` format.
struct ExportedModelJSON: Encodable {
  struct Parameters: Encodable {
    var arrivalRate, sm1CloudRate, sm2LocalRate, sm2CloudRate, uniformizationRate: Double
    var bufferLimit, cloudBufferLimit: Int
  }
  var format, form, objective: String
  var discountFactor: Double
  /// The certified sup-norm bound every solver must meet on the values.
  var tolerance: Double
  /// The certified bound of the reference values (at most `tolerance`).
  var referenceErrorBound: Double
  var stateCount, rowCount, nonzeroCount: Int
  var parameters: Parameters
  var files: [String: String]
  /// What produced the files (docs/cli.md, "Self-describing outputs").
  var provenance: Provenance
}
