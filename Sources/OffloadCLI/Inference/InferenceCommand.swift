import ArgumentParser
import OffloadLab

/// `offload inference`: the generative Markov model of collaborative AI inference
/// (docs/collaborative-inference.md).
struct InferenceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inference",
    abstract: "Collaborative inference as a generative Markov model: exact tiny instances, "
      + "simulation at scale, Def. 3.1 and Def. 3.2.",
    discussion: """
      Instances: T1, T2, T3, T4, M1 (tiny, exact; spec G7.2) and paper (spec G6.6, \
      simulation only). Values marked PLACEHOLDER in docs/collaborative-inference.md are \
      parameters chosen where the source papers give no number; outputs list them.
      """,
    subcommands: [
      InferenceExactCommand.self, InferenceSimulateCommand.self, InferenceOptimalCommand.self,
      InferenceFigure1Command.self, InferenceFigure2Command.self,
      InferenceSizeServerCommand.self,
    ])
}

extension InferenceInstance: ExpressibleByArgument {}
extension SchedulingPolicy: ExpressibleByArgument {}

/// The instance options shared by every `inference` subcommand.
struct InferenceInstanceOptions: ParsableArguments {
  @Option(help: "Instance: T1, T2, T3, T4, M1 (tiny) or paper.")
  var instance: InferenceInstance?

  @Option(help: "Users N of the paper instance, in 1...1000000 (default 1000).")
  var users: Int?

  @Option(
    help: """
      Server capacity: for paper the multiple m of the base profile (2 cores, 2.5 GB), \
      default 10; for a tiny instance a factor on its nominal server, default 1. In (0, 10000].
      """)
  var serverCapacity: Double?

  @Option(help: "Capacity multiple u of every user (paper instance), in (0, 100].")
  var userCapacity: Double = 1

  @Option(help: "theta of the adaptive scheduler (spec G6.5), >= 0.")
  var theta: Double = 1

  /// The instance and its validated parameters.
  func resolve(default fallback: InferenceInstance) throws -> (
    InferenceInstance, InferenceParameters
  ) {
    let chosen = instance ?? fallback
    return try validatingParameters {
      if let users, !(1...InferenceParameters.maximumUserCount).contains(users) {
        throw ParameterError.outOfRange(
          "--users", users, valid: "in 1...\(InferenceParameters.maximumUserCount)")
      }
      if let serverCapacity, !(serverCapacity > 0 && serverCapacity <= 10_000) {
        throw ParameterError.outOfRange("--server-capacity", serverCapacity, valid: "in (0, 10000]")
      }
      guard theta >= 0, theta.isFinite else {
        throw ParameterError.outOfRange("--theta", theta, valid: ">= 0")
      }
      if chosen == .paper {
        return (
          chosen,
          try chosen.parameters(
            users: users, serverMultiple: serverCapacity ?? 10, userMultiple: userCapacity,
            adaptiveThreshold: theta)
        )
      }
      var parameters = try chosen.parameters(users: users, adaptiveThreshold: theta)
      if let serverCapacity {
        parameters.serverCpu *= serverCapacity
        parameters.serverMemory *= serverCapacity
      }
      return (chosen, parameters)
    }
  }

  /// Provenance entries of these options (defaults included).
  func provenance(_ instance: InferenceInstance, _ parameters: InferenceParameters) -> [(
    name: String, value: ParameterValue
  )] {
    var entries: [(name: String, value: ParameterValue)] = [
      ("instance", .text(instance.rawValue)), ("users", .integer(parameters.userCount)),
      ("serverCpu", .number(parameters.serverCpu)),
      ("serverMemory", .number(parameters.serverMemory)),
      ("theta", .number(parameters.adaptiveThreshold)),
    ]
    if instance == .paper {
      entries.append(("serverCapacity", .number(serverCapacity ?? 10)))
      entries.append(("userCapacity", .number(userCapacity)))
    }
    return entries
  }
}

/// The state cap of exact enumerations.
struct InferenceEnumerationOptions: ParsableArguments {
  @Option(help: "Cap on discovered states, in 1...20000000.")
  var maxStates = 2_000_000

  func limits() throws -> EnumerationLimits {
    try validatingParameters {
      guard (1...20_000_000).contains(maxStates) else {
        throw ParameterError.outOfRange("--max-states", maxStates, valid: "in 1...20000000")
      }
      return EnumerationLimits(maximumStates: maxStates)
    }
  }
}

/// `--svg` of the figure sweeps (next to the shared `OutputOptions`).
struct InferenceChartOption: ParsableArguments {
  @Option(help: ArgumentHelp("Also write an SVG chart to this file.", valueName: "file"))
  var svg: String?
}

/// A JSON document of the family: the placeholders and the results (the output kit adds
/// `provenance` and `warnings`), and for one shard of a figure sweep its `i/n` and the
/// run's parameter hash.
struct InferenceDocument<Results: Encodable>: Encodable {
  let placeholders: [String]
  let results: Results
  var shard: [String: String]?
}

/// Writes a result through the output kit (table / CSV / JSON with provenance), the
/// warnings on stderr and in JSON; exits with code 2 if `notConverged` lists anything or
/// under `--strict` with warnings.
/// - Parameter shard: for one shard of a figure sweep, its position and each row's 1-based
///   point in the full sweep; the output is then CSV by default, with the shard columns
///   that `offload merge` reads (docs/cli.md, "Shards and merge").
func emitInference<Results: Encodable>(
  _ results: Results, table: TextTable, provenance: Provenance, warnings: [String],
  placeholders: [String], output: OutputOptions, notConverged: [String] = [],
  shard: (position: ShardOption.Position, points: [Int])? = nil
) throws {
  let diagnostics = Diagnostics()
  diagnostics.warn(all: warnings)
  var result = CommandResult(
    document: InferenceDocument(
      placeholders: placeholders, results: results,
      shard: shard.map {
        ["shard": $0.position.label, "parameterHash": provenance.parameterHash]
      }),
    table: table)
  result.shard = shard
  try output.emit(
    result, provenance: provenance, diagnostics: diagnostics,
    defaultFormat: shard == nil ? .table : .csv, notConverged: notConverged)
}

/// The warning every paper-scale output carries (spec G0, G13).
func placeholderWarning(_ parameters: InferenceParameters) -> [String] {
  guard parameters.placeholders.count > 1 else { return [] }
  return [
    "results depend on PLACEHOLDER parameters (no published value): "
      + parameters.placeholders.joined(separator: "; ")
      + "; only the shapes of the paper's figures are comparable (spec G13)"
  ]
}

/// Formats an optional number ("n/a" when undefined, never NaN).
func cell(_ value: Double?) -> String {
  value.map { formatNumber($0, significantDigits: 7) } ?? "n/a"
}

/// `value ± half-width` for tables.
func cell(_ estimate: IntervalEstimate?) -> String {
  guard let estimate else { return "n/a" }
  return formatNumber(estimate.value, significantDigits: 6) + " ± "
    + formatNumber(estimate.halfWidth, significantDigits: 2)
}

extension IntervalEstimate {
  /// Simulation estimates in JSON: value, half-width of the 95 % interval, batches used.
  var json: [String: Double] {
    ["value": value, "halfWidth95": halfWidth, "batches": Double(batches)]
  }
}
