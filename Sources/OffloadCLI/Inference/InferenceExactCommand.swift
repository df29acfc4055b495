import ArgumentParser
import OffloadLab

/// `offload inference exact`: enumerate a tiny instance and report its exact long-run law.
struct InferenceExactCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "exact",
    abstract: "Exact stationary figures of a tiny instance (spec G7-G8).",
    discussion: """
      Enumerates the states reachable from the initial state (all users offline, idle, \
      empty storage), solves the stationary law (GTH up to 1500 recurrent states, \
      Gauss-Seidel to residual 1e-12 above) and derives the latency law of completed \
      requests by ratios of rates. Latency l = t_end - t_start (spec G8.1); p99Latency is \
      the pooled P99, typeMeanP99 the figures' mean over types of the per-type P99.
      """)

  @OptionGroup var instanceOptions: InferenceInstanceOptions

  @Option(help: "Scheduler; omitted: centralized, uniform and adaptive.")
  var policy: SchedulingPolicy?

  @Option(help: "Latency threshold tau (steps) of the QoS success fraction, in 1...1000000.")
  var tau = 3

  @OptionGroup var enumeration: InferenceEnumerationOptions

  @OptionGroup var output: OutputOptions

  struct Row: Encodable {
    let policy: String
    let states: Int
    let transitions: Int
    let meanLatency: Double?
    let p99Latency: Int?
    let typeMeanP99: Double?
    let completionRate: Double
    let abandonRate: Double
    let dropRate: Double
    let startRate: Double
    let activeRequests: Double
    let serverCpu: Double
    let serverMemory: Double
    let abortRate: Double
    let serverAssignmentRate: Double
    let userAssignmentRate: Double
    let qosSuccess: [Double?]
    let stationaryResidual: Double
    let status: String
    let iterations: Int
  }

  func run() throws {
    try output.checkPaths()
    let (instance, parameters) = try instanceOptions.resolve(default: .t1)
    try validatingParameters {
      guard (1...1_000_000).contains(tau) else {
        throw ParameterError.outOfRange("--tau", tau, valid: "in 1...1000000")
      }
    }
    let limits = try enumeration.limits()
    let policies = policy.map { [$0] } ?? SchedulingPolicy.allCases
    let progress = ProgressReporter("inference exact")
    var rows: [Row] = []
    for policy in policies {
      progress.report("enumerating \(policy.rawValue)")
      let result: ExactPerformance
      do {
        result = try ExactAnalysis.performance(parameters, policy: policy, limits: limits)
      } catch {
        throw ValidationError(error.description)
      }
      rows.append(
        Row(
          policy: policy.rawValue, states: result.states, transitions: result.transitions,
          meanLatency: result.latency.mean, p99Latency: result.latency.quantile(0.99),
          typeMeanP99: result.typeMeanP99, completionRate: result.completionRate,
          abandonRate: result.abandonRate, dropRate: result.dropRate,
          startRate: result.startRate, activeRequests: result.activeRequests,
          serverCpu: result.serverCpuPercent, serverMemory: result.serverMemory,
          abortRate: result.abortRate, serverAssignmentRate: result.serverAssignmentRate,
          userAssignmentRate: result.userAssignmentRate,
          qosSuccess: parameters.types.indices.map { result.success(type: $0, threshold: tau) },
          stationaryResidual: result.stationaryResidual, status: result.status.rawValue,
          iterations: result.iterations))
    }
    var table = TextTable(header: [
      "policy", "states", "transitions", "meanLatency", "p99Latency", "completionRate",
      "abandonRate", "dropRate", "activeRequests", "serverCpu%", "serverMemory", "qos(tau)",
      "residual", "status",
    ])
    for row in rows {
      table.append([
        row.policy, String(row.states), String(row.transitions), cell(row.meanLatency),
        row.p99Latency.map(String.init) ?? "n/a", cell(row.completionRate),
        cell(row.abandonRate), cell(row.dropRate), cell(row.activeRequests),
        cell(row.serverCpu), cell(row.serverMemory),
        row.qosSuccess.map(cell).joined(separator: ";"),
        formatNumber(row.stationaryResidual, significantDigits: 2), row.status,
      ])
    }
    let provenance = Provenance(
      command: "inference exact",
      parameters: instanceOptions.provenance(instance, parameters) + [
        ("policy", .text(policy?.rawValue ?? "all")), ("tau", .integer(tau)),
        ("maxStates", .integer(enumeration.maxStates)),
      ])
    let failed = rows.filter { $0.status != SolverStatus.converged.rawValue }
    try emitInference(
      rows, table: table, provenance: provenance, warnings: [],
      placeholders: parameters.placeholders, output: output,
      notConverged: failed.map {
        "\($0.policy): the stationary law stopped with status \($0.status) (residual "
          + "\(formatNumber($0.stationaryResidual)) after \($0.iterations) iterations)"
      })
  }
}
