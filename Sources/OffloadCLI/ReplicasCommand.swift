import ArgumentParser

/// `offload replicas`: placeholder until the model's subcommands land.
struct ReplicasCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replicas",
    abstract: "Task replication on an unreliable grid: joint failure, minimal replication."
  )
}
