import ArgumentParser

/// `offload machine`: placeholder until the model's subcommands land.
struct MachineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "machine",
    abstract: "Markov-machine job assignment: age of job completion, policies, stability."
  )
}
