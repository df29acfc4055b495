import ArgumentParser
import OffloadLab

/// `offload batch table`: the main table of spec Q8.1 (seven laws at equal mean, six
/// (L, K) pairs), by the roots method.
struct BatchTableCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "table",
    abstract: "The anchor table: seven inter-arrival laws x (L, K) pairs (docs/batch-queue.md §8).",
    discussion: """
      Defaults: lambda = 1, mu_r = 1/(1 + 0.5 r), switch rule, infinite buffer, (L, K) in \
      (1,5), (3,5), (5,5), (1,10), (5,10), (10,10), laws det, erlang:4, exp, h2:4, \
      lognormal:4, pareto:2.1180339887 (all SCV 4 for the last three) and pareto:1.8.
      """)

  static let defaultLaws = [
    "det", "erlang:4", "exp", "h2:4", "lognormal:4", "pareto:2.1180339887", "pareto:1.8",
  ]
  static let defaultPairs = "1:5,3:5,5:5,1:10,5:10,10:10"
  /// Largest number of table rows (laws × pairs).
  static let maximumRows = 10_000

  @Option(parsing: .unconditional, help: "lambda: arrival rate, finite > 0.")
  var arrivalRate = 1.0

  @Option(help: ArgumentHelp("mu_r as for 'batch solve'.", valueName: "rates"))
  var serviceRates = "linear:1,0.5"

  @Option(help: ArgumentHelp("Comma-separated laws.", valueName: "law,law,..."))
  var laws = defaultLaws.joined(separator: ",")

  @Option(help: ArgumentHelp("Comma-separated L:K pairs.", valueName: "L:K,..."))
  var pairs = defaultPairs

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let lawList = laws.split(separator: ",").map(String.init)
    let pairList = try parsedPairs()
    guard lawList.count * pairList.count <= Self.maximumRows, !lawList.isEmpty else {
      throw ValidationError(
        "--laws/--pairs: \(lawList.count) laws x \(pairList.count) pairs; give 1 to "
          + "\(Self.maximumRows) rows")
    }
    var rows: [BatchTableRow] = []
    var table = TextTable(
      header: [
        "law", "L", "K", "sigma", "P_idle", "Ls", "Lq", "Lser", "Wq", "W", "E[B]_served",
        "pre_P_join", "status",
      ])
    for (minimumBatch, maximumBatch) in pairList {
      for law in lawList {
        let parameters = try BatchModelOptions.parameters(
          arrivalRate: arrivalRate, interarrival: law, minBatch: Double(minimumBatch),
          maxBatch: Double(maximumBatch), serviceRates: serviceRates)
        let solution = try batchValidating { try BatchQueueSolver.solve(parameters) }
        let row = BatchTableRow(
          law: law, minBatch: minimumBatch, maxBatch: maximumBatch, solution: solution)
        rows.append(row)
        table.append(
          [law, String(minimumBatch), String(maximumBatch)]
            + row.values.map { formatNumber($0, significantDigits: 10) } + [row.status])
      }
    }
    let provenance = Provenance(
      command: "batch table",
      parameters: [
        ("arrival_rate", .number(arrivalRate)), ("service_rates", .text(serviceRates)),
        ("laws", .text(laws)), ("pairs", .text(pairs)), ("rate_rule", .text("switch")),
        ("capacity", .text("infinite")),
      ])
    let failed = rows.filter { $0.status != SolverStatus.converged.rawValue }
    let diagnostics = Diagnostics()
    diagnostics.warn(
      all: failed.map { "\($0.law) L=\($0.minBatch) K=\($0.maxBatch): checks above tolerance" })
    var exact = TextTable(header: table.header)
    for row in rows {
      exact.append(
        [row.law, String(row.minBatch), String(row.maxBatch)] + row.values.map(formatNumber)
          + [row.status])
    }
    try output.emit(
      CommandResult(
        document: BatchTableReport(rows: rows), csv: exact, text: [table.renderText()]),
      provenance: provenance, diagnostics: diagnostics,
      notConverged: failed.isEmpty
        ? [] : ["\(failed.count) of \(rows.count) rows failed their checks (warnings above)"])
  }

  private func parsedPairs() throws -> [(Int, Int)] {
    try pairs.split(separator: ",").map { item in
      let parts = item.split(separator: ":").compactMap { Int($0) }
      guard parts.count == 2 else {
        throw ValidationError("--pairs: malformed value '\(item)': expected L:K with integers")
      }
      return (parts[0], parts[1])
    }
  }
}

/// One row of the anchor table.
struct BatchTableRow: Encodable {
  let law: String
  let minBatch: Int
  let maxBatch: Int
  let sigma: Double
  let idleProbability: Double
  let meanInSystem: Double
  let meanQueue: Double
  let meanWithServer: Double
  let meanWait: Double
  let meanSojourn: Double
  let meanServedBatch: Double
  let arrivalJoinsBatch: Double
  let status: String

  init(law: String, minBatch: Int, maxBatch: Int, solution: BatchQueueSolution) {
    self.law = law
    self.minBatch = minBatch
    self.maxBatch = maxBatch
    let m = solution.measures
    sigma = solution.sigma ?? .nan
    idleProbability = m.idleProbability
    meanInSystem = m.meanInSystem
    meanQueue = m.meanQueue
    meanWithServer = m.meanWithServer
    meanWait = m.meanWait
    meanSojourn = m.meanSojourn
    meanServedBatch = m.meanServedBatch
    arrivalJoinsBatch = m.arrivalJoinsBatch
    status = solution.status.rawValue
  }

  /// The numeric columns in table order.
  var values: [Double] {
    [
      sigma, idleProbability, meanInSystem, meanQueue, meanWithServer, meanWait, meanSojourn,
      meanServedBatch, arrivalJoinsBatch,
    ]
  }
}

/// The JSON document of `batch table` (the output kit adds `provenance` and `warnings`).
struct BatchTableReport: Encodable {
  let rows: [BatchTableRow]
}
