import ArgumentParser
import Foundation
import OffloadLab

/// `offload modes bench`: times the discounted or the average-cost solver alone on one model.
struct ModesBenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time one certified solve (no structure checks, no 2B re-solve).",
    discussion: """
      Takes the model flags of 'solve'. The time covers the solve only (model set-up \
      excluded). With the default matrix-free method no sparse matrix is stored \
      (about \(ModesMemory.matrixFreeBytesPerState) bytes per state); the run is refused, \
      before allocating, when the estimate exceeds the machine's memory.
      With --criterion average the time covers the average-cost policy iteration (sparse \
      LU per policy, from the discounted-optimal policy) and the JSON adds gain, gainLower \
      and gainUpper (the certified bracket on the optimal mean number of jobs).
      Exit code 2 when the solve does not converge within --max-iterations, or stops at its
      floating-point floor above --tolerance.
      """)

  @OptionGroup var model: ModesModelOptions

  @Option(
    parsing: .unconditional,
    help:
      "Threads of the Gauss-Seidel sweep, >= 1 (2 are used at most); results do not depend on it.")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(
    help:
      "Output format: table, csv or json (seconds, states, iterations, errorBound; average: gain, gainLower, gainUpper)."
  )
  var format: OutputFormat = .table

  func validate() throws {
    guard jobs >= 1 else {
      throw ValidationError("invalid value \(jobs) for --jobs: must be an integer >= 1")
    }
    _ = try model.singleSpecification()
    _ = try model.solver()
  }

  func run() throws {
    let specification = try model.singleSpecification()
    var solver = try model.solver()
    solver.progress = ProgressReporter("bench").solverCallback
    let states = try model.stateCount(specification)
    if solver.criterion == .average {
      try ModesMemory.check(states: states, sparse: true)
      return try runAverage(model.model(specification), solver: solver, states: states)
    }
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
    try report(result, status: solution.status)
  }

  /// Times `solver` (average criterion) on `model`: policy iteration with its warm start.
  private func runAverage(_ model: ServiceModeModel, solver: ServiceModeSolver, states: Int)
    throws
  {
    let clock = ContinuousClock()
    var solution: ServiceModeSolution?
    let elapsed = clock.measure { solution = solver.solve(model) }
    guard let solution, let gain = solution.gainBounds else { return }
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    var result = ModesBenchJSON(
      seconds: seconds, states: states, iterations: solution.iterations,
      errorBound: solution.errorBound, converged: solution.converged,
      status: solution.status.rawValue, method: solution.method, tolerance: solver.tolerance,
      toleranceMode: solver.toleranceMode.rawValue, threads: 1)
    (result.gain, result.gainLower, result.gainUpper) = (
      (gain.lowerBound + gain.upperBound) / 2, gain.lowerBound, gain.upperBound
    )
    try report(result, status: solution.status)
  }

  /// Prints the result in `format`; exits 2 if it did not converge.
  private func report(_ result: ModesBenchJSON, status: SolverStatus) throws {
    switch format {
    case .json: print(try renderJSON(result))
    case .table, .csv:
      let average = result.gain != nil
      var table = TextTable(
        header: ["seconds", "states", "iterations", "error_bound", "converged", "method"]
          + (average ? ["gain", "gain_lower", "gain_upper"] : []))
      table.append(
        [
          formatNumber(result.seconds), String(result.states), String(result.iterations),
          formatNumber(result.errorBound), result.converged ? "yes" : "NO", result.method,
        ] + [result.gain, result.gainLower, result.gainUpper].compactMap { $0.map(formatNumber) })
      print(format == .csv ? table.renderCSV() : table.renderText())
    }
    if !result.converged {
      printToStandardError(
        "error: the solve "
          + ModesReport.notConvergedAdvice(status, errorBound: result.errorBound))
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
  /// `converged`, `iterationLimitReached`, `roundOffLimited` or `multichain` (`SolverStatus`).
  var status: String
  var method: String
  var tolerance: Double
  var toleranceMode: String
  /// Threads the sweeps really used (see `ServiceModeGridOperator.sweepThreads`).
  var threads: Int
  /// Average criterion: the midpoint and the ends of the certified bracket on the optimal
  /// gain (absent for the discounted criterion; issue 13).
  var gain: Double?
  var gainLower: Double?
  var gainUpper: Double?
}
