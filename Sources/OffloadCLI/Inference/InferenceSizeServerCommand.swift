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
      feasible point of least w_cpu*cpu + w_mem*mem wins (ties: lower cpu, then memory).
      """)

  @OptionGroup var instanceOptions: InferenceInstanceOptions

  @Option(help: "Scheduler.")
  var policy = SchedulingPolicy.uniform

  @Option(help: "Server CPU grid (cores): start:stop:step or a comma list, each in (0, 1000].")
  var cpuGrid = "0.5,1,1.5,2"

  @Option(help: "Server memory grid (GB): start:stop:step or a comma list, each in (0, 1000].")
  var memoryGrid = "1,2,3"

  @Option(help: "Latency threshold tau_k per type (comma list, steps, each in 1...1000000).")
  var tau = "3"

  @Option(help: "Violation level alpha_k per type (comma list, each in (0, 1)).")
  var alpha = "0.5"

  @Option(help: "Weight of CPU in the cost, >= 0.")
  var cpuWeight = 1.0

  @Option(help: "Weight of memory in the cost, >= 0.")
  var memoryWeight = 1.0

  @OptionGroup var output: InferenceOutputOptions

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
    let (instance, parameters) = try instanceOptions.resolve(default: .t1)
    guard instance != .paper else {
      throw ValidationError(
        "invalid value paper for --instance: size-server is exact and needs a tiny instance "
          + "(T1, T2, T3, T4, M1)")
    }
    let cpus = try parseRange(cpuGrid, name: "--cpu-grid")
    let memories = try parseRange(memoryGrid, name: "--memory-grid")
    let thresholds = try parseCounts(tau, name: "--tau", range: 1...1_000_000)
    let levels = try parseRange(alpha, name: "--alpha")
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
      placeholders: parameters.placeholders, format: output.format)
  }
}
