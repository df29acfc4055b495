import ArgumentParser
import Foundation
import OffloadLab

/// `offload modes sweep`: the policy table over a grid of parameter values (the paper's
/// Fig. 5 over the load), computed in parallel, optionally one shard of it.
struct ModesSweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Exact delays of every policy over a grid of parameter values (Fig. 5 table).",
    discussion: """
      Give one or more options as start:stop:step or a comma list, e.g. --load \
      0.1:0.9:0.1 --cloud-speedup 2,5,10: the sweep covers every combination (a grid; the \
      first option varies slowest, each option's values in increasing order). Default: \
      --load \(defaultLoads) with configuration (a), the Fig. 5 setting (PLACEHOLDER \
      values). One row per point and policy: the optimal policy under --criterion (named \
      optimal for discounted, optimal-average for average), offload-only, non-idling, and \
      threshold if --cloud-busy-thresholds is given. Each swept option is a leading column, \
      every other parameter a trailing one. With --thresholds the CSV holds the optimal \
      policy's thresholds T1(n), T0(n), n = 0...W, per point instead (JSON: both).

      Warm starts: the points, in sweep order, are cut into chains of --warm-start-chain L \
      consecutive points (chain c = positions cL ... cL + L - 1 of the full sweep). In a \
      chain each optimal-policy solve starts from the previous point's solution (same B and \
      B2; otherwise from zero), and a chain's first point from zero; L = 1 solves every \
      point from scratch. One job computes a whole chain, chains run in parallel, so every \
      point always gets the same solves and the output is bitwise the same whatever --jobs \
      and --shard (it can depend on L, within the solver's certified bound).

      --shard i/n computes only the chains c with c mod n = i - 1 (round robin, so slow \
      high-load chains are spread over the shards) and writes CSV by default, with the \
      columns parameter_hash, shard, shard_rows and point; 'offload merge' checks that a \
      set of shard files is complete and consistent and joins them into the CSV of the \
      unsharded run, byte for byte. --shard auto takes i and n from a SLURM job array. \
      Give every shard the same options.
      """)

  @OptionGroup var model: ModesModelOptions
  @OptionGroup var thresholdPolicy: ModesThresholdOptions

  @Option(
    name: [.customLong("jobs"), .customLong("threads")],
    parsing: .unconditional,
    help:
      "Points computed in parallel, 1...\(maximumThreads) (default: all cores); --threads is an alias."
  )
  var jobs: Int?

  @OptionGroup var shard: ShardOption

  @Option(
    parsing: .unconditional,
    help: "Points per warm-start chain, 1...\(maximumRangePoints) (1: each point from scratch).")
  var warmStartChain = Self.defaultWarmStartChain

  @Flag(help: "Report the optimal policy's thresholds T1(n), T0(n) at every point.")
  var thresholds = false

  @Option(
    parsing: .unconditional,
    help: "Window W of --thresholds, 1...min(B, B2) at every point (default min(B, B2)/2).")
  var window: Int?

  @OptionGroup var output: OutputOptions

  @Option(
    name: .customLong("svg"),
    help: "Write mean delay against the swept value as an SVG chart (one swept option).")
  var svgPath: String?

  /// The Fig. 5 range used when no option lists several values.
  static let defaultLoads = "0.05:0.95:0.05"

  /// The default chain length. On the Fig. 5 sweep (19 loads, B = 50) warm starts cut the
  /// solver sweeps from 4116 (L = 1) to 3822 (L = 3), 3696 (L = 4) and 3633 (L = 19), but
  /// on 2 jobs L >= 4 leaves the heavy high-load chain last on one core: fastest of 8 runs
  /// 0.66 s at L = 1, 0.57 s at L = 3, 0.77 s at L = 4 (B = 100: 4.5 s, 4.0 s, 5.2 s).
  static let defaultWarmStartChain = 3

  func run() throws {
    let jobs = try threadCount(jobs, flag: "--jobs")
    guard (1...maximumRangePoints).contains(warmStartChain) else {
      throw ValidationError(
        "invalid value \(warmStartChain) for --warm-start-chain: must be an integer in "
          + "1...\(maximumRangePoints)")
    }
    if window != nil && !thresholds {
      throw ValidationError("--window applies with --thresholds only")
    }
    try output.checkPaths([("--svg", svgPath)])
    let position = try shard.position()
    let input = try model.input(defaultSweep: ("--load", Self.defaultLoads))
    if svgPath != nil && input.swept.count > 1 {
      throw ValidationError(
        "--svg draws a sweep over one option; this one sweeps "
          + input.swept.map(\.flag).joined(separator: " and "))
    }
    let positions = try shardPositions(count: input.points.count, shard: position)
    let points = positions.map { input.points[$0] }
    var windows: [Int] = []
    for point in points {
      let space = try point.stateSpace
      _ = try thresholdPolicy.thresholds(cloudBufferLimit: space.cloudBufferLimit)
      if thresholds {
        windows.append(
          try validatingParameters { try ServiceModeAnalysis.window(window, for: space) })
      }
    }
    let states = try points.reduce(0) { $0 + (try $1.stateSpace.stateCount) }
    try ModesMemory.check(states: states, sparse: true)
    let models = try points.map(model.model)
    let diagnostics = Diagnostics()
    for model in models { diagnostics.warn(all: model.parameters.warnings) }
    let labels = points.map { point in
      zip(input.swept, point.coordinates).map { "\($0.name) = \(formatNumber($1))" }
        .joined(separator: ", ")
    }
    let thresholdPolicy = self.thresholdPolicy
    let progress = ProgressReporter(
      "sweep over \(input.swept.map(\.flag).joined(separator: " x "))")
    let results = try PolicyComparison.sweep(
      models, solver: input.solver, threads: jobs, criteria: [input.solver.criterion],
      warmStartChain: warmStartChain,
      extra: { model in
        // Checked above for every point, so the thresholds are well formed here.
        let space = model.stateSpace
        let given = (try? thresholdPolicy.thresholds(cloudBufferLimit: space.cloudBufferLimit))
        return (given ?? nil).map { [("threshold", .thresholdPolicy($0, in: space))] } ?? []
      },
      progress: { index, finished in
        progress.report(finished: finished, of: labels.count, "last: \(labels[index])")
      })
    for (label, rows) in zip(labels, results) { ModesDelayTable.warn(rows, diagnostics, at: label) }
    let leading = input.swept.map(\.name)
    let pointNumbers = positions.map { $0 + 1 }
    var table: TextTable
    var text: TextTable
    var rowPoints: [Int] = []
    if thresholds {
      table = TextTable(header: leading + ["policy", "n", "T1", "T0"])
      for (index, rows) in results.enumerated() {
        let optimal = rows[0]
        guard let found = optimal.thresholds else { continue }
        let tidy = ModesThresholds(found, cloudQueue: nil, window: windows[index])
        for row in tidy.alongBase.rows {
          table.append(points[index].coordinates.map(formatNumber) + [optimal.name] + row)
          rowPoints.append(pointNumbers[index])
        }
      }
      text = table
    } else {
      table = TextTable(header: leading + ModesDelayTable.header)
      text = table
      for (index, rows) in results.enumerated() {
        for row in rows {
          let coordinates = points[index].coordinates
          table.append(coordinates.map(formatNumber) + ModesDelayTable.cells(row, format: .csv))
          text.append(
            coordinates.map(ModesReport.short) + ModesDelayTable.cells(row, format: .table))
          rowPoints.append(pointNumbers[index])
        }
      }
    }
    let provenance = input.provenance(
      "modes sweep",
      extra: thresholdPolicy.provenance + [("warm_start_chain", .integer(warmStartChain))]
        + (thresholds ? [("window", window.map { .integer($0) } ?? .text("min(B, B2)/2"))] : []))
    let document = ModesSweepJSON(
      swept: leading,
      shard: position.map {
        .init(index: $0.index, count: $0.count, parameterHash: provenance.parameterHash)
      },
      points: results.indices.map { index in
        ModesSweepJSON.Point(
          point: pointNumbers[index],
          values: Dictionary(
            uniqueKeysWithValues: zip(leading, points[index].coordinates).map { ($0, $1) }),
          parameters: ModesParametersJSON(models[index]),
          policies: results[index].map(ModesPolicyJSON.init),
          thresholds: thresholds
            ? results[index][0].thresholds.map {
              ModesThresholds($0, cloudQueue: nil, window: windows[index]).alongBaseJSON
            } : nil)
      })
    if let svgPath, let name = leading.first {
      let names = results.first?.map(\.name) ?? []
      let series = names.indices.map { policy in
        SVG.Series(
          name: names[policy],
          points: zip(points, results).map { ($0.coordinates[0], $1[policy].figures.meanDelay) })
      }
      try write(
        SVG.lineChart(
          title: "Mean delay against \(name) (\(input.description))", xLabel: name,
          yLabel: "mean delay", series: series),
        toFile: svgPath, flag: "--svg")
    }
    var result = CommandResult(
      document: document, csv: table,
      text: [text.renderText()] + (thresholds ? [] : ModesDelayTable.notes(results.flatMap { $0 })))
    result.shard = position.map { ($0, rowPoints) }
    try output.emit(
      result, provenance: provenance, diagnostics: diagnostics,
      defaultFormat: position == nil ? .table : .csv,
      notConverged: ModesDelayTable.notConverged(results, at: labels))
  }

  /// The positions of the points of `shard` (all points without one).
  /// - Throws: `ValidationError` if the shard would hold no point.
  private func shardPositions(count: Int, shard: ShardOption.Position?) throws -> [Int] {
    guard let shard else { return Array(0..<count) }
    let positions = PolicyComparison.shardPositions(
      count: count, chainLength: warmStartChain, shard: shard.index - 1, of: shard.count)
    guard !positions.isEmpty else {
      let chains = (count + warmStartChain - 1) / warmStartChain
      throw ValidationError(
        "invalid value '\(shard.label)' for --shard: this sweep has \(chains) chains of "
          + "--warm-start-chain \(warmStartChain) points, so shard \(shard.index) would be "
          + "empty; use at most \(chains) shards")
    }
    return positions
  }
}

/// The JSON document of `modes sweep`.
struct ModesSweepJSON: Encodable {
  struct Shard: Encodable {
    var index: Int
    var count: Int
    var parameterHash: String
  }
  struct Point: Encodable {
    /// 1-based place in the full sweep.
    var point: Int
    /// The swept options' values at this point, by name.
    var values: [String: Double]
    var parameters: ModesParametersJSON
    var policies: [ModesPolicyJSON]
    /// With --thresholds: the optimal policy's T1(n), T0(n), n = 0...W.
    var thresholds: ModesThresholds.AlongBase?
  }
  /// The swept options' names, slowest first.
  var swept: [String]
  var shard: Shard?
  var points: [Point]
}
