import ArgumentParser
import OffloadLab

/// `offload replicas min-r`: the least copy count M* (and r* = M*/m) meeting a target delta.
struct ReplicasMinimumCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "min-r",
    abstract: "Minimal replication factor r* = M*/m for a target PJF delta.",
    discussion: """
      M* is the least integer M >= m with PJF(M) <= delta (PJF depends on r only through \
      M = floor(r m)). Homogeneous pools use the closed form; other pools bisect on M with a \
      final local scan, or check every M with --search scan. Exits with code 1 when no M up \
      to the pool size (or --max-copies) meets delta.
      """)

  @OptionGroup var taskOption: ReplicasTasksOption

  @OptionGroup var targetOption: ReplicasTargetOption
  @OptionGroup var poolOptions: ReplicasPoolOptions

  @Option(
    help:
      "Assignment rule: paper (docs/replication.md §2), outer-in (M <= 2m, optimal) or lpt.")
  var rule: AssignmentRule = .paper

  @Option(
    help: "Search over M: auto (closed form, or bisection + local scan) or scan (every M, exact).")
  var search: SearchStrategy = .automatic

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Largest M tried with a --stream (an integer >= m; default min(64 m, 10^8), or 2^53 "
        + "for a homogeneous pool).",
      valueName: "M"))
  var maxCopies: Int?

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    guard let target = targetOption.target else {
      throw ValidationError("give the target PJF with --target delta (in (0, 1))")
    }
    let problem = try taskOption.problem(poolOptions)
    let outcome: MinimalReplication
    do {
      outcome = try validatingParameters {
        try problem.minimalReplication(
          targetFailureProbability: target, rule: rule, search: search, maximumCopies: maxCopies)
      }
    } catch let unreachable as UnreachableTarget {
      printToStandardError("error: \(unreachable)")
      throw ExitCode.failure
    }
    let diagnostics = Diagnostics()
    diagnostics.warn(all: outcome.warnings)
    let lowerBound = try validatingParameters {
      try problem.minimalCopiesLowerBound(
        targetFailureProbability: target, maximumCopies: maxCopies)
    }
    let floors = try validatingParameters { try problem.targetFloors() }
    let m = problem.taskCount
    let result = Report(
      m: m, target: target, rule: rule.rawValue, search: outcome.method.rawValue,
      minimumCopies: outcome.minimumCopies, replicationFactor: outcome.replicationFactor,
      pjf: outcome.jointFailure.probability,
      pjfWithOneCopyFewer: outcome.jointFailureWithOneCopyFewer?.probability,
      lowerBoundCopies: lowerBound,
      lowerBoundReplicationFactor: lowerBound.map { Double($0) / Double(m) },
      floorBelowTwo: floors.belowTwo?.probability, floorAtTwo: floors.atTwo?.probability,
      evaluations: outcome.evaluations)
    var table = TextTable(header: ["quantity", "value"])
    table.append(["tasks m", String(m)])
    table.append(["target delta", formatNumber(target)])
    table.append(["assignment rule", rule.rawValue])
    table.append(["search", outcome.method.rawValue])
    table.append(["minimal copies M*", String(outcome.minimumCopies)])
    table.append(["minimal replication factor r* = M*/m", formatNumber(outcome.replicationFactor)])
    table.append(["copies per task", copiesPerTask(copyCount: outcome.minimumCopies, taskCount: m)])
    table.append(["PJF at M*", probabilityText(result.pjf)])
    table.append([
      "PJF at M* - 1", result.pjfWithOneCopyFewer.map(probabilityText) ?? "n/a (M* = m)",
    ])
    table.append([
      "Jensen lower bound on M* (any rule)",
      lowerBound.map { "\($0) (r = \(formatNumber(Double($0) / Double(m))))" } ?? "none in range",
    ])
    table.append(["delta floor for 1 <= r < 2 (M = 2m - 1)", floorText(floors.belowTwo)])
    table.append(["delta floor at r = 2 (M = 2m)", floorText(floors.atTwo)])
    table.append(["PJF evaluations", String(outcome.evaluations)])
    try output.emit(
      CommandResult(document: result, table: table),
      provenance: replicasProvenance(
        "min-r",
        [
          ("tasks", .integer(m)), ("rule", .text(rule.rawValue)),
          ("search", .text(search.rawValue)),
          ("max_copies", maxCopies.map { .integer($0) } ?? .text("default")),
        ] + targetOption.provenance, pool: poolOptions),
      diagnostics: diagnostics)
  }

  private func floorText(_ floor: JointFailure?) -> String {
    floor.map { "\(probabilityText($0.probability)) (\(percentText($0.probability)))" }
      ?? "n/a (pool too small)"
  }

  struct Report: Encodable {
    var m: Int
    var target: Double
    var rule: String
    var search: String
    var minimumCopies: Int
    var replicationFactor: Double
    var pjf: Double
    var pjfWithOneCopyFewer: Double?
    var lowerBoundCopies: Int?
    var lowerBoundReplicationFactor: Double?
    var floorBelowTwo: Double?
    var floorAtTwo: Double?
    var evaluations: Int
  }
}

/// "9985 tasks x 2, 15 tasks x 1": how the paper's rule spreads M copies over m tasks.
func copiesPerTask(copyCount: Int, taskCount: Int) -> String {
  let base = copyCount / taskCount
  let extra = copyCount - base * taskCount
  let parts = [(extra, base + 1), (taskCount - extra, base)].filter { $0.0 > 0 }
  return parts.map { "\($0.0) tasks x \($0.1)" }.joined(separator: ", ")
}
