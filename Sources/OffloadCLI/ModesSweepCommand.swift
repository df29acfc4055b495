import ArgumentParser
import Foundation
import OffloadLab

/// `offload modes sweep`: the policy table over a range of one parameter (the paper's
/// Fig. 5), computed in parallel.
struct ModesSweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Exact delays of every policy over a range of one parameter (Fig. 5 table).",
    discussion: """
      Give one option as start:stop:step or a comma list, e.g. --load 0.05:0.95:0.05 (the \
      default, with configuration (a): the Fig. 5 setting, PLACEHOLDER values). One row per \
      value and policy, ordered by value; values run in parallel and the output does not \
      depend on the number of threads.
      """)

  @OptionGroup var model: ModesModelOptions
  @OptionGroup var thresholdPolicy: ModesThresholdOptions

  @Option(help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  @Option(help: "Worker threads (default: all cores).")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(name: .customLong("svg"), help: "Write mean delay against the swept value as an SVG chart.")
  var svgPath: String?

  /// The Fig. 5 range used when no option lists several values.
  static let defaultLoads = "0.05:0.95:0.05"

  func validate() throws {
    guard threads >= 1 else {
      throw ValidationError("invalid value \(threads) for --threads: must be an integer >= 1")
    }
    _ = try model.solver()
    for point in try sweptOptions().specifications().points {
      _ = try thresholdPolicy.thresholds(
        cloudBufferLimit: point.cloudBufferLimit ?? point.bufferLimit)
    }
  }

  /// The model options, with the Fig. 5 load range when no option lists several values.
  private func sweptOptions() throws -> ModesModelOptions {
    guard try model.specifications().sweptFlag == nil else { return model }
    guard model.load == nil && model.arrivalRate == nil else {
      throw ValidationError(
        "sweep needs one option with several values, e.g. --load 0.1:0.9:0.1 or --arrival-rate 1:5:1")
    }
    var options = model
    options.load = Self.defaultLoads
    return options
  }

  func run() throws {
    let options = try sweptOptions()
    let (flag, points) = try options.specifications()
    let sweptFlag = flag ?? "--load"
    let column = String(sweptFlag.dropFirst(2))
    let models = try points.map(options.model)
    for warning in Set(models.flatMap { $0.parameters.warnings.map(\.description) }).sorted() {
      printToStandardError(warning)
    }
    let thresholdPolicy = self.thresholdPolicy
    let results = try PolicyComparison.sweep(models, solver: try options.solver(), threads: threads) {
      model in
      // Validated in validate(), so the thresholds are well formed here.
      ((try? thresholdPolicy.policy(in: model.stateSpace)) ?? nil).map { [("threshold", $0)] } ?? []
    }
    let values = points.map(\.value)
    switch format {
    case .table, .csv:
      var table = TextTable(header: [column] + ModesDelayTable.header)
      for (value, rows) in zip(values, results) {
        for row in rows {
          table.append(
            [format == .csv ? formatNumber(value) : ModesReport.short(value)]
              + ModesDelayTable.cells(row, format: format))
        }
      }
      if format == .csv {
        print(table.renderCSV())
      } else {
        print(
          "Service-mode offloading: exact delay over \(sweptFlag) (\(options.provenance))\n"
            + table.renderText())
        print(ModesDelayTable.notes(results.flatMap { $0 }).joined(separator: "\n"))
      }
    case .json:
      print(
        try renderJSON(
          ModesSweepJSON(
            parameter: column,
            points: zip(values, zip(models, results)).map { value, pair in
              .init(
                value: value, parameters: ModesParametersJSON(pair.0),
                policies: pair.1.map(ModesPolicyJSON.init))
            })))
    }
    if let svgPath {
      let names = results.first?.map(\.name) ?? []
      let series = names.indices.map { policy in
        SVG.Series(
          name: names[policy],
          points: zip(values, results).map { ($0, $1[policy].figures.meanDelay) })
      }
      try write(
        SVG.lineChart(
          title: "Mean delay against \(column) (\(options.provenance))", xLabel: column,
          yLabel: "mean delay", series: series),
        toFile: svgPath)
    }
    try ModesDelayTable.exitIfNotConverged(results.flatMap { $0 })
  }
}

/// The JSON document of `modes sweep`.
struct ModesSweepJSON: Encodable {
  struct Point: Encodable {
    var value: Double
    var parameters: ModesParametersJSON
    var policies: [ModesPolicyJSON]
  }
  var parameter: String
  var points: [Point]
}
