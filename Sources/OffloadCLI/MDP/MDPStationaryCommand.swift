import ArgumentParser
import Foundation
import OffloadLab

/// `offload mdp stationary`: the stationary distribution of a DTMC or CTMC from files,
/// with its residual certificate and, when the files carry costs, the long-run average
/// cost (docs/mdp-command.md §4).
struct MDPStationaryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stationary",
    abstract: "Stationary distribution (and long-run average cost) of a chain from files.",
    discussion: """
      The chain must have one recurrent class (transient states get probability 0). GTH \
      elimination up to --dense-limit recurrent states (exact up to round-off), \
      Gauss-Seidel above, stopped when the residual ||pi P - pi||_1 <= --tolerance. A CTMC \
      is solved on its uniformized chain (same distribution). Costs: per state from \
      model.json's costs or PRISM's .srew/.trew (per stage, or per unit time).
      """)

  @OptionGroup var input: MDPInputOptions

  @Option(parsing: .unconditional, help: "Largest recurrent class solved by GTH, 1...10000.")
  var denseLimit = 1500

  @Option(parsing: .unconditional, help: "Residual tolerance of Gauss-Seidel, in (0, 1).")
  var tolerance = 1e-12

  @Option(parsing: .unconditional, help: "Gauss-Seidel sweep limit, 1...100000000.")
  var maxIterations = 100_000

  @OptionGroup var output: OutputOptions

  func validate() throws {
    guard (1...10_000).contains(denseLimit) else {
      throw ValidationError("invalid value \(denseLimit) for --dense-limit: must be in 1...10000")
    }
    guard tolerance > 0, tolerance < 1 else {
      throw ValidationError(
        "invalid value \(formatParameterValue(tolerance)) for --tolerance: must be in (0, 1)")
    }
    guard (1...100_000_000).contains(maxIterations) else {
      throw ValidationError(
        "invalid value \(maxIterations) for --max-iterations: must be in 1...100000000")
    }
  }

  func run() throws {
    try output.checkPaths()
    guard case .chain(let chain) = try input.load() else {
      throw ValidationError(
        "\(input.path): the files hold an MDP; use 'offload mdp solve' (or evaluate a policy)")
    }
    let diagnostics = Diagnostics()
    diagnostics.warn(all: chain.warnings)
    let discrete: DiscreteTimeMarkovChain
    switch chain.dynamics {
    case .discrete(let dtmc): discrete = dtmc
    case .continuous(let ctmc):
      do { discrete = try ctmc.uniformized() } catch { throw ValidationError(error.description) }
    }
    let method: StationaryMethod =
      chain.stateCount <= denseLimit
      ? .gth : .gaussSeidel(tolerance: tolerance, maxIterations: maxIterations)
    let distribution: StationaryDistribution
    do { distribution = try discrete.stationaryDistribution(method: method) } catch {
      throw ValidationError("\(input.path): \(error.description)")
    }
    let averageCost = chain.costs.map {
      discrete.longRunAverage(of: $0, distribution: distribution)
    }
    let methodName: String
    if case .gth = distribution.method { methodName = "gth" } else { methodName = "gauss-seidel" }
    let provenance = Provenance(
      command: "mdp stationary",
      parameters: input.provenance + [
        ("source", .text(chain.source.description)), ("dense-limit", .integer(denseLimit)),
        ("tolerance", .number(tolerance)), ("max-iterations", .integer(maxIterations)),
      ])
    var text = [
      "chain: \(chain.source), \(chain.stateCount) states; method \(methodName), "
        + "\(distribution.iterations) iterations, residual \(formatNumber(distribution.residual)), "
        + "status \(distribution.status.rawValue)"
    ]
    if let averageCost {
      text.append(
        "long-run average cost: \(formatNumber(averageCost)) per "
          + (chain.time == .discrete ? "stage" : "unit time"))
    }
    var table = stateTable(chain, distribution)
    table.rows = Array(table.rows.prefix(MDPReport.tableStateLimit))
    text.append(table.renderText())
    if table.rows.count < chain.stateCount {
      text.append("(first \(table.rows.count) of \(chain.stateCount) states; --format csv for all)")
    }
    var notConverged: [String] = []
    if distribution.status != .converged {
      notConverged.append(
        "the stationary distribution did not reach --tolerance (residual "
          + "\(formatNumber(distribution.residual)) after \(distribution.iterations) sweeps)")
    }
    try output.emit(
      CommandResult(
        document: StationaryJSON(
          status: distribution.status.rawValue, iterations: distribution.iterations,
          residual: distribution.residual, method: methodName, states: chain.stateCount,
          time: chain.time.rawValue, distribution: distribution.probabilities,
          averageCost: averageCost, source: chain.source.description),
        csv: stateTable(chain, distribution), text: text),
      provenance: provenance, diagnostics: diagnostics, notConverged: notConverged)
  }

  private func stateTable(_ chain: LoadedChain, _ distribution: StationaryDistribution)
    -> TextTable
  {
    var header = ["state", "probability"]
    if chain.costs != nil { header.append("cost") }
    if chain.stateDescriptions != nil { header.append("description") }
    var table = TextTable(header: header)
    for state in 0..<chain.stateCount {
      var row = [String(state), formatNumber(distribution.probabilities[state])]
      if let costs = chain.costs { row.append(formatNumber(costs[state])) }
      if let descriptions = chain.stateDescriptions { row.append(descriptions[state]) }
      table.append(row)
    }
    return table
  }
}

/// JSON of `mdp stationary` (the output kit adds `provenance` and `warnings`).
struct StationaryJSON: Encodable {
  var status: String
  var iterations: Int
  /// `‖π P − π‖₁` of the returned distribution (of the uniformized chain for a CTMC).
  var residual: Double
  var method: String
  var states: Int
  var time: String
  /// π, indexed by state.
  var distribution: [Double]
  /// `Σ π(x) c(x)` when the files carry costs.
  var averageCost: Double?
  var source: String
}
