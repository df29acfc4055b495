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

/// `--shard i/n` of the figure sweeps: point p is computed by shard (p mod n) + 1.
struct InferenceShardOption: ParsableArguments {
  @Option(
    help: "Compute only shard i of n (1 <= i <= n <= 1000), e.g. 2/4; merge with `offload merge`.")
  var shard: String?

  func position() throws -> (index: Int, count: Int) {
    guard let shard else { return (0, 1) }
    let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
      (1...1000).contains(count), (1...count).contains(index)
    else {
      throw ValidationError(
        "invalid value '\(shard)' for --shard: expected i/n with integers 1 <= i <= n <= 1000")
    }
    return (index - 1, count)
  }
}

/// The server capacities and schedulers of a figure sweep.
struct InferenceSweepOptions: ParsableArguments {
  @Option(help: "Comma list of server capacity multiples m, each in (0, 10000].")
  var capacities = "1,3,10"

  @Option(help: "One scheduler; omitted: centralized and uniform.")
  var policy: SchedulingPolicy?

  var policies: [SchedulingPolicy] { policy.map { [$0] } ?? [.centralized, .uniform] }
  /// The provenance of a sweep: instance, the user axis, capacities, policies, shard and
  /// the simulation settings.
  func provenance(
    command: String, users: (name: String, value: ParameterValue), capacities: [Double],
    instance: InferenceInstanceOptions, shard: InferenceShardOption,
    simulation: InferenceSimulationOptions
  ) -> Provenance {
    Provenance(
      command: command,
      parameters: [
        ("instance", .text((instance.instance ?? .paper).rawValue)), users,
        ("capacities", .numbers(capacities)),
        ("policy", .text(policy?.rawValue ?? "centralized,uniform")),
        ("userCapacity", .number(instance.userCapacity)), ("theta", .number(instance.theta)),
        ("shard", .text(shard.shard ?? "1/1")),
      ] + simulation.provenance)
  }
}

/// One point of a figure sweep.
struct FigurePoint: Encodable {
  let users: Int
  let serverCapacity: Double
  let simulation: SimulationRow
}

/// Runs the (users × capacity × policy) points of a sweep that belong to this shard.
func runSweep(
  users: [Int], capacities: [Double], policies: [SchedulingPolicy],
  options: InferenceInstanceOptions, simulation: InferenceSimulationOptions,
  shard: (index: Int, count: Int), label: String
) throws -> (points: [FigurePoint], placeholders: [String]) {
  var grid: [(Int, Double, SchedulingPolicy)] = []
  for count in users {
    for capacity in capacities {
      for policy in policies { grid.append((count, capacity, policy)) }
    }
  }
  var points: [FigurePoint] = []
  var placeholders: [String] = []
  let progress = ProgressReporter(label)
  let mine = grid.indices.filter { $0 % shard.count == shard.index }
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
  return (points, placeholders)
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
  @OptionGroup var shardOption: InferenceShardOption

  @Option(name: .customLong("user-counts"), help: "Comma list of N, each in 1...1000000.")
  var userCounts = "100,300,1000"

  @OptionGroup var sweep: InferenceSweepOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var chart: InferenceChartOption

  func run() throws {
    try output.checkPaths([("--svg", chart.svg)])
    let counts = try parseCounts(userCounts, name: "--user-counts", range: 1...1_000_000)
    let multiples = try parseRange(sweep.capacities, name: "--capacities")
    let policies = sweep.policies
    let (points, placeholders) = try runSweep(
      users: counts, capacities: multiples, policies: policies, options: instanceOptions,
      simulation: simulation, shard: try shardOption.position(), label: "inference figure1")
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
      capacities: multiples, instance: instanceOptions, shard: shardOption,
      simulation: simulation)
    try emitInference(
      points, table: table, provenance: provenance,
      warnings: placeholderWarning(try instanceOptions.resolve(default: .paper).1)
        + points.flatMap(\.simulation.warnings),
      placeholders: placeholders, output: output)
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
  @OptionGroup var shardOption: InferenceShardOption

  @OptionGroup var sweep: InferenceSweepOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var chart: InferenceChartOption

  func run() throws {
    try output.checkPaths([("--svg", chart.svg)])
    let users = instanceOptions.users ?? 1000
    let multiples = try parseRange(sweep.capacities, name: "--capacities")
    let policies = sweep.policies
    let (points, placeholders) = try runSweep(
      users: [users], capacities: multiples, policies: policies, options: instanceOptions,
      simulation: simulation, shard: try shardOption.position(), label: "inference figure2")
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
      instance: instanceOptions, shard: shardOption, simulation: simulation)
    try emitInference(
      points, table: table, provenance: provenance,
      warnings: placeholderWarning(try instanceOptions.resolve(default: .paper).1),
      placeholders: placeholders, output: output)
  }
}
