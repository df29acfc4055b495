import ArgumentParser
import OffloadLab

/// The `offload` command: exact optimal policies and performance figures for offloading
/// and scheduling systems.
@main
struct Offload: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "offload",
    abstract: "Exact optimal policies and exact performance figures for offloading systems.",
    discussion: """
      Results go to stdout (table, CSV or JSON); progress and warnings go to stderr.
      Invalid input exits with code 64; a result that did not converge exits with code 2.
      BLAS runs single-threaded unless OPENBLAS_NUM_THREADS or --blas-threads says otherwise.
      """,
    version: toolVersion,
    subcommands: [
      ModesCommand.self, MachineCommand.self, ReplicasCommand.self, InferenceCommand.self,
      MergeCommand.self,
    ]
  )
}
