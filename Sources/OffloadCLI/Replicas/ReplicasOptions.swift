import ArgumentParser
import Foundation
import OffloadLab

extension AssignmentRule: ExpressibleByArgument {}
extension SearchStrategy: ExpressibleByArgument {}

/// The device pool flags shared by every `offload replicas` subcommand.
struct ReplicasPoolOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Fault probability p of every device, in [0, 1] (a homogeneous, unlimited pool).",
      valueName: "p"))
  var faultProbability: Double?

  @Option(
    parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "A device class COUNT@P or COUNT@P~SD: COUNT >= 1 devices failing with probability P "
        + "in [0, 1], or with P drawn from a normal of mean P and standard deviation SD in "
        + "[0, 1] truncated to [0, 1]; percentages allowed (900@30%~13.4%). Repeatable.",
      valueName: "count@p[~sd]"))
  var pool: [String] = []

  @Option(
    help: ArgumentHelp(
      "A CSV file of device fault probabilities p_i in [0, 1] (comma, semicolon or space "
        + "separated; '#' comments and one header line allowed).",
      valueName: "path"))
  var poolFile: String?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "An unlimited stream of devices P or P~SD (P, SD in [0, 1]) used after the pool's "
        + "devices (a nested pool: a grid plus a stream).",
      valueName: "p[~sd]"))
  var stream: String?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Seed of the SplitMix64 generator behind ~SD draws (an integer in [0, 2^64 - 1]).",
      valueName: "seed"))
  var seed: UInt64 = 1

  /// The provenance entries of the pool flags (as given; `none` where absent).
  var provenance: [(name: String, value: ParameterValue)] {
    [
      ("fault_probability", faultProbability.map { .number($0) } ?? .text("none")),
      ("pool", .text(pool.isEmpty ? "none" : pool.joined(separator: ";"))),
      ("pool_file", .text(poolFile ?? "none")), ("stream", .text(stream ?? "none")),
      ("seed", .text(String(seed))),
    ]
  }

  /// The pool the flags describe; `--fault-probability` excludes the other pool flags.
  func makePool() throws -> DevicePool {
    try validatingParameters {
      if let faultProbability {
        guard pool.isEmpty && poolFile == nil && stream == nil else {
          throw ParameterError.inconsistent(
            name: "--fault-probability", value: formatParameterValue(faultProbability),
            reason: "a homogeneous pool excludes --pool, --pool-file and --stream")
        }
        return try DevicePool.homogeneous(faultProbability: faultProbability)
      }
      let classes = try pool.map { try DeviceClass(parsing: $0, parameter: "--pool") }
      let listed = try poolFile.map { path in
        try parseFaultProbabilities(csv: try readPoolFile(path), parameter: "--pool-file '\(path)'")
      }
      let streamDistribution = try stream.map {
        try FaultDistribution(parsing: $0, parameter: "--stream")
      }
      guard !classes.isEmpty || listed != nil || streamDistribution != nil else {
        throw ParameterError.inconsistent(
          name: "device pool", value: "none",
          reason: "give --fault-probability, --pool, --pool-file or --stream")
      }
      return try DevicePool(
        faultProbabilities: listed ?? [], classes: classes, stream: streamDistribution, seed: seed)
    }
  }

  private func readPoolFile(_ path: String) throws -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw ParameterError.malformed(
        name: "--pool-file", value: path, expected: "a readable UTF-8 CSV file")
    }
    return text
  }
}

/// `--tasks m`.
struct ReplicasTasksOption: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Number of unique tasks m (an integer >= 1).", valueName: "m"))
  var tasks: Int

  /// The job of `m` tasks on the pool the flags describe.
  func problem(_ poolOptions: ReplicasPoolOptions) throws -> ReplicationProblem {
    let pool = try poolOptions.makePool()
    return try validatingParameters { try ReplicationProblem(pool: pool, taskCount: tasks) }
  }
}

/// `--tasks` and the copy count, given as `--replication r` or `--copies M`.
struct ReplicasJobOptions: ParsableArguments {
  @OptionGroup var taskOption: ReplicasTasksOption

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Replication factor r >= 1: M = floor(r m) copies (r m within 1e-12 of an integer "
        + "counts as that integer).",
      valueName: "r"))
  var replication: Double?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Total task copies M (an integer >= m), instead of --replication.", valueName: "M"))
  var copies: Int?

  /// The provenance entries of the job flags.
  var provenance: [(name: String, value: ParameterValue)] {
    [
      ("tasks", .integer(taskOption.tasks)),
      ("replication", replication.map { .number($0) } ?? .text("none")),
      ("copies", copies.map { .integer($0) } ?? .text("none")),
    ]
  }

  /// The job on the pool the flags describe and its copy count `M`, from `--copies` or
  /// `--replication` (exactly one is required).
  func resolve(_ poolOptions: ReplicasPoolOptions) throws
    -> (problem: ReplicationProblem, copies: Int)
  {
    let problem = try taskOption.problem(poolOptions)
    switch (replication, copies) {
    case (nil, nil):
      throw ValidationError("give the copy count: --replication r (>= 1) or --copies M (>= m)")
    case (.some, .some):
      throw ValidationError("give either --replication or --copies, not both")
    case (let factor?, nil):
      return (
        problem, try validatingParameters { try problem.copyCount(replicationFactor: factor) }
      )
    case (nil, let count?):
      return (problem, count)
    }
  }
}

/// `--target delta`.
struct ReplicasTargetOption: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("Target probability of joint failure delta, in (0, 1).", valueName: "delta"))
  var target: Double?

  /// The provenance entry of the target.
  var provenance: [(name: String, value: ParameterValue)] {
    [("target", target.map { .number($0) } ?? .text("none"))]
  }
}

/// The provenance of a `replicas` subcommand: its own entries, then the pool's.
func replicasProvenance(
  _ command: String, _ parameters: [(name: String, value: ParameterValue)],
  pool: ReplicasPoolOptions, perRow: [String] = []
) -> Provenance {
  Provenance(
    command: "replicas " + command, parameters: parameters + pool.provenance, perRow: perRow)
}

/// Prints a note on stderr when the pool has more grid devices than the job uses.
func noteUnusedDevices(pool: DevicePool, copyCount: Int) {
  if pool.gridDeviceCount > copyCount {
    printToStandardError(
      "note: the pool has \(pool.gridDeviceCount) devices; the \(copyCount) most reliable "
        + "run the copies (nested pool order)")
  }
}

/// A probability for tables: 6 significant digits.
func probabilityText(_ value: Double) -> String {
  formatNumber(value, significantDigits: 6)
}

/// A probability as a percentage with 4 significant digits (`26.40%`).
func percentText(_ value: Double) -> String {
  formatNumber(value * 100, significantDigits: 4) + "%"
}
