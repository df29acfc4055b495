import ArgumentParser
import OffloadLab

/// `offload batch solve`: exact distributions and measures of one configuration (spec Q3-Q5).
struct BatchSolveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "solve",
    abstract: "Exact pre-arrival and arbitrary-epoch distributions, measures and checks.",
    discussion: """
      The infinite buffer under the switch rule is solved by the roots method (O(K) plus one \
      root, docs/batch-queue.md §4.1); a finite --capacity or the frozen rule by the embedded \
      chain (§4.2). The distributions are listed from n = 0 until the mass beyond is below \
      1e-15 (at most --max-terms terms). JSON keys: sigma, idleProbability, meanInSystem, \
      meanQueue, meanWithServer, meanSojourn, meanWait, meanServedBatch, throughput, \
      preArrival, arbitrary, checks, status, provenance, warnings.
      """)

  /// Largest `--max-terms`.
  static let maximumListedTerms = 1_000_000

  @OptionGroup var model: BatchModelOptions

  @Option(help: "auto (roots for the infinite switch model, else the chain), roots or truncated.")
  var method = BatchMethodOption.auto

  @Option(
    parsing: .unconditional,
    help: "Truncation level of the chain for an infinite buffer (default: automatic, Q3.2.3).")
  var truncationLevel: Int?

  @Option(
    parsing: .unconditional,
    help: "Most distribution terms listed, 1...\(maximumListedTerms).")
  var maxTerms = 100_000

  @OptionGroup var output: OutputOptions

  @Option(
    name: .customLong("distribution-csv"),
    help: ArgumentHelp(
      "Also write n, q, r, pre_arrival, arbitrary per n to this CSV file.", valueName: "file"))
  var distributionCSV: String?

  @Option(
    name: .customLong("batch-size-csv"),
    help: ArgumentHelp(
      "Also write r, server content, served-batch and start-batch probabilities (r = 0...K).",
      valueName: "file"))
  var batchSizeCSV: String?

  func run() throws {
    try output.checkPaths([
      ("--distribution-csv", distributionCSV), ("--batch-size-csv", batchSizeCSV),
    ])
    guard (1...Self.maximumListedTerms).contains(maxTerms) else {
      throw ValidationError(
        "--max-terms: invalid value \(maxTerms): must be an integer in 1...\(Self.maximumListedTerms)"
      )
    }
    if truncationLevel != nil, method != .truncated {
      throw ValidationError("--truncation-level: applies with --method truncated only")
    }
    let parameters = try model.parameters()
    let solution = try batchValidating {
      try BatchQueueSolver.solve(parameters, method: method.solverMethod(level: truncationLevel))
    }
    let provenance = Provenance(
      command: "batch solve",
      parameters: model.provenance + [
        ("method", .text(method.rawValue)),
        ("truncation_level", .text(truncationLevel.map(String.init) ?? "auto")),
        ("max_terms", .integer(maxTerms)),
      ])
    let report = BatchSolveReport(solution, maxTerms: maxTerms)
    let listsShown = output.format() == .json || distributionCSV != nil
    let diagnostics = Diagnostics()
    diagnostics.warn(all: solutionWarnings(solution) + (listsShown ? report.listingWarnings : []))
    if let distributionCSV {
      try write(
        report.distributionTable.describing(provenance).renderCSV() + "\n",
        toFile: distributionCSV, flag: "--distribution-csv")
    }
    if let batchSizeCSV {
      try write(
        report.batchSizeTable.describing(provenance).renderCSV() + "\n", toFile: batchSizeCSV,
        flag: "--batch-size-csv")
    }
    try output.emit(
      CommandResult(
        document: report, csv: report.measureTable, text: [report.measureColumn.renderText()]),
      provenance: provenance, diagnostics: diagnostics,
      notConverged: batchNotConverged(solution))
  }
}

/// `--method`.
enum BatchMethodOption: String, ExpressibleByArgument, CaseIterable {
  case auto, roots, truncated

  func solverMethod(level: Int?) -> BatchQueueSolver.Method {
    switch self {
    case .auto: return .automatic
    case .roots: return .roots
    case .truncated: return .truncated(level: level)
    }
  }
}

/// The JSON document of `batch solve` (the output kit adds `provenance` and `warnings`)
/// and its tables.
struct BatchSolveReport: Encodable {
  let solution: BatchQueueSolution
  let preArrival: [Double]
  let arbitrary: [Double]

  init(_ solution: BatchQueueSolution, maxTerms: Int) {
    self.solution = solution
    preArrival = solution.preArrival.listed(untilTailBelow: 1e-15, limit: maxTerms)
    arbitrary = solution.arbitrary.listed(untilTailBelow: 1e-15, limit: maxTerms)
  }

  /// The mass beyond the listed terms, at each epoch.
  var tailMass: (preArrival: Double, arbitrary: Double) {
    (
      solution.preArrival.mass(from: preArrival.count),
      solution.arbitrary.mass(from: arbitrary.count)
    )
  }

