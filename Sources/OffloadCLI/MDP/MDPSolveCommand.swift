import ArgumentParser
import OffloadLab

/// `offload mdp solve`: the optimal policy and certified values of a user's MDP.
struct MDPSolveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "solve",
    abstract: "Optimal policy and certified values (or gain bracket) of an MDP from files.",
    discussion: """
      Dispatches through the solver contract (docs/solvers.md): discounted (gamma for a \
      discrete-time model, beta for a continuous-time one, which is uniformized) or \
      average cost. Output keys: docs/mdp-command.md.
      """)

  @OptionGroup var input: MDPInputOptions
  @OptionGroup var solverOptions: MDPSolverOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var valuesFile: MDPValuesFileOption

  func run() throws {
    try output.checkPaths([("--output-values", valuesFile.outputValues)])
    let model = try input.loadMDP()
    let solver = try solverOptions.solver(for: model)
    let solution = try solverOptions.solve(model.dynamics, with: solver)
    let provenance = Provenance(
      command: "mdp solve",
      parameters: input.provenance + [("source", .text(model.source.description))]
        + solverOptions.provenance(solution))
    try MDPReport.emit(
      solution, model: model, provenance: provenance, output: output, valuesFile: valuesFile)
  }
}

/// `offload mdp evaluate`: the certified values (or gain) of one fixed policy.
struct MDPEvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Certified values (or gain bracket) of a fixed policy read from a CSV file.",
    discussion: """
      The policy file has columns 'state' and 'action' (0-based choice index within the \
      state), one row per state; the --output-values file of 'mdp solve' is one \
      (docs/model-format.md §1.5). The model restricted to the policy is solved through the \
      solver contract, so the result carries the same certificate as a solve.
      """)

  @OptionGroup var input: MDPInputOptions

  @Option(help: ArgumentHelp("Policy CSV with columns state and action.", valueName: "FILE.csv"))
  var policy: String

  @OptionGroup var solverOptions: MDPSolverOptions
  @OptionGroup var output: OutputOptions
  @OptionGroup var valuesFile: MDPValuesFileOption

  func run() throws {
    try output.checkPaths([("--output-values", valuesFile.outputValues)])
    let model = try input.loadMDP()
    let actions: [Int]
    do {
      actions = try PolicyFile.read(
        policy, actionCounts: (0..<model.stateCount).map(model.actionCount(of:)))
    } catch {
      throw ValidationError(error.description)
    }
    let solver = try solverOptions.solver(for: model)
    let solution = try solverOptions.solve(model.restricted(to: actions), with: solver)
    let provenance = Provenance(
      command: "mdp evaluate",
      parameters: input.provenance + [
        ("policy", .text(policy)), ("source", .text(model.source.description)),
      ] + solverOptions.provenance(solution))
    try MDPReport.emit(
      solution, model: model, provenance: provenance, output: output, valuesFile: valuesFile,
      evaluatedPolicy: actions)
  }
}
