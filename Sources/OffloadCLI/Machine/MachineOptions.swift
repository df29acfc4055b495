import ArgumentParser
import Foundation
import OffloadLab

extension SchedulingRule: ExpressibleByArgument {}
extension AgeWeighting: ExpressibleByArgument {}
extension SamplingCostKind: ExpressibleByArgument {}
extension MaxAgeTieRule: ExpressibleByArgument {}
extension SlotOrdering: ExpressibleByArgument {}

/// The modelling assumptions that docs/markov-machine.md §A0 makes options
/// (`ModelAssumptions`); the defaults are the choices of §A2, under which the closed forms
/// were derived.
struct MachineAssumptionOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Max-age ties among users of S with the largest age: lowest (docs/markov-machine.md "
        + "§A2), highest or uniform."))
  var maxAgeTies = MaxAgeTieRule.lowestIndex

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Sample w.p. MU0 in (0, 1] in slots with every queue empty (default: no sampling, "
        + "docs/markov-machine.md §A2.4); matters only with queues (simulate, cases, "
        + "figure4).",
      valueName: "MU0"))
  var emptyQueueSamplingProbability: Double?

  @Option(
    help: ArgumentHelp(
      "Order of events in a slot: a2 (sample, serve from this slot, then flip), flip-first "
        + "or service-next-slot (alternatives to the choice of docs/markov-machine.md §A2)."))
  var slotOrdering = SlotOrdering.sampleThenFlip

  /// The provenance entries of the assumptions.
  var provenance: [(name: String, value: ParameterValue)] {
    [
      ("max_age_ties", .text(maxAgeTies.rawValue)),
      (
        "empty_queue_sampling_probability",
        emptyQueueSamplingProbability.map { .number($0) } ?? .text("none")
      ),
      ("slot_ordering", .text(slotOrdering.rawValue)),
    ]
  }

  /// The validated assumptions.
  func assumptions() throws -> ModelAssumptions {
    try validatingParameters {
      try ModelAssumptions(
        maxAgeTies: maxAgeTies,
        emptySystemSampling: emptyQueueSamplingProbability.map { .sample(probability: $0) }
          ?? .skip,
        slotOrdering: slotOrdering)
    }
  }
}

/// The model flags shared by the `machine` subcommands (docs/markov-machine.md §A1). Lists
/// are comma separated; each subcommand supplies its own defaults for q_i and p_i.
struct MachineModelOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: "q: flip probability of the idle machine (free <-> busy per slot), in [1e-9, 1).")
  var flipProbability = 0.5

  @Option(
    name: .customLong("busy-after-completion"),
    parsing: .unconditional,
    help: "s: probability that the machine is internally busy right after a completion, in [0, 1].")
  var busyAfterCompletion = 0.5

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "q_i list: per-slot service completion probability of each user, each in [1e-9, 1].",
      valueName: "q1,q2,..."))
  var serviceProbabilities: String?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "p_i list: per-slot job arrival probability of each user, each in [0, 1).",
      valueName: "p1,p2,..."))
  var arrivalProbabilities: String?

  @Option(
    parsing: .unconditional, help: "L: cost of one sample of the machine's state, in [0, 1e100].")
  var samplingCost = 5.0

  /// The validated parameters with the Fig. 4 defaults (service probabilities and the low
  /// arrival regime, docs/markov-machine.md §A11), their assumption warnings issued to
  /// `diagnostics`.
  func figure4Parameters(_ diagnostics: Diagnostics) throws -> MachineParameters {
    let parameters = try parameters(
      defaultService: MachineDefaults.service, defaultArrivals: MachineDefaults.lowArrivals)
    diagnostics.warn(all: parameters.warnings)
    return parameters
  }

  /// The provenance entries of resolved `parameters` (defaults included).
  static func provenance(_ parameters: MachineParameters) -> [(
    name: String, value: ParameterValue
  )] {
    [
      ("flip_probability", .number(parameters.flipProbability)),
      ("busy_after_completion", .number(parameters.busyAfterCompletionProbability)),
      ("service_probabilities", .numbers(parameters.serviceProbabilities)),
      ("arrival_probabilities", .numbers(parameters.arrivalProbabilities)),
      ("sampling_cost", .number(parameters.samplingCost)),
    ]
  }

  /// The validated parameters; missing lists take the command's defaults (missing
  /// arrivals with given service probabilities mean no arrivals).
  func parameters(defaultService: [Double], defaultArrivals: [Double]? = nil) throws
    -> MachineParameters
  {
    try validatingParameters {
      let service = try serviceProbabilities.map {
        try parseList($0, name: "service probabilities (q_i)")
      }
      let arrivals = try arrivalProbabilities.map {
        try parseList($0, name: "arrival probabilities (p_i)")
      }
      return try MachineParameters(
        flipProbability: flipProbability, busyAfterCompletionProbability: busyAfterCompletion,
        serviceProbabilities: service ?? defaultService,
        arrivalProbabilities: arrivals ?? (service == nil ? defaultArrivals : nil),
        samplingCost: samplingCost)
    }
  }
}

