import ArgumentParser
import OffloadLab

/// `offload replicas`: task replication on an unreliable grid (docs/replication.md).
struct ReplicasCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replicas",
    abstract: "Task replication on an unreliable grid: joint failure, minimal replication.",
    discussion: """
      A job of m unique tasks runs M = floor(r m) copies on M distinct devices; PJF is the \
      probability that every copy of some task fails. Pools: --fault-probability p \
      (homogeneous), --pool COUNT@P[~SD] (repeatable), --pool-file PATH, plus --stream \
      P[~SD] for an unlimited class used after them. A job with fewer copies than pool \
      devices runs on the most reliable ones. Invalid input exits with code 64; a target \
      that no copy count meets exits with code 1.
      """,
    subcommands: [
      ReplicasJointFailureCommand.self, ReplicasMinimumCommand.self, ReplicasCompareCommand.self,
      ReplicasCurveCommand.self, ReplicasExampleCommand.self,
    ]
  )
}

/// `offload replicas pjf`: PJF for m, r (or M) and a pool.
struct ReplicasJointFailureCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pjf",
    abstract: "Probability of joint failure for m tasks, r (or M) and a pool.")

  @OptionGroup var job: ReplicasJobOptions
  @OptionGroup var poolOptions: ReplicasPoolOptions

  @Option(
    help:
      "Assignment rule: paper (docs/replication.md §2), outer-in (M <= 2m, optimal) or lpt.")
  var rule: AssignmentRule = .paper

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let (problem, copies) = try job.resolve(poolOptions)
    let (jointFailure, bound, simple) = try validatingParameters {
      (
        try problem.jointFailure(copyCount: copies, rule: rule),
        try problem.lowerBound(copyCount: copies), try problem.withoutReplication()
      )
    }
    noteUnusedDevices(pool: problem.pool, copyCount: copies)
    let logSuccess = jointFailure.logSuccessProbability
    let diagnostics = Diagnostics()
    if !logSuccess.isFinite { diagnostics.warn(Self.logSuccessUndefined) }
    let report = Report(
      m: problem.taskCount, copies: copies,
      replicationFactor: Double(copies) / Double(problem.taskCount), rule: rule.rawValue,
      pjf: jointFailure.probability,
      logSuccessProbability: NullOr(logSuccess.isFinite ? logSuccess : nil),
      logSuccessProbabilityUndefined: logSuccess.isFinite ? nil : Self.logSuccessUndefined,
      jensenLowerBound: bound.probability, pjfWithoutReplication: simple.probability)
    var table = TextTable(header: ["quantity", "value"])
    table.append(["tasks m", String(report.m)])
    table.append(["copies M", String(copies)])
    table.append(["replication factor r = M/m", formatNumber(report.replicationFactor)])
    table.append(["assignment rule", rule.rawValue])
    table.append(["PJF", probabilityText(report.pjf)])
    table.append([
      "log(1 - PJF)",
      report.logSuccessProbability.value.map(probabilityText) ?? "undefined (PJF = 1: log 0)",
    ])
    table.append(["Jensen lower bound (any assignment)", probabilityText(report.jensenLowerBound)])
    table.append(["PJF without replication (P_S)", probabilityText(report.pjfWithoutReplication)])
    try output.emit(
      CommandResult(document: report, table: table),
      provenance: replicasProvenance(
        "pjf", job.provenance + [("rule", .text(rule.rawValue))], pool: poolOptions),
      diagnostics: diagnostics)
  }

  /// Why log(1 - PJF) has no value when PJF = 1 (docs/cli.md, "Undefined figures").
  static let logSuccessUndefined =
    "PJF = 1: the job never succeeds, so log(1 - PJF) = log 0 is undefined"

  struct Report: Encodable {
    var m: Int
    var copies: Int
    var replicationFactor: Double
    var rule: String
    var pjf: Double
    /// log(1 - PJF); nil (null) when PJF = 1, with the reason below.
    var logSuccessProbability: NullOr<Double>
    var logSuccessProbabilityUndefined: String?
    var jensenLowerBound: Double
    var pjfWithoutReplication: Double
  }
}
