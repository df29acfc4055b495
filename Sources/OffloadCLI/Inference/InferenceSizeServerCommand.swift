import ArgumentParser
import OffloadLab

/// `offload inference size-server`: Def. 3.2, the smallest server meeting every type's
/// latency chance constraint.
struct InferenceSizeServerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "size-server",
    abstract: "Def. 3.2: the cheapest server (cpu, memory) meeting every type's QoS (G10).",
    discussion: """
      Exact version (tiny instances, spec G10.2): every grid point's chain is solved and \
      success_k = P(completed with l <= tau_k | type k, not dropped) is exact; the \
      feasible point of least w_cpu*cpu + w_mem*mem wins (ties: lower cpu, then memory). \
      Simulated version (--instance paper, G10.3): capacity m x (2 cores, 2.5 GB) along \
      --capacities; replications of --steps steps in looks of 5, 10, 20, Student t \
      intervals over replications at level 1 - delta/(looks x types x evaluations); the top \
      of the grid first, then bisection. Default tau 60 s and alpha 0.1 for every type are \
      PLACEHOLDERS.
      """)

  @OptionGroup var instanceOptions: InferenceInstanceOptions

  @Option(help: "Scheduler.")
  var policy = SchedulingPolicy.uniform

  @Option(help: "Server CPU grid (cores): start:stop:step or a comma list, each in (0, 1000].")
  var cpuGrid = "0.5,1,1.5,2"

  @Option(help: "Server memory grid (GB): start:stop:step or a comma list, each in (0, 1000].")
  var memoryGrid = "1,2,3"

  @Option(
    help:
      "Latency threshold tau_k per type (comma list, steps, each in 1...1000000; default 3, paper 60 each)."
  )
  var tau: String?

  @Option(
    help:
      "Violation level alpha_k per type (comma list, each in (0, 1); default 0.5, paper 0.1 each).")
  var alpha: String?

  @Option(help: "Capacity multiples m of the simulated search (paper), strictly increasing.")
  var capacities = "1,1.5,2,3,4,6,8,12,16"

  @Option(help: "delta of the simulated search: all verdicts hold together w.p. >= 1 - delta.")
  var delta = 0.05

  @OptionGroup var simulation: InferenceSimulationOptions

  @Option(help: "Weight of CPU in the cost, >= 0.")
  var cpuWeight = 1.0

  @Option(help: "Weight of memory in the cost, >= 0.")
  var memoryWeight = 1.0

  @OptionGroup var output: OutputOptions

  struct Result: Encodable {
    let optimum: Point?
    let points: [Point]
  }

  struct Point: Encodable {
    let cpu: Double
    let memory: Double
    let cost: Double
    let success: [Double?]
    let feasible: Bool
  }

  func run() throws {
    try output.checkPaths()
    let (instance, parameters) = try instanceOptions.resolve(default: .t1)
    if instance == .paper { return try runSimulated(parameters) }
    let cpus = try parseRange(cpuGrid, name: "--cpu-grid")
    let memories = try parseRange(memoryGrid, name: "--memory-grid")
    let thresholds = try parseCounts(tau ?? "3", name: "--tau", range: 1...1_000_000)
    let levels = try parseRange(alpha ?? "0.5", name: "--alpha")
    try validatingParameters {
      for value in cpus + memories where !(value > 0 && value <= 1000) {
        throw ParameterError.outOfRange(
          "--cpu-grid/--memory-grid value", value, valid: "in (0, 1000]")
      }
      guard cpus.count * memories.count <= 400 else {
        throw ParameterError.outOfRange(
          "grid points", cpus.count * memories.count, valid: "<= 400")
      }
      for weight in [cpuWeight, memoryWeight] where !(weight >= 0 && weight.isFinite) {
        throw ParameterError.outOfRange("--cpu-weight/--memory-weight", weight, valid: ">= 0")
      }
    }
    let sized: (points: [SizingPoint], optimum: SizingPoint?)
    do {
      sized = try validatingParameters {
        try ServerSizing.exactGrid(
          parameters, policy: policy, cpuGrid: cpus, memoryGrid: memories,
          thresholds: thresholds, violationLevels: levels,
          weights: (cpuWeight, memoryWeight))
      }
    } catch let error as ExactAnalysisError {
      throw ValidationError(error.description)
    }
    func point(_ value: SizingPoint) -> Point {
      Point(
        cpu: value.cpu, memory: value.memory, cost: value.cost, success: value.success,
        feasible: value.feasible)
    }
    let result = Result(optimum: sized.optimum.map(point), points: sized.points.map(point))
    var table = TextTable(header: ["cpu", "memory", "cost", "success", "feasible", "optimal"])
    for value in sized.points {
      table.append([
        formatNumber(value.cpu), formatNumber(value.memory), formatNumber(value.cost),
        value.success.map(cell).joined(separator: ";"), value.feasible ? "yes" : "no",
        value == sized.optimum ? "*" : "",
      ])
    }
    let provenance = Provenance(
      command: "inference size-server",
      parameters: instanceOptions.provenance(instance, parameters) + [
        ("policy", .text(policy.rawValue)), ("cpuGrid", .numbers(cpus)),
        ("memoryGrid", .numbers(memories)), ("tau", .numbers(thresholds.map(Double.init))),
        ("alpha", .numbers(levels)), ("cpuWeight", .number(cpuWeight)),
        ("memoryWeight", .number(memoryWeight)),
      ])
    try emitInference(
      result, table: table, provenance: provenance,
      warnings: sized.optimum == nil ? ["no grid point meets every constraint"] : [],
      placeholders: parameters.placeholders, output: output)
  }

  /// The simulated search of G10.3 on the paper instance.
  private func runSimulated(_ parameters: InferenceParameters) throws {
    let types = parameters.types.count
    let thresholds = try parseCounts(
      tau ?? Array(repeating: "60", count: types).joined(separator: ","), name: "--tau",
      range: 1...1_000_000)
    let levels = try parseRange(
      alpha ?? Array(repeating: "0.1", count: types).joined(separator: ","), name: "--alpha")
    let grid = try parseRange(capacities, name: "--capacities")
    let settings = try simulation.settings(users: parameters.userCount)
    try validatingParameters {
      try ServerSizing.checkConstraints(
        parameters, thresholds: thresholds, violationLevels: levels)
      for m in grid where !(m > 0 && m <= 10_000) {
        throw ParameterError.outOfRange("--capacities value", m, valid: "in (0, 10000]")
      }
    }
    let progress = ProgressReporter("inference size-server")
    let result = try validatingParameters {
      try ServerSizing.sequentialSearch(
        grid: grid, typeCount: types, violationLevels: levels, confidence: delta
      ) { m, replication in
        var scaled = parameters
        scaled.serverCpu = 2 * m
        scaled.serverMemory = 2.5 * m
        var replicationSettings = settings
        replicationSettings.seed = settings.seed &+ UInt64(replication) &* 0x9E37_79B9
        progress.report("m = \(formatNumber(m)), replication \(replication + 1)")
        let run = simulation.run(scaled, policy: policy, settings: replicationSettings)
        return (0..<types).map { run.success(type: $0, threshold: thresholds[$0]) }
      }
    }
    struct Look: Encodable {
      let capacity: Double
      let replications: Int
      let mean: [Double?]
      let lower: [Double?]
      let upper: [Double?]
      let verdict: String
    }
    struct Simulated: Encodable {
      let minimalCapacity: Double?
      let intervalLevel: Double
      let looks: [Look]
      let monotonicityViolations: [[Double]]
    }
    let document = Simulated(
      minimalCapacity: result.minimalCapacity, intervalLevel: result.intervalLevel,
      looks: result.looks.map {
        Look(
          capacity: $0.capacity, replications: $0.replications, mean: $0.mean, lower: $0.lower,
          upper: $0.upper, verdict: $0.verdict.rawValue)
      },
      monotonicityViolations: result.monotonicityViolations.map { [$0.feasible, $0.infeasible] })
    var table = TextTable(header: ["capacity", "replications", "mean", "lower", "upper", "verdict"])
    for look in result.looks {
      table.append([
        formatNumber(look.capacity), String(look.replications),
        look.mean.map(cell).joined(separator: ";"), look.lower.map(cell).joined(separator: ";"),
        look.upper.map(cell).joined(separator: ";"), look.verdict.rawValue,
      ])
    }
    var warnings = placeholderWarning(parameters)
    if result.minimalCapacity == nil {
      warnings.append("no feasible point: the top of the grid fails")
    }
    for violation in result.monotonicityViolations {
      warnings.append(
        "monotonicity contradicted: feasible at m = \(formatNumber(violation.feasible)) but not at "
          + "m = \(formatNumber(violation.infeasible))")
    }
    let provenance = Provenance(
      command: "inference size-server",
      parameters: instanceOptions.provenance(.paper, parameters) + simulation.provenance + [
        ("policy", .text(policy.rawValue)), ("capacities", .numbers(grid)),
        ("tau", .numbers(thresholds.map(Double.init))), ("alpha", .numbers(levels)),
        ("delta", .number(delta)),
      ])
    try emitInference(
      document, table: table, provenance: provenance, warnings: warnings,
      placeholders: parameters.placeholders, output: output)
  }
}
