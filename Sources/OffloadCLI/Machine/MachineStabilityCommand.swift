import ArgumentParser
import OffloadLab

/// `offload machine stability`: the reconstructed sufficient conditions of
/// docs/markov-machine.md §A9.
struct MachineStabilityCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stability",
    abstract:
      "Reconstructed sufficient stability conditions on the policy tables, with margins.",
    discussion: """
      The paper's Propositions 1-2, Corollary 1 and chi(q,s) did not survive; the conditions \
      reported here are our reconstructions of the same shape (provably sufficient, \
      docs/markov-machine.md §A9), each with its margin min_i (bound_i - p_i): it holds iff \
      the margin is > 0. The load and full-congestion rates are necessary-type diagnostics, \
      not sufficient conditions.
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

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let diagnostics = Diagnostics()
    let parameters = try model.figure4Parameters(diagnostics)
    let assumptions = try assumptionOptions.assumptions()
    let tables = try optimization.tables(
      parameters, samplingProbability: samplingProbability, assumptions: assumptions)
    let stability = StabilityReport(
      parameters, randomized: tables.randomized, maxAge: tables.maxAge, assumptions: assumptions)
    let note =
      "chi(q,s) = \(formatNumber(stability.freeProbabilityLowerBound, significantDigits: 6)), "
      + "load at mu = 1 = \(formatNumber(stability.loadAtFullSampling, significantDigits: 6))"
    try output.emit(
      CommandResult(
        document: stability, table: Self.table(stability.conditions), notes: ["", note]),
      provenance: Provenance(
        command: "machine stability",
        parameters: MachineModelOptions.provenance(parameters) + [
          (
            "sampling_probability",
            samplingProbability.map { .number($0) } ?? .text("optimised tables")
          )
        ] + optimization.provenance + assumptionOptions.provenance),
      diagnostics: diagnostics)
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
