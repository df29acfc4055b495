import ArgumentParser
import OffloadLab

/// `offload machine cases`: the paper's stability cases 1 and 2 (docs/markov-machine.md §A11).
struct MachineCasesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cases",
    abstract: "The paper's stability cases 1 (unstable) and 2 (stable, conditions not met).",
    discussion: """
      N = 4, L = 5. Case 1: q = 0.35, s = 0.3, q_i = (0.55, 0.73, 0.84, 0.91), \
      p = (0.09, 0.09, 0.12, 0.14). Case 2: q = 0.5, s = 0.5, q_i = (0.4, 0.6, 0.8, 0.94), \
      p = (0.04, 0.05, 0.06, 0.06). For each case: the reconstructed sufficient conditions \
      (docs/markov-machine.md §A9) on the tables of (12)/(16), and the simulated queue \
      verdict of both policies. The paper reports: case 1 conditions not met and queues \
      unstable; case 2 conditions not met but queues stable. The verdicts depend on the age \
      weight (§A8.2, §A13 item 6).
      """)

  @OptionGroup var optimization: MachineOptimizerOptions
  @OptionGroup var simulation: MachineSimulationOptions
  @OptionGroup var assumptionOptions: MachineAssumptionOptions

  @OptionGroup var output: OutputOptions

  /// (name, q, s, q_i, p_i, paper's queue verdict).
  static let cases: [(String, Double, Double, [Double], [Double], QueueVerdict)] = [
    ("case 1", 0.35, 0.3, [0.55, 0.73, 0.84, 0.91], [0.09, 0.09, 0.12, 0.14], .growing),
    ("case 2", 0.5, 0.5, [0.4, 0.6, 0.8, 0.94], [0.04, 0.05, 0.06, 0.06], .stable),
  ]

  func run() throws {
    try output.checkPaths()
    let diagnostics = Diagnostics()
    let settings = try simulation.settings()
    let assumptions = try assumptionOptions.assumptions()
    let optimizer = try optimization.optimizer(assumptions)
    var rows: [CaseRow] = []
    for (name, q, s, service, arrivals, paper) in Self.cases {
      let parameters = try validatingParameters {
        try MachineParameters(
          flipProbability: q, busyAfterCompletionProbability: s, serviceProbabilities: service,
          arrivalProbabilities: arrivals, samplingCost: 5)
      }
      diagnostics.warn(all: parameters.warnings)
      machineProgress("\(name): optimising the tables (weight \(optimization.weight.rawValue))")
      let tables = [
        optimizer.table(parameters, rule: .randomized), optimizer.table(parameters, rule: .maxAge),
      ]
      let stability = StabilityReport(
        parameters, randomized: tables[0], maxAge: tables[1], assumptions: assumptions)
      for condition in stability.conditions {
        let expected = condition.kind == .sufficient ? "conditions not met" : ""
        rows.append(
          CaseRow(
            caseName: name, check: condition.label, policy: condition.policy?.rawValue ?? "any",
            result: condition.holds ? "holds" : "fails", value: condition.margin,
            halfWidth: nil, paper: expected,
            agrees: condition.kind == .sufficient ? !condition.holds : nil))
      }
      for table in tables {
        machineProgress("\(name): simulating \(table.rule.rawValue)")
        let result = MachineSimulator(
          parameters: parameters, table: table, settings: settings, assumptions: assumptions
        )
        .run()
        rows.append(
          CaseRow(
            caseName: name, check: "simulated queues", policy: table.rule.rawValue,
            result: result.verdict.rawValue, value: result.queueGrowthSlope.mean,
            halfWidth: result.queueGrowthSlope.halfWidth,
            paper: paper == .growing ? "unstable" : "stable", agrees: result.verdict == paper))
      }
    }
    let reproduced = rows.allSatisfy { $0.agrees != false }
    try output.emit(
      CommandResult(
        document: rows, table: Self.table(rows),
        notes: [
          "",
          "paper's verdicts reproduced: \(reproduced ? "yes" : "no") (weight "
            + "\(optimization.weight.rawValue))",
        ]),
      provenance: Provenance(
        command: "machine cases",
        parameters: [("sampling_cost", .number(5))] + simulation.provenance
          + optimization.provenance + assumptionOptions.provenance),
      diagnostics: diagnostics)
  }

  static func table(_ rows: [CaseRow]) -> TextTable {
    var table = TextTable(
      header: ["case", "check", "policy", "result", "margin or slope", "ci95", "paper", "agrees"])
    for row in rows {
      table.append([
        row.caseName, row.check, row.policy, row.result,
        formatNumber(row.value, significantDigits: 4),
        row.halfWidth.map { formatNumber($0, significantDigits: 3) } ?? "", row.paper,
        row.agrees.map { $0 ? "yes" : "no" } ?? "",
      ])
    }
    return table
  }
}

/// One line of `cases`: a condition (margin) or a simulated verdict (growth slope).
struct CaseRow: Encodable {
  var caseName: String
  var check: String
  var policy: String
  var result: String
  var value: Double
  var halfWidth: Double?
  var paper: String
  var agrees: Bool?
}
