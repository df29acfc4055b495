import ArgumentParser
import OffloadLab

/// `offload machine simulate`: slot-exact simulation of the system with queues
/// (docs/markov-machine.md §A7).
struct MachineSimulateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Slot-exact seeded simulation with queues under phi1 and/or max-age.",
    discussion: """
      The system with queues of docs/markov-machine.md §A7. Policies come from the tables \
      of problems (12)/(16) (or --sampling-probability on every subset). Each estimate is a \
      mean over independent replications with a 95% Student-t interval. The queue verdict \
      is 'growing' when the interval of the slope of the total queue over the second half \
      lies above 0 and the rise it implies over that half is at least 1 job and 10% of the \
      mean total queue (§A9.5). With --permanent-congestion the queues of --subset never \
      empty and nothing arrives: the estimates are then compared with Theorems 1-4.
      """)

  @OptionGroup var model: MachineModelOptions
  @OptionGroup var optimization: MachineOptimizerOptions
  @OptionGroup var simulation: MachineSimulationOptions
  @OptionGroup var assumptionOptions: MachineAssumptionOptions

  @Option(help: "randomized (phi1) or max-age; omitted: both.")
  var policy: SchedulingRule?

  @Option(
    parsing: .unconditional,
    help: "mu on every subset (uniform pi for phi1) instead of the optimised tables, in [1e-9, 1].")
  var samplingProbability: Double?

  @Flag(help: "Simulate permanent congestion of --subset instead of the system with arrivals.")
  var permanentCongestion = false

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "S for --permanent-congestion (1-based list; default: every user).", valueName: "i,j,..."))
  var subset: String?

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let diagnostics = Diagnostics()
    try require(
      subset == nil || permanentCongestion,
      .inconsistent(
        name: "--subset", value: subset ?? "", reason: "S applies with --permanent-congestion only")
    )
    let parameters = try model.figure4Parameters(diagnostics)
    let congested = permanentCongestion ? try parseSubset(subset, parameters) : nil
    let settings = try simulation.settings(permanentCongestion: congested)
    let assumptions = try assumptionOptions.assumptions()
    let tables = try optimization.tables(
      parameters, samplingProbability: samplingProbability, assumptions: assumptions)
    let rules = policy.map { [$0] } ?? SchedulingRule.allCases
    var results: [MachineSimulationReport] = []
    for rule in rules {
      let table = rule == .randomized ? tables.randomized : tables.maxAge
      let progress = ProgressReporter(
        "simulate \(rule.rawValue) (\(settings.replications) x \(settings.slots) slots "
          + "replications)", delay: 0, interval: 0)
      let result = MachineSimulator(
        parameters: parameters, table: table, settings: settings, assumptions: assumptions
      ).run { finished, total in progress.report(finished: finished, of: total) }
      let closed = congested.map {
        ClosedForms.performance(
          parameters, subset: $0, policy: table[$0].policy, assumptions: assumptions)
      }
      results.append(MachineSimulationReport(result, closedForm: closed))
    }
    try output.emit(
      CommandResult(document: results, table: MachineSimulationReport.table(results)),
      provenance: Provenance(
        command: "machine simulate",
        parameters: MachineModelOptions.provenance(parameters) + [
          ("policy", .text(policy?.rawValue ?? "both")),
          (
            "sampling_probability",
            samplingProbability.map { .number($0) } ?? .text("optimised tables")
          ),
          ("permanent_congestion", .flag(permanentCongestion)),
          (
            "subset",
            .text(
              congested.map { $0.users.map { String($0 + 1) }.joined(separator: ";") } ?? "none")
          ),
        ] + simulation.provenance + optimization.provenance + assumptionOptions.provenance),
      diagnostics: diagnostics)
  }
}

/// One policy's simulation estimates, with the closed forms under permanent congestion.
struct MachineSimulationReport: Encodable {
  var result: SimulationResult
  var closedForm: SubsetPerformance?

  init(_ result: SimulationResult, closedForm: SubsetPerformance?) {
    self.result = result
    self.closedForm = closedForm
  }

  /// Long form: one row per (policy, quantity, user).
  static func table(_ reports: [MachineSimulationReport]) -> TextTable {
    var table = TextTable(
      header: ["policy", "quantity", "user", "mean", "ci95", "closed form", "verdict"])
    for report in reports {
      let result = report.result
      let verdict = result.verdict.rawValue
      func row(_ quantity: String, _ user: String, _ estimate: Estimate, _ closed: Double?) {
        table.append([
          result.rule.rawValue, quantity, user, formatNumber(estimate.mean, significantDigits: 7),
          formatNumber(estimate.halfWidth, significantDigits: 3),
          closed.map { formatNumber($0, significantDigits: 7) } ?? "", verdict,
        ])
      }
      let members = report.closedForm?.subset.users ?? Array(result.ages.indices)
      for (index, user) in members.enumerated() {
        row("age", String(user + 1), result.ages[user], report.closedForm?.ages[index])
      }
      row("samplingCost", "", result.samplingCost, report.closedForm?.samplingCost)
      row("totalCost", "", result.totalCost, nil)
      guard report.closedForm == nil else { continue }
      for user in result.ages.indices {
        row("meanQueue", String(user + 1), result.meanQueues[user], nil)
        row("throughput", String(user + 1), result.throughput[user], nil)
      }
      for user in result.ages.indices {
        table.append([
          result.rule.rawValue, "finalQueue", String(user + 1),
          formatNumber(result.finalQueues[user], significantDigits: 7), "", "", verdict,
        ])
      }
      row("queueGrowthSlope", "", result.queueGrowthSlope, nil)
    }
    return table
  }
}
