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
      (about \(ServiceModeMemory.matrixFreeBytesPerState) bytes per state); the run is refused, \
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
      "Threads of the Gauss-Seidel sweep, 1...\(maximumThreads) (default: all cores, 2 used at most); results do not depend on it."
  )
  var jobs: Int?

  @OptionGroup var output: OutputOptions

  func run() throws {
    let jobs = try threadCount(jobs, flag: "--jobs")
    try output.checkPaths()
    let input = try model.input()
    let specification = try input.single
    var solver = input.solver
    let average = solver.criterion == .average
    solver.progress = ProgressReporter(
      "bench solve B = \(specification.bufferLimit) "
        + "(\(average ? "average" : solver.discountedMethod.rawValue))"
    ).solverCallback(
      target: solver.tolerance,
      targetText: "\(formatNumber(solver.tolerance)) (\(solver.toleranceMode.rawValue))")
    let states = try specification.stateSpace.stateCount
    let matrixFree = !average && solver.discountedMethod == .gaussSeidel
    try ModesMemory.check(states: states, sparse: !matrixFree)
    let solve: () throws -> CertifiedSolution
    var threadsUsed = 1
    if matrixFree {
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
    } else {
      // The average criterion's contract computes its start policy (the discounted-optimal
      // one), so it is built inside the timed closure, as `ServiceModeSolver.solve` does.
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
      threads: threadsUsed, gain: solution.gain, gainLower: solution.gainLower,
      gainUpper: solution.gainUpper)
    var table = TextTable(
      header: ["seconds", "states", "iterations", "error_bound", "converged", "method"]
        + (average ? ["gain", "gain_lower", "gain_upper"] : []))
    table.append(
      [
        formatNumber(seconds), String(states), String(solution.iterations),
        formatNumber(solution.errorBound), result.converged ? "yes" : "NO", result.method,
      ] + [result.gain, result.gainLower, result.gainUpper].compactMap { $0.map(formatNumber) })
    let diagnostics = Diagnostics()
    diagnostics.warn(all: specification.parameters.warnings)
    try output.emit(
      CommandResult(document: result, table: table),
      provenance: input.provenance("modes bench", extra: [("jobs", .integer(jobs))]),
      diagnostics: diagnostics,
      notConverged: result.converged
        ? []
        : [
          "the solve "
            + ModesReport.notConvergedAdvice(solution.status, errorBound: solution.errorBound)
        ])
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
