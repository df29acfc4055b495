import ArgumentParser
import Foundation
import OffloadLab

/// The `offload` command: exact optimal policies and performance figures for offloading
/// and scheduling systems.
@main
struct Offload: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "offload",
    abstract: "Exact optimal policies and exact performance figures for offloading systems.",
    discussion: """
      Results go to stdout or --output (table, CSV or JSON, each with the version and every \
      parameter); progress and warnings go to stderr. Exit codes: 0 success, 64 invalid \
      input, 2 not converged or not certified (or any warning with --strict), 1 a target \
      that cannot be met or an output that cannot be written. BLAS runs single-threaded \
      unless the environment variable OPENBLAS_NUM_THREADS says otherwise.
      """,
    version: toolVersion,
    subcommands: [
      ModesCommand.self, MachineCommand.self, ReplicasCommand.self, MDPCommand.self,
      BatchCommand.self, MergeCommand.self,
    ]
  )

  /// Parses and runs the command. A `ValidationError` found while running (an input that
  /// can only be checked once read, such as a file or a grid) exits with code 64 and its
  /// message alone: the root usage line the parser would add does not apply there.
  static func main() {
    do {
      var command = try parseAsRoot()
      do {
        try command.run()
      } catch let error as ValidationError {
        printToStandardError("Error: \(error.message)")
        Foundation.exit(ExitCode.validationFailure.rawValue)
      }
    } catch {
      exit(withError: error)
    }
  }
}