/// The flags of the subset problems (12) and (16) (docs/markov-machine.md §A8).
struct MachineOptimizerOptions: ParsableArguments {
  @Option(help: "Age weight w in w * sum_{k in S} Delta_k + S: 1/N (default), sum or mean (1/|S|).")
  var weight = AgeWeighting.perUser

  @Option(help: "Sampling cost of phi1 inside problem (12): exact (Theorem 2) or bound (S_ub).")
  var sKind = SamplingCostKind.exact

  @Option(
    parsing: .unconditional,
    help: "Nelder-Mead starting points of the multistart for phi1's schedule, 1...\(maximumStarts)."
  )
  var starts = 12

  /// The largest --starts.
  static let maximumStarts = SubsetOptimizer.maximumStarts

  @Option(
    parsing: .unconditional,
    help: "Seed of the multistart (and of simulations where they take one).")
  var seed: UInt64 = 1

  /// The provenance entries of the optimizer.
  var provenance: [(name: String, value: ParameterValue)] {
    [
      ("weight", .text(weight.rawValue)), ("s_kind", .text(sKind.rawValue)),
      ("starts", .integer(starts)), ("seed", .text(String(seed))),
    ]
  }

  func optimizer(_ assumptions: ModelAssumptions) throws -> SubsetOptimizer {
    try validatingParameters { try SubsetOptimizer.checkStarts(starts) }
    return SubsetOptimizer(
      weighting: weight, samplingCostKind: sKind, starts: starts, seed: seed,
      assumptions: assumptions)
  }

  /// The two lookup tables, or constant tables when `samplingProbability` is given.
  func tables(
    _ parameters: MachineParameters, samplingProbability: Double?,
    assumptions: ModelAssumptions
  ) throws -> (randomized: PolicyTable, maxAge: PolicyTable) {
    if let samplingProbability {
      return try validatingParameters {
        (
          try PolicyTable.constant(
            parameters, rule: .randomized, samplingProbability: samplingProbability,
            weighting: weight, assumptions: assumptions),
          try PolicyTable.constant(
            parameters, rule: .maxAge, samplingProbability: samplingProbability,
            weighting: weight, assumptions: assumptions)
        )
      }
    }
    let optimizer = try optimizer(assumptions)
    return (
      optimizer.table(parameters, rule: .randomized), optimizer.table(parameters, rule: .maxAge)
    )
  }
}

