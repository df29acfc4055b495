import ArgumentParser
import OffloadLab

/// `offload replicas compare`: the paper's rule, outer-in, LPT and the Jensen bound for the
/// same devices, and the minimal r under each.
struct ReplicasCompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Assignment rules side by side: paper, outer-in, LPT and the Jensen bound.",
    discussion: """
      All rows use the same M devices. Outer-in is optimal among assignments with at most two \
      copies per task (M <= 2m); LPT is a heuristic for any M; the Jensen bound is a lower \
      bound for every assignment, so PJF/bound certifies how far a rule can be from optimal. \
      With --target, each row also gives the least M meeting delta (bound: no assignment \
      of fewer devices can).
      """)

  @OptionGroup var job: ReplicasJobOptions
  @OptionGroup var targetOption: ReplicasTargetOption
  @OptionGroup var poolOptions: ReplicasPoolOptions

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let (problem, copies) = try job.resolve(poolOptions)
    let diagnostics = Diagnostics()
    let rows = try validatingParameters {
      try compareRules(
        problem: problem, copyCount: copies, target: targetOption.target,
        diagnostics: diagnostics)
    }
    noteUnusedDevices(pool: problem.pool, copyCount: copies)
    var table = TextTable(
      header: ["rule", "PJF", "PJF / bound"]
        + (targetOption.target == nil ? [] : ["minimal M", "minimal r"]))
    for row in rows {
      var cells = [
        row.rule, row.pjf.map(probabilityText) ?? "n/a (M > 2m)",
        row.ratioToBound.map { formatNumber($0, significantDigits: 4) } ?? "n/a",
      ]
      if targetOption.target != nil {
        cells.append(row.minimumCopies.map(String.init) ?? (row.unreachable ?? "n/a"))
        cells.append(row.replicationFactor.map { formatNumber($0) } ?? "n/a")
      }
      table.append(cells)
    }
    let report = Report(
      m: problem.taskCount, copies: copies,
      replicationFactor: Double(copies) / Double(problem.taskCount), target: targetOption.target,
      rows: rows)
    try output.emit(
      CommandResult(document: report, table: table),
      provenance: replicasProvenance(
        "compare", job.provenance + targetOption.provenance, pool: poolOptions),
      diagnostics: diagnostics)
  }

  struct Report: Encodable {
    var m: Int
    var copies: Int
    var replicationFactor: Double
    var target: Double?
    var rows: [RuleComparison]
  }
}

/// One row of `compare`.
struct RuleComparison: Encodable {
  var rule: String
  /// PJF (or the bound); nil where the rule does not apply (outer-in with M > 2m).
  var pjf: Double?
  var ratioToBound: Double?
  var minimumCopies: Int?
  var replicationFactor: Double?
  /// Why no minimal M was found, if so.
  var unreachable: String?
}

/// The paper's rule, outer-in, LPT and the Jensen bound on the same `copyCount` devices,
/// with the least M meeting `target` under each when a target is given.
func compareRules(
  problem: ReplicationProblem, copyCount: Int, target: Double?, diagnostics: Diagnostics
) throws -> [RuleComparison] {
  let m = problem.taskCount
  let bound = try problem.lowerBound(copyCount: copyCount).probability
  var rows: [RuleComparison] = []
  for rule in [AssignmentRule.paper, .outerIn, .longestProcessingTime] {
    let pjf =
      rule.admits(copyCount: copyCount, taskCount: m)
      ? try problem.jointFailure(copyCount: copyCount, rule: rule).probability : nil
    var row = RuleComparison(
      rule: ruleLabel(rule), pjf: pjf, ratioToBound: pjf.flatMap { bound > 0 ? $0 / bound : nil })
    if let target {
      do {
        let minimal = try problem.minimalReplication(targetFailureProbability: target, rule: rule)
        diagnostics.warn(all: minimal.warnings)
        row.minimumCopies = minimal.minimumCopies
        row.replicationFactor = minimal.replicationFactor
      } catch let error as UnreachableTarget {
        row.unreachable =
          "unreachable (PJF \(probabilityText(error.jointFailureAtLargest.probability)) at M = \(error.largestCopyCount))"
      }
    }
    rows.append(row)
  }
  var boundRow = RuleComparison(
    rule: "Jensen lower bound (any assignment)", pjf: bound, ratioToBound: 1)
  if let target {
    let copies = try problem.minimalCopiesLowerBound(targetFailureProbability: target)
    boundRow.minimumCopies = copies
    boundRow.replicationFactor = copies.map { Double($0) / Double(m) }
    if copies == nil { boundRow.unreachable = "unreachable within the pool" }
  }
  rows.append(boundRow)
  return rows
}

/// A readable name of a rule for tables.
func ruleLabel(_ rule: AssignmentRule) -> String {
  switch rule {
  case .paper: return "paper's rule"
  case .outerIn: return "outer-in (optimal, <= 2 copies)"
  case .longestProcessingTime: return "LPT"
  }
}
