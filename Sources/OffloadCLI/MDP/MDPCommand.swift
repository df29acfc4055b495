import ArgumentParser

/// `offload mdp`: the user's own MDP, CTMDP or Markov chain from model files
/// (docs/mdp-command.md, formats in docs/model-format.md).
struct MDPCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mdp",
    abstract: "Solve your own MDP or chain from a model directory or PRISM explicit files.",
    discussion: """
      --input DIR reads OffloadLab's model directory (model.json + raw arrays; MDPs in \
      choice or post-decision form, discrete or continuous time, and chains); --prism \
      PREFIX reads PREFIX.tra with the optional .srew, .trew, .lab and .sta, in PRISM's \
      variant (count headers) or Storm's (a model-type line). Rewards are costs to \
      minimise. Formats: docs/model-format.md; commands: docs/mdp-command.md. A bad file \
      exits with code 64 naming the file, line and value; a solve that does not reach its \
      tolerance exits with code 2.
      """,
    subcommands: [MDPSolveCommand.self, MDPEvaluateCommand.self, MDPStationaryCommand.self]
  )
}