  var listingWarnings: [String] {
    let tails = tailMass
    guard max(tails.preArrival, tails.arbitrary) > 1e-15 else { return [] }
    return [
      "the distributions are listed up to n = \(max(preArrival.count, arbitrary.count) - 1) "
        + "(--max-terms); the mass beyond is \(formatNumber(max(tails.preArrival, tails.arbitrary)))"
    ]
  }

  /// The measures by their JSON names, in a stable order.
  var namedMeasures: [(String, Double)] {
    let m = solution.measures
    return [
      ("sigma", solution.sigma ?? .nan), ("rho", solution.parameters.load),
      ("idleProbability", m.idleProbability), ("meanInSystem", m.meanInSystem),
      ("meanQueue", m.meanQueue), ("meanWithServer", m.meanWithServer),
      ("meanSojourn", m.meanSojourn), ("meanWait", m.meanWait),
      ("meanTimeWithServer", m.meanTimeWithServer), ("meanServedBatch", m.meanServedBatch),
      ("meanStartBatch", m.meanStartBatch), ("batchCompletionRate", m.batchCompletionRate),
      ("throughput", m.throughput), ("arrivalFindsIdle", m.arrivalFindsIdle),
      ("arrivalStartsBatch", m.arrivalStartsBatch), ("arrivalJoinsBatch", m.arrivalJoinsBatch),
      ("arrivalWaits", m.arrivalWaits), ("blockingProbability", m.blockingProbability),
      ("meanSeenByArrival", m.meanSeenByArrival), ("largestCheckResidual", solution.checks.largest),
    ]
  }

  /// One row of all measures (CSV).
  var measureTable: TextTable {
    let named = namedMeasures.filter { !$0.1.isNaN }
    var table = TextTable(header: named.map(\.0) + ["solver", "status"])
    table.append(
      named.map { formatNumber($0.1) } + [solution.method.rawValue, solution.status.rawValue])
    return table
  }

  /// One row per measure (human-readable table).
  var measureColumn: TextTable {
    var table = TextTable(header: ["quantity", "value"])
    for (name, value) in namedMeasures where !value.isNaN {
      table.append([name, formatNumber(value, significantDigits: 12)])
    }
    table.append(["solver", solution.method.rawValue])
    table.append(["status", solution.status.rawValue])
    return table
  }

  /// r, then the server-content, served-batch and start-batch probabilities of r (Q5).
  var batchSizeTable: TextTable {
    let measures = solution.measures
    var table = TextTable(header: ["r", "server_content", "served_batch", "start_batch"])
    for r in 0...solution.parameters.maximumBatch {
      table.append([
        String(r), formatNumber(measures.serverContentDistribution[r]),
        formatNumber(measures.servedBatchDistribution[r]),
        formatNumber(measures.startBatchDistribution[r]),
      ])
    }
    return table
  }

  /// n, its (q, r) label of spec Q2.1, π_n and p_n.
  var distributionTable: TextTable {
    let parameters = solution.parameters
    var table = TextTable(header: ["n", "q", "r", "pre_arrival", "arbitrary"])
    for n in 0..<max(preArrival.count, arbitrary.count) {
      let (queue, server) = parameters.queueAndServer(systemSize: n)
      table.append([
        String(n), String(queue), String(server), formatNumber(solution.preArrival.probability(n)),
        formatNumber(solution.arbitrary.probability(n)),
      ])
    }
    return table
  }

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    for (name, value) in namedMeasures where name != "sigma" {
      try container.encode(value, forKey: Key(stringValue: name))
    }
    try container.encode(solution.sigma, forKey: Key(stringValue: "sigma"))
    try container.encode(preArrival, forKey: Key(stringValue: "preArrival"))
    try container.encode(arbitrary, forKey: Key(stringValue: "arbitrary"))
    let tails = tailMass
    try container.encode(
      ["preArrival": tails.preArrival, "arbitrary": tails.arbitrary],
      forKey: Key(stringValue: "tailMassBeyondListed"))
    try container.encode(
      solution.measures.servedBatchDistribution, forKey: Key(stringValue: "servedBatchDistribution")
    )
    try container.encode(
      solution.measures.startBatchDistribution, forKey: Key(stringValue: "startBatchDistribution"))
    try container.encode(
      solution.measures.serverContentDistribution,
      forKey: Key(stringValue: "serverContentDistribution"))
    try container.encode(solution.method.rawValue, forKey: Key(stringValue: "method"))
    try container.encode(solution.status.rawValue, forKey: Key(stringValue: "status"))
    try container.encode(solution.iterations, forKey: Key(stringValue: "iterations"))
    try container.encode(solution.stateCount, forKey: Key(stringValue: "stateCount"))
    try container.encode(solution.checks, forKey: Key(stringValue: "checks"))
  }
}