/// The flags of a simulation run (docs/markov-machine.md §A7).
struct MachineSimulationOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: "Measured slots per replication, \(minimumSlots)...\(formatCount(maximumSlots)).")
  var slots = 1_000_000

  @Option(
    parsing: .unconditional,
    help: "Slots simulated before measuring, 0...\(formatCount(maximumSlots)).")
  var warmUp = 10_000

  @Option(
    parsing: .unconditional,
    help:
      "Independent replications R in 2...\(maximumReplications) (seeds seed, seed+1, ...); 95% t intervals."
  )
  var replications = 4

  @Option(parsing: .unconditional, help: "Seed of the first replication.")
  var simulationSeed: UInt64 = 1

  /// The fewest measured slots: the queue-growth test cuts a run into 100 windows
  /// (docs/markov-machine.md §A9.5).
  static let minimumSlots = 100
  /// The most slots per replication (measured and warm-up each).
  static let maximumSlots = 1_000_000_000_000
  /// The most replications.
  static let maximumReplications = 10_000

  /// The provenance entries of the simulation.
  var provenance: [(name: String, value: ParameterValue)] {
    [
      ("slots", .integer(slots)), ("warm_up", .integer(warmUp)),
      ("replications", .integer(replications)),
      ("simulation_seed", .text(String(simulationSeed))),
    ]
  }

  func settings(permanentCongestion: UserSubset? = nil) throws -> SimulationSettings {
    try require(
      (2...Self.maximumReplications).contains(replications),
      .outOfRange(
        "--replications (R)", replications,
        valid: "an integer in 2...\(Self.maximumReplications) (a t interval needs two)"))
    try require(
      (Self.minimumSlots...Self.maximumSlots).contains(slots),
      .outOfRange(
        "--slots", slots,
        valid: "an integer in \(Self.minimumSlots)...\(formatCount(Self.maximumSlots)) "
          + "(the queue-growth test cuts the run into \(Self.minimumSlots) windows)"))
    try require(
      (0...Self.maximumSlots).contains(warmUp),
      .outOfRange(
        "--warm-up", warmUp, valid: "an integer in 0...\(formatCount(Self.maximumSlots))"))
    return try validatingParameters {
      try SimulationSettings(
        slots: slots, warmUpSlots: warmUp, replications: replications, seed: simulationSeed,
        permanentCongestion: permanentCongestion)
    }
  }
}

/// The default model of the CLI: the paper's Fig. 4 users (q_i) and low arrival regime (p_i).
enum MachineDefaults {
  static let service = [0.1, 0.4, 0.6, 0.9]
  static let lowArrivals = [0.01, 0.02, 0.05, 0.06]
  static let highArrivals = [0.05, 0.2, 0.5, 0.6]
}

/// Parses `--subset` (1-based users, comma separated, each once; default: every user).
func parseSubset(_ text: String?, _ parameters: MachineParameters) throws -> UserSubset {
  guard let text else { return parameters.allUsers }
  let users = try text.split(separator: ",", omittingEmptySubsequences: false).map {
    part -> Int in
    guard let user = Int(part.trimmingCharacters(in: .whitespaces)) else {
      throw ValidationError(
        ParameterError.malformed(
          name: "--subset (S)", value: text, expected: "a comma list of users 1...N"
        ).description)
    }
    try require(
      user >= 1,
      .outOfRange("subset (S) member", user, valid: "a user in 1...\(parameters.userCount)"))
    return user - 1
  }
  try require(
    Set(users).count == users.count,
    .malformed(name: "--subset (S)", value: text, expected: "each user listed once"))
  return try validatingParameters { try parameters.subset(users: users) }
}

/// Formats a list of numbers as `a/b/c` for one table cell.
func formatList(_ values: [Double], significantDigits: Int = 6) -> String {
  values.map { formatNumber($0, significantDigits: significantDigits) }.joined(separator: "/")
}

/// Prints progress on stderr, prefixed by the command.
func machineProgress(_ message: String) {
  printToStandardError("machine: " + message)
}

/// Parses a comma list of numbers, naming the flag in the error.
func parseList(_ text: String, name: String) throws(ParameterError) -> [Double] {
  let parts = text.split(separator: ",", omittingEmptySubsequences: false)
  var values: [Double] = []
  for part in parts {
    guard let value = Double(part.trimmingCharacters(in: .whitespaces)) else {
      throw .malformed(name: name, value: text, expected: "a comma list of numbers")
    }
    values.append(value)
  }
  return values
}
