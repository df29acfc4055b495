import ArgumentParser
import OffloadLab

/// `offload machine export`: the average-cost MDP of `machine optimal`
/// (docs/markov-machine.md §A10) as PRISM explicit files, so that Storm or PRISM can check it
/// (docs/mdp-command.md §5).
struct MachineExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write the optimal-scheduling MDP of 'machine optimal' as PRISM explicit files.",
    discussion: """
      States (knowledge, v1..vN): knowledge 0..N-1 serves that user, N + b is idle belief \
      state b; ages capped at --age-cap. Choices in idle states: 0 wait, 1 + j sample and \
      serve j (docs/markov-machine.md §A10). Costs per slot; solve with 'offload mdp solve \
      --prism PREFIX --criterion average'.
      """)

  @OptionGroup var model: MachineModelOptions

  @Option(parsing: .unconditional, help: "Age cap A of the MDP, >= 2.")
  var ageCap = 8

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Belief error accepted where the idle belief chains are cut (docs/markov-machine.md "
        + "§A10.1), in (0, 0.5)."))
  var beliefTolerance = 1e-6

  @OptionGroup var assumptionOptions: MachineAssumptionOptions
  @OptionGroup var prismOptions: PrismExportOptions

  func validate() throws {
    guard prismOptions.prism != nil else { throw ValidationError("--prism PREFIX is required") }
  }

  func run() throws {
    let parameters = try model.parameters(defaultService: [0.4, 0.9])
    let assumptions = try assumptionOptions.assumptions()
    let mdp = try validatingParameters {
      try OptimalSchedulingModel(
        parameters: parameters, ageCap: ageCap, beliefTolerance: beliefTolerance,
        assumptions: assumptions)
    }
    let users = parameters.userCount
    let values = (0..<mdp.stateCount).map { state -> [Int] in
      let decoded = mdp.decode(state)
      return [decoded.knowledge] + decoded.ages
    }
    try prismOptions.write(
      mdp.decisionProcess(),
      stateVariables: (["knowledge"] + (1...users).map { "v\($0)" }, values),
      discountFactor: nil)
  }
}
