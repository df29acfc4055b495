import ArgumentParser
import OffloadLab

/// `offload batch simulate`: the seeded event-driven simulation of spec Q8.3 next to the
/// exact values.
struct BatchSimulateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Seeded simulation with Student-t intervals next to the exact values (Q8.3).",
    discussion: """
      Each estimate is a mean over independent replications (seeds derived from --seed and \
      the replication number) with a two-sided --confidence Student-t interval; 'inside' \
      says whether the exact value lies in it. Waiting and sojourn times are measured per \
      task. With pareto:a, a <= 2 (infinite variance) the intervals are unreliable.
      """)

  @OptionGroup var model: BatchModelOptions

  @Option(parsing: .unconditional, help: "Replications R, 2...10000.")
  var replications = 20

  @Option(parsing: .unconditional, help: "Counted arrivals per replication, 1000...10^8.")
  var arrivals = 200_000

  @Option(parsing: .unconditional, help: "Warm-up arrivals per replication (default arrivals/10).")
  var warmup: Int?

  @Option(help: "Seed of the replications' generators.")
  var seed: UInt64 = 1

  @Option(parsing: .unconditional, help: "Two-sided confidence level, in (0, 1).")
  var confidence = 0.95

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let parameters = try model.parameters()
    let settings = try batchValidating {
      try BatchQueueSimulationSettings(
        replications: replications, arrivals: arrivals, warmupArrivals: warmup, seed: seed,
        confidence: confidence)
    }
    let solution = try batchValidating { try BatchQueueSolver.solve(parameters) }
    var warnings = solutionWarnings(solution)
    if case .pareto(let shape) = parameters.arrivals.law, shape <= 2 {
      warnings.append(
        "pareto shape \(formatNumber(shape)) <= 2 has infinite variance: the confidence "
          + "intervals are unreliable (Q9)")
    }
    let diagnostics = Diagnostics()
    diagnostics.warn(all: warnings)
    let progress = ProgressReporter("batch simulate")
    let result = BatchQueueSimulator.run(parameters, settings: settings) { done, total in
      progress.report("replication \(done)/\(total)")
    }
    let exact = solution.measures
    let exactValues: [String: Double] = [
      "idleProbability": exact.idleProbability, "meanInSystem": exact.meanInSystem,
      "meanQueue": exact.meanQueue, "meanWithServer": exact.meanWithServer,
      "meanSojourn": exact.meanSojourn, "meanWait": exact.meanWait,
      "meanServedBatch": exact.meanServedBatch, "arrivalJoinsBatch": exact.arrivalJoinsBatch,
      "blockingProbability": exact.blockingProbability, "throughput": exact.throughput,
    ]
    let rows = result.named.map { name, estimate in
      BatchSimulationRow(
        quantity: name, exact: exactValues[name] ?? .nan, simulated: estimate.mean,
        halfWidth: estimate.halfWidth, inside: estimate.contains(exactValues[name] ?? .nan))
    }
    let provenance = Provenance(
      command: "batch simulate",
      parameters: model.provenance + [
        ("replications", .integer(replications)), ("arrivals", .integer(arrivals)),
        ("warmup", .integer(settings.warmupArrivals)), ("seed", .text(String(seed))),
        ("confidence", .number(confidence)),
      ])
    var table = TextTable(header: ["quantity", "exact", "simulated", "half_width", "inside"])
    for row in rows {
      table.append([
        row.quantity, formatNumber(row.exact), formatNumber(row.simulated),
        formatNumber(row.halfWidth), row.inside ? "yes" : "no",
      ])
    }
    try output.emit(
      CommandResult(
        document: BatchSimulationReport(
          rows: rows, method: solution.method.rawValue, status: solution.status.rawValue),
        table: table),
      provenance: provenance, diagnostics: diagnostics,
      notConverged: batchNotConverged(solution))
  }
}

struct BatchSimulationRow: Encodable {
  let quantity: String
  let exact: Double
  let simulated: Double
  let halfWidth: Double
  let inside: Bool
}

/// The JSON document of `batch simulate` (the output kit adds `provenance` and `warnings`).
struct BatchSimulationReport: Encodable {
  let rows: [BatchSimulationRow]
  let method: String
  let status: String
}
