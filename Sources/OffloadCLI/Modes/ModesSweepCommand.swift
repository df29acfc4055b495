import ArgumentParser
import Foundation
import OffloadLab

/// `offload modes sweep`: the policy table over a range of one parameter (the paper's
/// Fig. 5), computed in parallel, optionally one shard of it.
struct ModesSweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Exact delays of every policy over a range of one parameter (Fig. 5 table).",
    discussion: """
      Give one option as start:stop:step or a comma list, e.g. --load 0.05:0.95:0.05 (the \
      default, with configuration (a): the Fig. 5 setting, PLACEHOLDER values). Values are \
      swept in increasing order. One row per value and policy: the optimal policy under \
      --criterion (named optimal for discounted, optimal-average for average), \
      offload-only, non-idling, and threshold if --cloud-busy-thresholds is given.

      Warm starts: the values, in sweep order, are cut into chains of --warm-start-chain L \
      consecutive values (chain c = positions cL ... cL + L - 1 of the full sweep). In a \
      chain each optimal-policy solve starts from the previous value's solution (same B and \
      B2; otherwise from zero), and a chain's first value from zero; L = 1 solves every \
      value from scratch. One job computes a whole chain, chains run in parallel, so every \
      value always gets the same solves and the output is bitwise the same whatever --jobs \
      and --shard (it can depend on L, within the solver's certified bound).

      --shard i/n computes only the chains c with c mod n = i - 1 (round robin, so slow \
      high-load chains are spread over the shards); the shards 1/n ... n/n together are \
      exactly the full sweep, and 'offload merge' joins their CSV files into the CSV of the \
      unsharded run, byte for byte. Give every shard the same --warm-start-chain.

      Progress: once a run has taken 2 seconds, one line per finished value goes to \
      stderr (stdout stays clean); shorter runs print none.
      """)

  @OptionGroup var model: ModesModelOptions
  @OptionGroup var thresholdPolicy: ModesThresholdOptions

  @Option(help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  @Option(
    name: [.customLong("jobs"), .customLong("threads")],
    parsing: .unconditional,
    help: "Values computed in parallel, integer >= 1 (default: all cores); --threads is an alias.")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(
    parsing: .unconditional, help: "Compute only shard i of n (1 <= i <= n), e.g. 2/4; see below.")
  var shard: String?

  @Option(
    parsing: .unconditional,
    help: "Values per warm-start chain, integer >= 1 (1: each value from scratch).")
  var warmStartChain = Self.defaultWarmStartChain

  @Option(
    name: .customLong("svg"), help: "Write mean delay against the swept value as an SVG chart.")
  var svgPath: String?

  /// The Fig. 5 range used when no option lists several values.
  static let defaultLoads = "0.05:0.95:0.05"

  /// The default chain length. On the Fig. 5 sweep (19 loads, B = 50) warm starts cut the
  /// solver sweeps from 4116 (L = 1) to 3822 (L = 3), 3696 (L = 4) and 3633 (L = 19), but
  /// on 2 jobs L >= 4 leaves the heavy high-load chain last on one core: fastest of 8 runs
  /// 0.66 s at L = 1, 0.57 s at L = 3, 0.77 s at L = 4 (B = 100: 4.5 s, 4.0 s, 5.2 s).
  static let defaultWarmStartChain = 3

  /// Seconds after which progress lines are printed.
  static let progressAfter = Duration.seconds(2)

  func validate() throws {
    guard jobs >= 1 else {
      throw ValidationError("invalid value \(jobs) for --jobs: must be an integer >= 1")
    }
    guard warmStartChain >= 1 else {
      throw ValidationError(
        "invalid value \(warmStartChain) for --warm-start-chain: must be an integer >= 1")
    }
    _ = try shardPosition()
    _ = try model.solver()
    for point in try sweptOptions().specifications().points {
      _ = try thresholdPolicy.thresholds(
        cloudBufferLimit: point.cloudBufferLimit ?? point.bufferLimit)
    }
  }

  /// `(i - 1, n)` of `--shard i/n`; `(0, 1)` without it.
  private func shardPosition() throws -> (index: Int, count: Int) {
    guard let shard else { return (0, 1) }
    let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
      (1...count).contains(index)
    else {
      throw ValidationError(
        "invalid value '\(shard)' for --shard: expected i/n with integers 1 <= i <= n")
    }
    return (index - 1, count)
  }

  /// The model options, with the Fig. 5 load range when no option lists several values.
  private func sweptOptions() throws -> ModesModelOptions {
    guard try model.specifications().sweptFlag == nil else { return model }
    guard model.load == nil && model.arrivalRate == nil else {
      throw ValidationError(
        "sweep needs one option with several values, e.g. --load 0.1:0.9:0.1 or --arrival-rate 1:5:1"
      )
    }
    var options = model
    options.load = Self.defaultLoads
    return options
  }

  func run() throws {
    let options = try sweptOptions()
    let (flag, allPoints) = try options.specifications()
    let shard = try shardPosition()
    let points = PolicyComparison.shardPositions(
      count: allPoints.count, chainLength: warmStartChain, shard: shard.index, of: shard.count
    ).map { allPoints[$0] }
    let sweptFlag = flag ?? "--load"
    let column = String(sweptFlag.dropFirst(2))
    let models = try points.map(options.model)
    for warning in Set(models.flatMap { $0.parameters.warnings.map(\.description) }).sorted() {
      printToStandardError(warning)
    }
    let thresholdPolicy = self.thresholdPolicy
    let solver = try options.solver()
    let values = points.map(\.value)
    let started = ContinuousClock.now
    let results = try PolicyComparison.sweep(
      models, solver: solver, threads: jobs, criteria: [solver.criterion],
      warmStartChain: warmStartChain,
      extra: { model in
        // Validated in validate(), so the thresholds are well formed here.
        ((try? thresholdPolicy.policy(in: model.stateSpace)) ?? nil).map { [("threshold", $0)] }
          ?? []
      },
      progress: { index, finished in
        let elapsed = ContinuousClock.now - started
        guard elapsed >= Self.progressAfter else { return }
        printToStandardError(
          "sweep: \(finished)/\(values.count) values done (\(column) = "
            + "\(formatNumber(values[index]))) after "
            + "\(formatNumber(elapsed / .seconds(1), significantDigits: 3)) s")
      })
    let labels = values.map { "\(column) = \(formatNumber($0))" }
    for (label, rows) in zip(labels, results) { ModesDelayTable.reportWarnings(rows, at: label) }
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
    try ModesDelayTable.exitIfNotConverged(results, at: labels)
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
