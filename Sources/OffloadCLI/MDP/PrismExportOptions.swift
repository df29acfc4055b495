import ArgumentParser
import OffloadLab

extension PrismExplicit.Variant: ExpressibleByArgument {}

/// `--prism PREFIX --prism-variant prism|storm` of the built-in models' export commands:
/// the model as PRISM explicit files, so that PRISM or Storm can check it
/// (docs/model-format.md §2.5, docs/mdp-command.md §5).
struct PrismExportOptions: ParsableArguments {
  @Option(help: "Write PREFIX.tra, .trew, .lab, .sta: the MDP in PRISM explicit files.")
  var prism: String?

  @Option(
    help: "Layout: prism (count headers) or storm (model-type line; what Storm's parser reads).")
  var prismVariant = PrismExplicit.Variant.prism

  /// Writes `process` and tells on stderr how to solve the files (the discount factor is
  /// not part of the PRISM format).
  func write(
    _ process: DecisionProcess, stateVariables: (names: [String], values: [[Int]]),
    discountFactor: Double?
  ) throws {
    guard let prism else { return }
    do {
      try PrismExplicit.write(
        process, prefix: prism, variant: prismVariant, stateVariables: stateVariables)
    } catch {
      throw ValidationError(error.description)
    }
    let solve =
      discountFactor.map { "offload mdp solve --prism \(prism) --discount \($0)" }
      ?? "offload mdp solve --prism \(prism) --criterion average"
    printToStandardError(
      "wrote \(prism).tra/.trew/.lab/.sta (\(prismVariant.rawValue) variant): "
        + "\(process.stateCount) states, \(process.candidateStart.last ?? 0) choices; "
        + "solve with: \(solve)")
  }
}
