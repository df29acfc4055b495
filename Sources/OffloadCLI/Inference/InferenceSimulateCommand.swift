import ArgumentParser
import OffloadLab

/// Horizon, warm-up, seed and batches of simulation runs.
struct InferenceSimulationOptions: ParsableArguments {
  @Option(help: "Steps of 1 s per run, in 1...100000000 (default 100000, about 28 h).")
  var steps = 100_000

  @Option(help: "Warm-up steps before recording, in 0..<steps (default 3600).")
  var warmup = 3_600

  @Option(help: "Seed of the counter-based random streams.")
  var seed: UInt64 = 1

  @Option(help: "Batches for the confidence intervals (sectioning / batch means), in 2...1000.")
  var batches = 10

  @Option(
    help: """
      calendar (event calendar of clocks, G1.6; fast) or per-step (the factored model's \
      sampler, O(users) per step).
      """)
  var engine = SimulationEngine.calendar

  /// Runs one simulation with the chosen engine.
  func run(
    _ parameters: InferenceParameters, policy: SchedulingPolicy,
    settings: InferenceSimulationSettings, progress: ((Int) -> Void)? = nil
  ) -> SimulatedPerformance {
    switch engine {
    case .calendar:
      return EventCalendarSimulation.run(
        parameters, policy: policy, settings: settings, progress: progress)
    case .perStep:
      return InferenceSimulation.run(
        parameters, policy: policy, settings: settings, progress: progress)
    }
  }

  /// The largest users x steps product accepted (bounds the work of one run).
  static let maximumUserSteps = 2_000_000_000_000.0

  func settings(users: Int) throws -> InferenceSimulationSettings {
    try validatingParameters {
      guard Double(users) * Double(steps) <= Self.maximumUserSteps else {
        throw ParameterError.outOfRange(
          "--users x --steps", Double(users) * Double(steps), valid: "<= 2e12")
      }
      return try InferenceSimulationSettings(
        steps: steps, warmup: warmup, seed: seed, batches: batches)
    }
  }

  var provenance: [(name: String, value: ParameterValue)] {
    [
      ("steps", .integer(steps)), ("warmup", .integer(warmup)), ("seed", .text(String(seed))),
      ("batches", .integer(batches)), ("engine", .text(engine.rawValue)),
    ]
  }
}

/// The simulator behind `simulate` and the figure sweeps.
enum SimulationEngine: String, ExpressibleByArgument, CaseIterable {
  case calendar
  case perStep = "per-step"
}

/// `offload inference simulate`: seeded simulation with confidence intervals.
struct InferenceSimulateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Seeded simulation with confidence intervals (spec G8).",
    discussion: """
      From stationary availability, idle requests and empty storage (G4.3), with the \
      event-calendar engine (default) or the factored model's per-step sampler. Intervals are 95 %: batch means for rates, \
      sectioning for P99 (a batch lacking a type is skipped and counted out). P99 values \
      are over completed requests; typeMeanP99 is the figures' mean over types.
      """)

  @OptionGroup var instanceOptions: InferenceInstanceOptions
  @OptionGroup var simulation: InferenceSimulationOptions

  @Option(help: "Scheduler; omitted: centralized, uniform and adaptive.")
  var policy: SchedulingPolicy?

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let (instance, parameters) = try instanceOptions.resolve(default: .paper)
    let settings = try simulation.settings(users: parameters.userCount)
    let policies = policy.map { [$0] } ?? SchedulingPolicy.allCases
    var rows: [SimulationRow] = []
    for policy in policies {
      let progress = ProgressReporter("inference simulate \(policy.rawValue)")
      let result = simulation.run(parameters, policy: policy, settings: settings) { done in
        progress.report("\(done)/\(settings.steps) steps")
      }
      rows.append(SimulationRow(result, parameters: parameters))
    }
    let provenance = Provenance(
      command: "inference simulate",
      parameters: instanceOptions.provenance(instance, parameters) + simulation.provenance + [
        ("policy", .text(policy?.rawValue ?? "all"))
      ])
    try emitInference(
      rows, table: SimulationRow.table(rows), provenance: provenance,
      warnings: placeholderWarning(parameters) + rows.flatMap(\.warnings),
      placeholders: parameters.placeholders, output: output)
  }
}

/// One simulated policy in the family's JSON and table layout.
struct SimulationRow: Encodable {
  let policy: String
  let users: Int
  let serverCpuNominal: Double
  let serverMemoryNominal: Double
  let meanLatency: [String: Double]?
  let p99Latency: [String: Double]?
  let typeMeanP99: [String: Double]?
  let p99ByType: [String: [String: Double]]
  let completionRate: [String: Double]
  let abandonRate: [String: Double]
  let dropRate: [String: Double]
  let activeRequests: [String: Double]
  let serverCpu: [String: Double]
  let serverMemory: [String: Double]
  let serverCpuSd: Double
  let serverMemorySd: Double
  let completions: [Int]
  let abandons: [Int]
  let drops: [Int]
  let censored: Int
  let warnings: [String]
  let result: SimulatedPerformance

  enum CodingKeys: String, CodingKey {
    case policy, users, serverCpuNominal, serverMemoryNominal, meanLatency, p99Latency
    case typeMeanP99, p99ByType, completionRate, abandonRate, dropRate, activeRequests
    case serverCpu, serverMemory, serverCpuSd, serverMemorySd, completions, abandons, drops
    case censored
  }

  init(_ result: SimulatedPerformance, parameters: InferenceParameters) {
    self.result = result
    policy = result.policy.rawValue
    users = parameters.userCount
    serverCpuNominal = parameters.serverCpu
    serverMemoryNominal = parameters.serverMemory
    meanLatency = result.meanLatency?.json
    p99Latency = result.p99Latency?.json
    typeMeanP99 = result.typeMeanP99?.json
    var byType: [String: [String: Double]] = [:]
    var warnings: [String] = []
    for (type, estimate) in result.p99ByType.enumerated() {
      let name = parameters.types[type].name
      if let estimate {
        byType[name] = estimate.json
      } else {
        warnings.append("\(policy): no completed request of type \(name); its P99 is n/a")
      }
    }
    p99ByType = byType
    completionRate = result.completionRate.json
    abandonRate = result.abandonRate.json
    dropRate = result.dropRate.json
    activeRequests = result.activeRequests.json
    serverCpu = result.serverCpuPercent.json
    serverMemory = result.serverMemory.json
    serverCpuSd = result.serverCpuDeviation
    serverMemorySd = result.serverMemoryDeviation
    completions = result.completionsByType
    abandons = result.abandonsByType
    drops = result.dropsByType
    censored = result.censored
    self.warnings = warnings
  }

  static func table(_ rows: [SimulationRow]) -> TextTable {
    var table = TextTable(header: [
      "policy", "users", "meanLatency", "p99Latency", "typeMeanP99", "completionRate",
      "abandonRate", "dropRate", "serverCpu%", "serverMemory", "censored",
    ])
    for row in rows {
      let result = row.result
      table.append([
        row.policy, String(row.users), cell(result.meanLatency), cell(result.p99Latency),
        cell(result.typeMeanP99), cell(result.completionRate), cell(result.abandonRate),
        cell(result.dropRate), cell(result.serverCpuPercent), cell(result.serverMemory),
        String(result.censored),
      ])
    }
    return table
  }
}
