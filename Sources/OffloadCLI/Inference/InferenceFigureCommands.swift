import ArgumentParser
import Foundation
import OffloadLab

/// Parses a comma list of positive integers (user counts), each within `range`.
func parseCounts(_ text: String, name: String, range: ClosedRange<Int>) throws -> [Int] {
  let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
  guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
    throw ValidationError(
      "malformed value '\(text)' for \(name): expected a comma list of integers")
  }
  let counts = values.compactMap { $0 }
  for count in counts where !range.contains(count) {
    throw ValidationError(
      "invalid value \(count) for \(name): must be in \(range.lowerBound)...\(range.upperBound)")
  }
  guard counts.count <= 100 else {
    throw ValidationError("invalid value '\(text)' for \(name): at most 100 values")
  }
  return counts
}

/// The server capacities and schedulers of a figure sweep.
struct InferenceSweepOptions: ParsableArguments {
  @Option(help: "Comma list of server capacity multiples m, each in (0, 10000].")
  var capacities = "1,3,10"

  @Option(help: "One scheduler; omitted: centralized and uniform.")
  var policy: SchedulingPolicy?

  var policies: [SchedulingPolicy] { policy.map { [$0] } ?? [.centralized, .uniform] }
  /// The provenance of a sweep: instance, the user axis, capacities, policies and the
  /// simulation settings (not the shard: the shards of one run share it, docs/cli.md,
  /// "Shards and merge").
  func provenance(
    command: String, users: (name: String, value: ParameterValue), capacities: [Double],
    instance: InferenceInstanceOptions, simulation: InferenceSimulationOptions
  ) -> Provenance {
    Provenance(
      command: command,
      parameters: [
        ("instance", .text((instance.instance ?? .paper).rawValue)), users,
        ("capacities", .numbers(capacities)),
        ("policy", .text(policy?.rawValue ?? "centralized,uniform")),
        ("userCapacity", .number(instance.userCapacity)), ("theta", .number(instance.theta)),
      ] + simulation.provenance)
  }
}

/// One point of a figure sweep.
struct FigurePoint: Encodable {
  let users: Int
  let serverCapacity: Double
  let simulation: SimulationRow
}

/// Runs the (users × capacity × policy) points of a sweep that belong to `shard` (all
/// without one): point p (0-based, users slowest) goes to shard p mod n + 1.
/// - Returns: the points, each one's 1-based place in the full sweep, and the placeholders.
/// - Throws: `ValidationError` (exit 64) if the shard would hold no point.
func runSweep(
  users: [Int], capacities: [Double], policies: [SchedulingPolicy],
  options: InferenceInstanceOptions, simulation: InferenceSimulationOptions,
  shard: ShardOption.Position?, label: String
) throws -> (points: [FigurePoint], numbers: [Int], placeholders: [String]) {
  var grid: [(Int, Double, SchedulingPolicy)] = []
  for count in users {
    for capacity in capacities {
      for policy in policies { grid.append((count, capacity, policy)) }
    }
  }
  let mine = grid.indices.filter { index in
    shard.map { index % $0.count == $0.index - 1 } ?? true
  }
  if let shard, mine.isEmpty {
    throw ValidationError(
      "invalid value '\(shard.label)' for --shard: this sweep has \(grid.count) points, so "
        + "shard \(shard.index) would be empty; use at most \(grid.count) shards")
  }
  var points: [FigurePoint] = []
  var placeholders: [String] = []
  let progress = ProgressReporter(label)
  for (done, index) in mine.enumerated() {
    let (count, capacity, policy) = grid[index]
    var pointOptions = options
    pointOptions.users = count
    pointOptions.serverCapacity = capacity
    let (_, parameters) = try pointOptions.resolve(default: .paper)
    placeholders = parameters.placeholders
    let settings = try simulation.settings(users: count)
    progress.report(
      "point \(done + 1)/\(mine.count): \(policy.rawValue), N = \(count), m = \(capacity)")
    let result = simulation.run(parameters, policy: policy, settings: settings)
    points.append(
      FigurePoint(
        users: count, serverCapacity: capacity,
        simulation: SimulationRow(result, parameters: parameters)))
  }
  return (points, mine.map { $0 + 1 }, placeholders)
}

