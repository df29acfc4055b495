import ArgumentParser
import OffloadLab

/// `offload machine stability`: the reconstructed sufficient conditions of A9.
struct MachineStabilityCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stability",
    abstract:
      "Reconstructed sufficient stability conditions (A9) on the policy tables, with margins.",
    discussion: """
      The paper's Propositions 1-2, Corollary 1 and chi(q,s) did not survive; the conditions \
      reported here are our reconstructions of the same shape (provably sufficient), each \
      with its margin min_i (bound_i - p_i): it holds iff the margin is > 0. The load and \
      full-congestion rates are necessary-type diagnostics, not sufficient conditions.
      """)

  @OptionGroup var model: MachineModelOptions
  @OptionGroup var optimization: MachineOptimizerOptions
  @OptionGroup var assumptionOptions: MachineAssumptionOptions

  @Option(
    parsing: .unconditional,
    help:
      "mu on every subset for both policies (uniform pi) instead of the optimised tables, in [1e-9, 1]."
  )
  var samplingProbability: Double?

  @Option(help: "Output format.")
  var format = OutputFormat.table

  func run() throws {
    let parameters = try model.figure4Parameters()
    let assumptions = try assumptionOptions.assumptions()
    let tables = try optimization.tables(
      parameters, samplingProbability: samplingProbability, assumptions: assumptions)
    let stability = StabilityReport(
      parameters, randomized: tables.randomized, maxAge: tables.maxAge, assumptions: assumptions)
    switch format {
    case .json: print(try renderJSON(stability))
    case .csv: print(Self.table(stability.conditions).renderCSV())
    case .table:
      print(Self.table(stability.conditions).renderText())
      print("")
      print(
        "chi(q,s) = \(formatNumber(stability.freeProbabilityLowerBound, significantDigits: 6)), "
          + "load at mu = 1 = \(formatNumber(stability.loadAtFullSampling, significantDigits: 6))")
    }
  }

  static func table(_ conditions: [StabilityCondition]) -> TextTable {
    var table = TextTable(
      header: ["condition", "policy", "kind", "verdict", "margin", "binding", "description"])
    for condition in conditions {
      table.append([
        condition.label, condition.policy?.rawValue ?? "any", condition.kind.rawValue,
        condition.holds ? "holds" : "fails", formatNumber(condition.margin, significantDigits: 4),
        condition.binding, condition.summary,
      ])
    }
    return table
  }
}
