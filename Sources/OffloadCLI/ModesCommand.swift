import ArgumentParser

/// `offload modes`: placeholder until the model's subcommands land.
struct ModesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "modes",
    abstract: "Service-mode offloading (SM1/SM2): optimal policy, thresholds, exact delay."
  )
}
