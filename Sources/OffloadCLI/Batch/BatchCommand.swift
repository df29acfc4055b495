import ArgumentParser
import Foundation
import OffloadLab

/// `offload batch`: the GI/M(L→K)/1 accessible-batch offloading queue with batch-size-
/// dependent rates (docs/batch-queue.md).
struct BatchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "batch",
    abstract: "Batch offloading queue GI/M(L->K)/1 with late entry and size-dependent rates.",
    discussion: """
      Tasks arrive by a renewal process (--interarrival, mean 1/--arrival-rate); the server \
      starts a batch once L tasks wait, takes at most K, lets arrivals join a batch in \
      service while it holds fewer than K, and completes a batch of r tasks at rate mu_r. \
      'solve' gives the exact distributions and measures (roots method for the infinite \
      buffer, the embedded chain otherwise), 'table' the anchor table of docs/batch-queue.md \
      §8, 'simulate' a seeded simulation next to the exact values. Invalid input exits with \
      code 64; a solution whose checks fail exits with code 2.
      """,
    subcommands: [BatchSolveCommand.self, BatchTableCommand.self, BatchSimulateCommand.self]
  )
}

extension RateRule: ExpressibleByArgument {}

/// The model flags shared by the `batch` subcommands (spec Q1).
struct BatchModelOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "lambda: arrival rate (mean gap 1/lambda), finite > 0.")
  var arrivalRate = 1.0

  @Option(
    help: ArgumentHelp(
      "Inter-arrival law: \(InterarrivalLaw.validForms).", valueName: "law"))
  var interarrival = "exp"

  @Option(parsing: .unconditional, help: "L: minimum batch size (quorum), integer 1 <= L <= K.")
  var minBatch = 1.0

  @Option(parsing: .unconditional, help: "K: maximum batch size, integer 1 <= K <= 100000.")
  var maxBatch = 5.0

  @Option(
    help: ArgumentHelp(
      "mu_r: one rate for every size, K comma-separated rates mu_1..mu_K, or linear:a,b "
        + "(mu_r = 1/(a + b r)).", valueName: "rates"))
  var serviceRates = "linear:1,0.5"

  @Option(help: "Rate rule when a task joins: switch (rate of the current size) or frozen.")
  var rateRule = RateRule.switch

  @Option(
    help: ArgumentHelp(
      "N_cap: most tasks in the system (integer, K <= N_cap <= 200000) or inf.",
      valueName: "N|inf"))
  var capacity = "inf"

  /// The validated parameters; errors name the flag, the value and the range (exit 64).
  func parameters() throws -> BatchQueueParameters {
    try Self.parameters(
      arrivalRate: arrivalRate, interarrival: interarrival, minBatch: minBatch,
      maxBatch: maxBatch, serviceRates: serviceRates, rateRule: rateRule, capacity: capacity)
  }

  /// The validated parameters from the flags' text values.
  static func parameters(
    arrivalRate: Double, interarrival: String, minBatch: Double, maxBatch: Double,
    serviceRates: String, rateRule: RateRule = .switch, capacity: String = "inf"
  ) throws -> BatchQueueParameters {
    try batchValidating {
      let maximumBatch = try integer(
        maxBatch, name: "maximum batch size (K)",
        valid: "an integer with 1 <= K <= \(BatchQueueParameters.maximumBatchLimit)")
      let minimumBatch = try integer(
        minBatch, name: "minimum batch size (L)", valid: "an integer with 1 <= L <= K")
      let law = try InterarrivalLaw(parsing: interarrival)
      let arrivals = try InterarrivalDistribution(law: law, arrivalRate: arrivalRate)
      let rates = try BatchQueueParameters.serviceRates(
        parsing: serviceRates, maximumBatch: maximumBatch)
      return try BatchQueueParameters(
        arrivals: arrivals, minimumBatch: minimumBatch, maximumBatch: maximumBatch,
        serviceRates: rates, capacity: try parsedCapacity(capacity), rateRule: rateRule)
    }
  }

  /// `nil` for `inf`.
  private static func parsedCapacity(_ capacity: String) throws(ParameterError) -> Int? {
    if ["inf", "infinite"].contains(capacity.lowercased()) { return nil }
    guard let value = Double(capacity) else {
      throw .malformed(name: "capacity (N_cap)", value: capacity, expected: "an integer or inf")
    }
    return try integer(
      value, name: "capacity (N_cap)",
      valid: "an integer with K <= N_cap <= \(BatchQueueParameters.maximumCapacity), or inf")
  }

  /// The capacity as outputs carry it: as typed, or "infinite" for `inf` (outputs never
  /// print inf, docs/cli.md).
  private var capacityDescription: String {
    ["inf", "infinite"].contains(capacity.lowercased()) ? "infinite" : capacity
  }

  /// The model part of the provenance (every flag, defaults included).
  var provenance: [(name: String, value: ParameterValue)] {
    [
      ("arrival_rate", .number(arrivalRate)), ("interarrival", .text(interarrival)),
      ("min_batch", countValue(minBatch)), ("max_batch", countValue(maxBatch)),
      ("service_rates", .text(serviceRates)), ("rate_rule", .text(rateRule.rawValue)),
      ("capacity", .text(capacityDescription)),
    ]
  }
}

