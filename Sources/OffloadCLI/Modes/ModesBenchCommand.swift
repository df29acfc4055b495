import ArgumentParser
import Foundation
import OffloadLab

/// `offload modes bench`: times the discounted solver alone on one model.
struct ModesBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time one certified discounted solve (no structure checks, no 2B re-solve).",
    discussion: """
      Takes the model flags of 'solve'. The time covers the solve only (model set-up \
      excluded). With the default matrix-free method no sparse matrix is stored \
      (about \(ModesMemory.matrixFreeBytesPerState) bytes per state); the run is refused, \
      before allocating, when the estimate exceeds the machine's memory.
      Exit code 2 when the solve does not converge within --max-iterations, or stops at its
      floating-point floor above --tolerance.
      """)

  @OptionGroup var model: ModesModelOptions

  @Option(
    parsing: .unconditional,
    help:
      "Threads of the Gauss-Seidel sweep, >= 1 (2 are used at most); results do not depend on it.")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Output format: table, csv or json (seconds, states, iterations, errorBound).")
  var format: OutputFormat = .table

  func validate() throws {
    guard jobs >= 1 else {
      throw ValidationError("invalid value \(jobs) for --jobs: must be an integer >= 1")
    }
    _ = try model.singleSpecification()
    let solver = try model.solver()
    guard solver.criterion == .discounted else {
      throw ValidationError("bench times the discounted solver; --criterion must be discounted")
    }
  }

  func run() throws {
    let specification = try model.singleSpecification()
    var solver = try model.solver()
    solver.progress = ProgressReporter("bench").solverCallback
    let states = try model.stateCount(specification)
    try ModesMemory.check(states: states, sparse: solver.discountedMethod == .jacobi)
    let solve: () throws -> CertifiedSolution
    var threadsUsed = 1
    switch solver.discountedMethod {
    case .gaussSeidel:
      var grid = try validatingParameters {
        try ServiceModeGridOperator(
          parameters: specification.parameters, bufferLimit: specification.bufferLimit,
          cloudBufferLimit: specification.cloudBufferLimit,
          uniformization: model.uniformization, discount: specification.discount)
      }
      grid.threads = jobs
      threadsUsed = grid.sweepThreads
      solve = { [grid] in
        try solver.contract(stateCount: states, discountFactor: grid.discountFactor)
          .solve(operator: grid)
      }
    case .jacobi:
      let compiled = try model.model(specification)
      solve = { try solver.contract(for: compiled).solve(compiled.process) }
    }
    let clock = ContinuousClock()
    var solution: CertifiedSolution?
    let elapsed = try clock.measure { solution = try solve() }
    guard let solution else { return }
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let result = ModesBenchJSON(
      seconds: seconds, states: states, iterations: solution.iterations,
      errorBound: solution.errorBound, converged: solution.status == .converged,
      status: solution.status.rawValue, method: solution.methodDescription,
      tolerance: solver.tolerance, toleranceMode: solver.toleranceMode.rawValue,
      threads: threadsUsed)
    switch format {
    case .json: print(try renderJSON(result))
    case .table, .csv:
      var table = TextTable(header: [
        "seconds", "states", "iterations", "error_bound", "converged", "method",
      ])
      table.append([
        formatNumber(seconds), String(states), String(solution.iterations),
        formatNumber(solution.errorBound), result.converged ? "yes" : "NO", result.method,
      ])
      print(format == .csv ? table.renderCSV() : table.renderText())
    }
    if !result.converged {
      printToStandardError(
        "error: the solve "
          + ModesReport.notConvergedAdvice(solution.status, errorBound: solution.errorBound))
      throw notConvergedExitCode
    }
  }
}

/// The JSON document of `modes bench` (keys `seconds`, `states`, `iterations`, `errorBound`
/// are a contract of issue 6).
struct ModesBenchJSON: Encodable {
  var seconds: Double
  var states: Int
  var iterations: Int
  var errorBound: Double
  var converged: Bool
  /// `converged`, `iterationLimitReached` or `roundOffLimited` (`SolverStatus`).
  var status: String
  var method: String
  var tolerance: Double
  var toleranceMode: String
  /// Threads the sweeps really used (see `ServiceModeGridOperator.sweepThreads`).
  var threads: Int
}