/// `offload inference figure1`: type-mean P99 latency against users (Fig. 1 of [BA]).
struct InferenceFigure1Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "figure1",
    abstract: "P99 latency vs users for centralized and uniform scheduling (Fig. 1, shape).",
    discussion: """
      One simulation per (users, server capacity, policy) of the paper instance. The \
      plotted value is the mean over request types of the per-type P99 of completed \
      requests, with a sectioning interval. Defaults are the reduced scale of the \
      repository's notebook data; only the shape is comparable with the paper (spec G13).
      """)

  @OptionGroup var instanceOptions: InferenceInstanceOptions
  @OptionGroup var simulation: InferenceSimulationOptions
  @OptionGroup var shardOption: ShardOption

  @Option(name: .customLong("user-counts"), help: "Comma list of N, each in 1...1000000.")
  var userCounts = "100,300,1000"

  @OptionGroup var sweep: InferenceSweepOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var chart: InferenceChartOption

  func run() throws {
    try output.checkPaths([("--svg", chart.svg)])
    let shard = try shardOption.position()
    let counts = try parseCounts(userCounts, name: "--user-counts", range: 1...1_000_000)
    let multiples = try parseRange(sweep.capacities, name: "--capacities")
    let policies = sweep.policies
    let (points, numbers, placeholders) = try runSweep(
      users: counts, capacities: multiples, policies: policies, options: instanceOptions,
      simulation: simulation, shard: shard, label: "inference figure1")
    var table = TextTable(header: [
      "users", "serverCapacity", "policy", "typeMeanP99", "typeMeanP99Half", "p99Latency",
      "abandonRate", "dropRate", "serverCpu%", "serverMemory",
    ])
    for point in points {
      let result = point.simulation.result
      table.append([
        String(point.users), formatNumber(point.serverCapacity), point.simulation.policy,
        cell(result.typeMeanP99?.value), cell(result.typeMeanP99?.halfWidth),
        cell(result.p99Latency?.value), cell(result.abandonRate.value),
        cell(result.dropRate.value), cell(result.serverCpuPercent.value),
        cell(result.serverMemory.value),
      ])
    }
    if let svg = chart.svg {
      var series: [SVG.Series] = []
      for capacity in multiples {
        for policy in policies {
          let line = points.filter {
            $0.serverCapacity == capacity && $0.simulation.policy == policy.rawValue
          }
          series.append(
            SVG.Series(
              name: "\(policy.rawValue) \(formatNumber(capacity))x",
              points: line.compactMap { point in
                point.simulation.result.typeMeanP99.map { (Double(point.users), $0.value) }
              }))
        }
      }
      try write(
        SVG.lineChart(
          title: "P99 latency vs users (type mean, completed requests)", xLabel: "users",
          yLabel: "P99 latency (s)", series: series, logY: true),
        toFile: svg, flag: "--svg")
    }
    let provenance = sweep.provenance(
      command: "inference figure1", users: ("userCounts", .numbers(counts.map(Double.init))),
      capacities: multiples, instance: instanceOptions, simulation: simulation)
    try emitInference(
      points, table: table, provenance: provenance,
      warnings: placeholderWarning(try instanceOptions.resolve(default: .paper).1)
        + points.flatMap(\.simulation.warnings),
      placeholders: placeholders, output: output, shard: shard.map { ($0, numbers) })
  }
}

/// `offload inference figure2`: server CPU and memory at fixed users (Fig. 2 of [BA]).
struct InferenceFigure2Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "figure2",
    abstract: "Server CPU and memory vs server capacity at fixed users (Fig. 2, shape).",
    discussion: """
      Mean (and standard deviation over steps) of server CPU used (% of one core) and \
      memory held (GB) during each step, for centralized and uniform scheduling.
      """)

  @OptionGroup var instanceOptions: InferenceInstanceOptions
  @OptionGroup var simulation: InferenceSimulationOptions
  @OptionGroup var shardOption: ShardOption

  @OptionGroup var sweep: InferenceSweepOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var chart: InferenceChartOption

  func run() throws {
    try output.checkPaths([("--svg", chart.svg)])
    let shard = try shardOption.position()
    let users = instanceOptions.users ?? 1000
    let multiples = try parseRange(sweep.capacities, name: "--capacities")
    let policies = sweep.policies
    let (points, numbers, placeholders) = try runSweep(
      users: [users], capacities: multiples, policies: policies, options: instanceOptions,
      simulation: simulation, shard: shard, label: "inference figure2")
    var table = TextTable(header: [
      "serverCapacity", "policy", "serverCpu%", "serverCpuSd", "serverCpuNominal%",
      "serverMemory", "serverMemorySd", "serverMemoryNominal",
    ])
    for point in points {
      let row = point.simulation
      table.append([
        formatNumber(point.serverCapacity), row.policy, cell(row.result.serverCpuPercent.value),
        cell(row.serverCpuSd), cell(100 * row.serverCpuNominal),
        cell(row.result.serverMemory.value), cell(row.serverMemorySd),
        cell(row.serverMemoryNominal),
      ])
    }
    if let svg = chart.svg {
      var series: [SVG.Series] = []
      for policy in policies {
        let line = points.filter { $0.simulation.policy == policy.rawValue }
        series.append(
          SVG.Series(
            name: "\(policy.rawValue) CPU %",
            points: line.map { ($0.serverCapacity, $0.simulation.result.serverCpuPercent.value) }))
        series.append(
          SVG.Series(
            name: "\(policy.rawValue) memory GB x 10",
            points: line.map {
              ($0.serverCapacity, 10 * $0.simulation.result.serverMemory.value)
            }))
      }
      try write(
        SVG.lineChart(
          title: "Server consumption at \(users) users", xLabel: "server capacity (x base)",
          yLabel: "CPU % / memory GB x 10", series: series),
        toFile: svg, flag: "--svg")
    }
    let provenance = sweep.provenance(
      command: "inference figure2", users: ("users", .integer(users)), capacities: multiples,
      instance: instanceOptions, simulation: simulation)
    try emitInference(
      points, table: table, provenance: provenance,
      warnings: placeholderWarning(try instanceOptions.resolve(default: .paper).1),
      placeholders: placeholders, output: output, shard: shard.map { ($0, numbers) })
  }
}
