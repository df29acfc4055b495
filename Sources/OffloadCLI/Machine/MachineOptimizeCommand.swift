import ArgumentParser
import OffloadLab

/// `offload machine optimize`: the lookup tables of problems (12) and (16)
/// (docs/markov-machine.md §A8).
struct MachineOptimizeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimize",
    abstract: "Solve problems (12) and (16) for all 2^N - 1 subsets: the policy lookup tables.",
    discussion: """
      (12): min over (mu, pi) of w * sum_{k in S} Delta_k + S for phi1 (Theorems 1-2); \
      (16): min over mu of w * |S| * Delta + S for max-age (Theorems 3-4); mu in [1e-3, 1]. \
      The schedule is found by a seeded Nelder-Mead multistart, mu by grid + Brent \
      (docs/markov-machine.md §A8).
      """)

  @OptionGroup var model: MachineModelOptions
  @OptionGroup var optimization: MachineOptimizerOptions
  @OptionGroup var assumptionOptions: MachineAssumptionOptions

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let diagnostics = Diagnostics()
    let parameters = try model.figure4Parameters(diagnostics)
    let tables = try optimization.tables(
      parameters, samplingProbability: nil, assumptions: try assumptionOptions.assumptions())
    try output.emit(
      CommandResult(
        document: MachineTables(
          weight: optimization.weight, sKind: optimization.sKind,
          randomized: tables.randomized.entries, maxAge: tables.maxAge.entries),
        table: Self.table(tables)),
      provenance: Provenance(
        command: "machine optimize",
        parameters: MachineModelOptions.provenance(parameters) + optimization.provenance
          + assumptionOptions.provenance),
      diagnostics: diagnostics)
  }

  /// One row per subset with both families' solutions.
  static func table(_ tables: (randomized: PolicyTable, maxAge: PolicyTable)) -> TextTable {
    var table = TextTable(
      header: ["subset", "phi1 mu", "phi1 pi", "phi1 objective", "max-age mu", "max-age objective"])
    for (randomized, maxAge) in zip(tables.randomized.entries, tables.maxAge.entries) {
      table.append([
        randomized.subset.description,
        formatNumber(randomized.policy.samplingProbability, significantDigits: 6),
        formatList(randomized.policy.schedule),
        formatNumber(randomized.objective, significantDigits: 8),
        formatNumber(maxAge.policy.samplingProbability, significantDigits: 6),
        formatNumber(maxAge.objective, significantDigits: 8),
      ])
    }
    return table
  }
}

/// The JSON document of `optimize`.
struct MachineTables: Encodable {
  var weight: AgeWeighting
  var sKind: SamplingCostKind
  var randomized: [OptimizedSubsetPolicy]
  var maxAge: [OptimizedSubsetPolicy]
}
