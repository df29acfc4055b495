import ArgumentParser
import Foundation
import OffloadLab

/// `offload machine optimal`: the optimal sampling + scheduling policy under permanent
/// congestion as an average-cost MDP, against both paper policies (docs/markov-machine.md
/// §A10).
struct MachineOptimalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "optimal",
    abstract:
      "Optimal sampling + scheduling under permanent congestion (MDP, N <= 3) vs both paper policies.",
    discussion: """
      Beyond the paper (docs/markov-machine.md §A10): states = server knowledge (serving j, \
      or an idle belief state) x ages capped at A; actions in an idle slot = wait, or sample \
      and serve j if free; cost (1/N) sum v_i + L 1{sample}. Relative value iteration \
      brackets g*; the best phi1 and max-age pairs of (12)/(16) are evaluated in the same \
      model; their gaps compare their exact closed forms with g* (JSON also has the \
      in-model gaps). The default cap is the smallest whose truncation error on the best \
      max-age policy's mean ages is <= --cap-accuracy (exact chains of §A6).
      """)

  @OptionGroup var model: MachineModelOptions

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Several q values (start:stop:step or a comma list, at most \(maximumQValues)) instead of --flip-probability.",
      valueName: "values"))
  var qValues: String?

  @Option(
    parsing: .unconditional, help: "Age cap A of the MDP (default: automatic, see --cap-accuracy).")
  var ageCap: Int?

  @Option(
    parsing: .unconditional,
    help: "Truncation error on the best max-age mean ages that fixes the automatic cap, > 0.")
  var capAccuracy = 1e-6

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Belief error accepted where the idle belief chains are cut (docs/markov-machine.md "
        + "§A10.1), in (0, 0.5)."))
  var beliefTolerance = 1e-6

  @Option(
    parsing: .unconditional,
    help: "Width of the gain bracket at which relative value iteration stops, > 0.")
  var tolerance = 1e-6

  @Option(
    parsing: .unconditional,
    help: "Iteration limit of relative value iteration, 1...\(formatCount(maximumIterationLimit)).")
  var maxIterations = 1_000_000

  /// The largest --max-iterations.
  static let maximumIterationLimit = MDPSolver.maximumIterationLimit
  /// The most --q-values (each is one MDP solve of up to seconds).
  static let maximumQValues = 1000
  /// The largest --age-cap.
  static let maximumAgeCap = 100_000

  @OptionGroup var optimization: MachineOptimizerOptions
  @OptionGroup var assumptionOptions: MachineAssumptionOptions

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths()
    let diagnostics = Diagnostics()
    let base = try model.parameters(defaultService: [0.4, 0.9])
    diagnostics.warn(all: base.warnings)
    if let ageCap {
      try require(
        (2...Self.maximumAgeCap).contains(ageCap),
        .outOfRange("--age-cap (A)", ageCap, valid: "an integer in 2...\(Self.maximumAgeCap)"))
    }
    try require(
      tolerance > 0 && tolerance.isFinite,
      .outOfRange("tolerance", tolerance, valid: "finite and > 0"))
    try require(
      capAccuracy > 0 && capAccuracy.isFinite,
      .outOfRange("cap accuracy", capAccuracy, valid: "finite and > 0"))
    try require(
      (1...Self.maximumIterationLimit).contains(maxIterations),
      .outOfRange(
        "max iterations", maxIterations,
        valid: "an integer in 1...\(formatCount(Self.maximumIterationLimit))"))
    let flips =
      try qValues.map { try parseRange($0, name: "--q-values", maximumPoints: Self.maximumQValues) }
      ?? [base.flipProbability]
    let assumptions = try assumptionOptions.assumptions()
    let optimizer = try optimization.optimizer(assumptions)
    var rows: [OptimalRow] = []
    for q in flips {
      let parameters = try validatingParameters {
        try MachineParameters(
          flipProbability: q, busyAfterCompletionProbability: base.busyAfterCompletionProbability,
          serviceProbabilities: base.serviceProbabilities, samplingCost: base.samplingCost)
      }
      try validatingParameters {
        try OptimalSchedulingModel.checkFlipProbability(
          parameters, beliefTolerance: beliefTolerance)
      }
      let cap = ageCap ?? automaticCap(parameters, optimizer)
      let mdp = try validatingParameters {
        try OptimalSchedulingModel(
          parameters: parameters, ageCap: cap, beliefTolerance: beliefTolerance,
          assumptions: assumptions)
      }
      let clock = Date()
      let label = "q = \(formatNumber(q, significantDigits: 4)), A = \(cap)"
      let report = mdp.analyze(
        tolerance: tolerance, maxIterations: maxIterations, optimizer: optimizer
      ) { machineProgress("\(label): \($0)") }
      let seconds = Date().timeIntervalSince(clock)
      machineProgress("\(label): done in \(formatNumber(seconds, significantDigits: 3)) s")
      rows.append(OptimalRow(flipProbability: q, report: report))
    }
    // Every stage of every row, the occupancy stage included (docs/markov-machine.md).
    let converged = rows.allSatisfy(\.report.converged)
    let statuses = Set(
      rows.flatMap { row in
        let report = row.report
        return [
          report.optimal.status, report.bestRandomized.inModel.status,
          report.bestMaxAge.inModel.status, report.occupancyStatus,
        ]
      })
    try output.emit(
      CommandResult(document: rows, table: Self.table(rows)),
      provenance: Provenance(
        command: "machine optimal",
        parameters: MachineModelOptions.provenance(base).filter { $0.name != "flip_probability" }
          + [
            ("q_values", .numbers(flips)),
            ("age_cap", ageCap.map { .integer($0) } ?? .text("automatic")),
            ("cap_accuracy", .number(capAccuracy)), ("belief_tolerance", .number(beliefTolerance)),
            ("tolerance", .number(tolerance)), ("max_iterations", .integer(maxIterations)),
          ] + optimization.provenance + assumptionOptions.provenance,
        perRow: ["q_values"]),
      diagnostics: diagnostics,
      notConverged: converged
        ? []
        : statuses.contains(.roundOffLimited)
          ? [
            "a solve stopped at its floating-point floor before the bracket closed: raise "
              + "--tolerance (the costs' scale sets the floor)"
          ]
          : ["relative value iteration reached --max-iterations before the bracket closed"])
  }

  /// The smallest cap whose truncation error on the best max-age pair's mean ages is at
  /// most `capAccuracy` (the automatic cap of
  /// docs/markov-machine.md §A6.1).
  private func automaticCap(_ parameters: MachineParameters, _ optimizer: SubsetOptimizer) -> Int {
    var optimizer = optimizer
    optimizer.weighting = .perUser
    let best = optimizer.optimizeMaxAge(parameters, subset: parameters.allUsers)
    let exact = ExactEvaluation.evaluate(
      parameters, subset: parameters.allUsers, policy: best.policy, accuracy: capAccuracy,
      maximumCap: OptimalSchedulingModel.largestAgeCap(userCount: parameters.userCount),
      assumptions: optimizer.assumptions)
    return exact.ageCaps.max() ?? 2
  }

  static func table(_ rows: [OptimalRow]) -> TextTable {
    var table = TextTable(
      header: [
        "q", "g*", "bracket", "phi1 closed", "phi1 in MDP", "phi1 gap %", "max-age closed",
        "max-age in MDP", "max-age gap %", "sampling rate", "max-age share", "mass at cap", "A",
        "idle states", "states", "iterations",
      ])
    for row in rows {
      let report = row.report
      func number(_ value: Double, _ digits: Int = 6) -> String {
        formatNumber(value, significantDigits: digits)
      }
      table.append([
        number(row.flipProbability, 4), number(report.optimal.gain, 7),
        number(report.optimal.upperBound - report.optimal.lowerBound, 2),
        number(report.bestRandomized.closedForm, 7), number(report.bestRandomized.inModel.gain, 7),
        number(report.bestRandomized.gapPercent, 3), number(report.bestMaxAge.closedForm, 7),
        number(report.bestMaxAge.inModel.gain, 7), number(report.bestMaxAge.gapPercent, 3),
        number(report.samplingRate, 4), number(report.maxAgeShare, 4), number(report.massAtCap, 2),
        String(report.ageCap), String(report.idleStateCount), String(report.stateCount),
        String(report.optimal.iterations),
      ])
    }
    return table
  }
}

/// One q of `optimal`.
struct OptimalRow: Encodable {
  var flipProbability: Double
  var report: OptimalPolicyReport
}