/// A count as it was typed: an integer when it is one.
func countValue(_ value: Double) -> ParameterValue {
  value == value.rounded() && abs(value) < 1e15 ? .integer(Int(value)) : .number(value)
}

/// An integer-valued flag read as a number, so that `2.5` or `1e9` get a range message.
func integer(_ value: Double, name: String, valid: String) throws(ParameterError) -> Int {
  guard value.isFinite, value == value.rounded(), abs(value) <= 1e15 else {
    throw .outOfRange(name, value, valid: valid)
  }
  return Int(value)
}

/// The flag behind each library parameter name, for error messages.
private let batchFlags: [(prefix: String, flag: String)] = [
  ("arrival rate", "--arrival-rate"), ("inter-arrival law", "--interarrival"),
  ("erlang", "--interarrival"), ("gamma", "--interarrival"), ("h2", "--interarrival"),
  ("pareto", "--interarrival"), ("lognormal", "--interarrival"),
  ("minimum batch", "--min-batch"), ("maximum batch", "--max-batch"),
  ("service rate", "--service-rates"), ("linear", "--service-rates"),
  ("capacity", "--capacity"), ("load rho", "--arrival-rate/--service-rates/--max-batch"),
  ("method", "--method"), ("truncation level", "--truncation-level"),
  ("tail decay", "--method"), ("truncated chain", "--capacity/--truncation-level"),
  ("replications", "--replications"), ("arrivals per", "--arrivals"),
  ("warm-up", "--warmup"), ("confidence", "--confidence"),
]

/// Runs `body`, turning a `ParameterError` into a usage error (exit 64) prefixed with the
/// flag it comes from.
func batchValidating<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ParameterError {
    let name: String
    switch error {
    case .outOfRange(let parameter, _, _), .malformed(let parameter, _, _),
      .inconsistent(let parameter, _, _):
      name = parameter
    }
    let flag = batchFlags.first { name.hasPrefix($0.prefix) }?.flag
    throw ValidationError((flag.map { "\($0): " } ?? "") + error.description)
  }
}

/// The warnings a solution carries to the user.
func solutionWarnings(_ solution: BatchQueueSolution) -> [String] {
  var warnings: [String] = []
  let parameters = solution.parameters
  if solution.status != .converged {
    warnings.append(
      "the checks of Q3.1.5/Q4.3 exceed \(formatNumber(BatchQueueChecks.tolerance)) (largest "
        + "\(formatNumber(solution.checks.largest))): the figures are not trustworthy to that "
        + "accuracy (rho = \(formatNumber(parameters.load)))")
  }
  if parameters.capacity == nil, parameters.rateRule == .frozen {
    warnings.append(
      "frozen rule with an infinite buffer: solved on the chain truncated at "
        + "\((solution.stateCount ?? 0)) states; its tail estimate is not a certificate (Q2.7)")
  }
  return warnings
}

/// The error line of the exit policy (exit 2) when a solution's checks failed, empty
/// otherwise.
func batchNotConverged(_ solution: BatchQueueSolution) -> [String] {
  guard solution.status != .converged else { return [] }
  return [
    "status \(solution.status.rawValue): the checks of Q3.1.5/Q4.3 exceed "
      + "\(formatNumber(BatchQueueChecks.tolerance)) (see the warning above)"
  ]
}
