import ArgumentParser
import OffloadLab

/// `offload inference optimal`: Def. 3.1 as an average-cost MDP on a tiny instance.
struct InferenceOptimalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimal",
    abstract: "The Def. 3.1 optimal scheduler of a tiny instance and each heuristic's gap (G9).",
    discussion: """
      Cost per step: the number of users with an active request. Actions: every admissible \
      scheduler decision (G6.7). Relative value iteration (tau = 1/2) stops when the \
      certified gain bracket is below 1e-10; the greedy policy is then evaluated exactly.
      """)

  @OptionGroup var instanceOptions: InferenceInstanceOptions

  @OptionGroup var enumeration: InferenceEnumerationOptions

  @OptionGroup var output: OutputOptions

  struct Result: Encodable {
    let states: Int
    let stateActionPairs: Int
    let transitions: Int
    let optimalGain: Double
    let gainLowerBound: Double
    let gainUpperBound: Double
    let greedyGain: Double
    let greedyGainInBracket: Bool
    let status: String
    let iterations: Int
    let heuristics: [Heuristic]
  }

  struct Heuristic: Encodable {
    let policy: String
    let gain: Double
    let relativeGap: Double
  }

  func run() throws {
    try output.checkPaths()
    let (instance, parameters) = try instanceOptions.resolve(default: .m1)
    let limits = try enumeration.limits()
    let solved: OptimalScheduling
    do {
      solved = try OptimalScheduler.solve(parameters, limits: limits)
    } catch {
      throw ValidationError(error.description)
    }
    let gain = solved.solution.gain
    let result = Result(
      states: solved.states, stateActionPairs: solved.stateActionPairs,
      transitions: solved.transitions, optimalGain: gain,
      gainLowerBound: solved.solution.gainLowerBound,
      gainUpperBound: solved.solution.gainUpperBound, greedyGain: solved.greedyGain,
      greedyGainInBracket: solved.greedyGainInBracket, status: solved.solution.status.rawValue,
      iterations: solved.solution.iterations,
      heuristics: solved.heuristicGains.map {
        Heuristic(policy: $0.policy.rawValue, gain: $0.gain, relativeGap: $0.gain / gain - 1)
      })
    var table = TextTable(header: ["policy", "gain", "relativeGap"])
    table.append(["optimal", formatNumber(gain, significantDigits: 12), "0"])
    for heuristic in result.heuristics {
      table.append([
        heuristic.policy, formatNumber(heuristic.gain, significantDigits: 12),
        formatNumber(heuristic.relativeGap, significantDigits: 4),
      ])
    }
    var warnings: [String] = []
    if !solved.greedyGainInBracket {
      warnings.append("the greedy policy's exact gain lies outside the solver's bracket")
    }
    let provenance = Provenance(
      command: "inference optimal",
      parameters: instanceOptions.provenance(instance, parameters) + [
        ("maxStates", .integer(enumeration.maxStates)), ("criterion", .text("average cost")),
        ("tolerance", .number(1e-10)),
      ])
    if output.format() == .table {
      printToStandardError(
        "MDP: \(result.states) states, \(result.stateActionPairs) state-action pairs, "
          + "\(result.transitions) transitions; bracket [\(result.gainLowerBound), "
          + "\(result.gainUpperBound)] after \(result.iterations) iterations")
    }
    try emitInference(
      result, table: table, provenance: provenance, warnings: warnings,
      placeholders: parameters.placeholders, output: output,
      notConverged: solved.solution.status == .converged
        ? []
        : [
          "the gain bracket [\(result.gainLowerBound), \(result.gainUpperBound)] stopped with "
            + "status \(result.status) after \(result.iterations) iterations"
        ])
  }
}
