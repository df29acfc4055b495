import ArgumentParser

/// `offload machine`: job assignment to a Markov machine, age of job completion
/// (docs/markov-machine.md).
struct MachineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "machine",
    abstract: "Markov-machine job assignment: age of job completion, policies, stability.",
    discussion: """
      Model (docs/markov-machine.md §A1, §A2): N users with Bernoulli(p_i) job arrivals and \
      dedicated queues share one machine that flips between free and internally busy \
      (probability q per idle slot), serves a user-i job for Geom(q_i) slots and is busy \
      w.p. s right after a completion. Each sample of its state costs L. Two policy \
      families: the adaptive randomized policy phi1 (sampling mu(S), schedule pi(S)) and \
      max-age scheduling with randomized sampling (mu(S)), S = set of non-empty queues.
      """,
    subcommands: [
      MachineEvaluateCommand.self, MachineOptimizeCommand.self, MachineStabilityCommand.self,
      MachineSimulateCommand.self, MachineFigure4Command.self, MachineCasesCommand.self,
      MachineOptimalCommand.self, MachineExportCommand.self,
    ]
  )
}
