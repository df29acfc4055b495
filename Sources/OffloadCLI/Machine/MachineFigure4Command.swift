import ArgumentParser
import OffloadLab

/// `offload machine figure4`: the paper's Fig. 4, total cost against q for two arrival
/// regimes and both policies, by simulation with the optimised tables (docs/markov-machine.md
/// §A11).
struct MachineFigure4Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "figure4",
    abstract:
      "Fig. 4: simulated total cost (1/N) sum Delta_i + S against q, both regimes and policies.",
    discussion: """
      For every q the tables of problems (12)/(16) are solved for all subsets, then the \
      system with queues is simulated under both policies for the low (p) and high (p~) \
      arrival regimes. fullSetClosedForm is the permanent-congestion cost of S = all users \
      with the table's mu(N): the high-regime queues grow (load > 1) and the simulated cost \
      tends to it (docs/markov-machine.md §A11.1).
      """)

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "q values: start:stop:step or a comma list of at most \(MachineOptimalCommand.maximumQValues), each in [1e-9, 1).",
      valueName: "values"))
  var qValues = "0.1:0.9:0.1"

  @Option(
    name: .customLong("busy-after-completion"),
    parsing: .unconditional,
    help: "s: probability of busy right after a completion, in [0, 1].")
  var busyAfterCompletion = 0.5

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("q_i list, each in [1e-9, 1].", valueName: "q1,q2,...")
  )
  var serviceProbabilities = "0.1,0.4,0.6,0.9"

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("p_i list of the low regime, each in [0, 1).", valueName: "p1,p2,..."))
  var lowArrivalProbabilities = "0.01,0.02,0.05,0.06"

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp("p~_i list of the high regime, each in [0, 1).", valueName: "p1,p2,..."))
  var highArrivalProbabilities = "0.05,0.2,0.5,0.6"

  @Option(parsing: .unconditional, help: "L: cost of one sample, in [0, 1e100].")
  var samplingCost = 5.0

  @OptionGroup var optimization: MachineOptimizerOptions
  @OptionGroup var simulation: MachineSimulationOptions
  @OptionGroup var assumptionOptions: MachineAssumptionOptions

  @Option(help: "Also write the figure as an SVG line chart to this path.")
  var svg: String?

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths([("--svg", svg)])
    let diagnostics = Diagnostics()
    let flips = try parseRange(
      qValues, name: "--q-values", maximumPoints: MachineOptimalCommand.maximumQValues)
    let regimes = try validatingParameters {
      [
        ("low", try parseList(lowArrivalProbabilities, name: "low arrival probabilities (p_i)")),
        (
          "high", try parseList(highArrivalProbabilities, name: "high arrival probabilities (p~_i)")
        ),
      ]
    }
    let service = try validatingParameters {
      try parseList(serviceProbabilities, name: "service probabilities (q_i)")
    }
    let settings = try simulation.settings()
    let assumptions = try assumptionOptions.assumptions()
    let optimizer = try optimization.optimizer(assumptions)
    var points: [Figure4Point] = []
    for q in flips {
      let base = try validatingParameters {
        try MachineParameters(
          flipProbability: q, busyAfterCompletionProbability: busyAfterCompletion,
          serviceProbabilities: service, samplingCost: samplingCost)
      }
      machineProgress("q = \(formatNumber(q, significantDigits: 4)): optimising the tables")
      let tables = [optimizer.table(base, rule: .randomized), optimizer.table(base, rule: .maxAge)]
      for (regime, arrivals) in regimes {
        let parameters = try validatingParameters { try base.withArrivalProbabilities(arrivals) }
        diagnostics.warn(all: parameters.warnings)
        for table in tables {
          machineProgress(
            "q = \(formatNumber(q, significantDigits: 4)), \(regime) arrivals, \(table.rule.rawValue): simulating"
          )
          let result = MachineSimulator(
            parameters: parameters, table: table, settings: settings, assumptions: assumptions
          ).run()
          let full = table[parameters.allUsers].performance
          points.append(
            Figure4Point(
              regime: regime, flipProbability: q, policy: table.rule,
              totalCost: result.totalCost.mean, ci95: result.totalCost.halfWidth,
              samplingCost: result.samplingCost.mean,
              fullSetClosedForm: full.objective(
                weighting: .perUser, userCount: parameters.userCount),
              fullSetSamplingProbability: table[parameters.allUsers].policy.samplingProbability,
              loadAtFullSampling: parameters.loadAtFullSampling(assumptions: assumptions),
              verdict: result.verdict))
        }
      }
    }
    if let svg { try write(Self.chart(points), toFile: svg, flag: "--svg") }
    try output.emit(
      CommandResult(document: points, table: Self.table(points)),
      provenance: Provenance(
        command: "machine figure4",
        parameters: [
          ("q_values", .numbers(flips)), ("busy_after_completion", .number(busyAfterCompletion)),
          ("service_probabilities", .numbers(service)),
          ("low_arrival_probabilities", .numbers(regimes[0].1)),
          ("high_arrival_probabilities", .numbers(regimes[1].1)),
          ("sampling_cost", .number(samplingCost)),
        ] + simulation.provenance + optimization.provenance + assumptionOptions.provenance,
        perRow: ["q_values"]),
      diagnostics: diagnostics)
  }

  static func table(_ points: [Figure4Point]) -> TextTable {
    var table = TextTable(
      header: [
        "regime", "q", "policy", "totalCost", "ci95", "samplingCost", "fullSetClosedForm",
        "fullSetMu", "load", "verdict",
      ])
    for point in points {
      table.append([
        point.regime, formatNumber(point.flipProbability, significantDigits: 4),
        point.policy.rawValue, formatNumber(point.totalCost, significantDigits: 6),
        formatNumber(point.ci95, significantDigits: 3),
        formatNumber(point.samplingCost, significantDigits: 5),
        formatNumber(point.fullSetClosedForm, significantDigits: 6),
        formatNumber(point.fullSetSamplingProbability, significantDigits: 4),
        formatNumber(point.loadAtFullSampling, significantDigits: 4), point.verdict.rawValue,
      ])
    }
    return table
  }

  static func chart(_ points: [Figure4Point]) -> String {
    var series: [SVG.Series] = []
    for regime in ["low", "high"] {
      for rule in SchedulingRule.allCases {
        let selected = points.filter { $0.regime == regime && $0.policy == rule }
        let name = rule == .randomized ? "phi1" : "max-age"
        series.append(
          SVG.Series(
            name: "\(name), \(regime) p",
            points: selected.map { ($0.flipProbability, $0.totalCost) }))
        if regime == "high" {
          series.append(
            SVG.Series(
              name: "\(name), S = N limit",
              points: selected.map { ($0.flipProbability, $0.fullSetClosedForm) }))
        }
      }
    }
    return SVG.lineChart(
      title: "Fig. 4: total cost (1/N) sum Delta_i + S against q (simulation)", xLabel: "q",
      yLabel: "total cost", series: series)
  }
}

/// One point of Fig. 4.
struct Figure4Point: Encodable {
  var regime: String
  var flipProbability: Double
  var policy: SchedulingRule
  var totalCost: Double
  var ci95: Double
  var samplingCost: Double
  var fullSetClosedForm: Double
  var fullSetSamplingProbability: Double
  var loadAtFullSampling: Double
  var verdict: QueueVerdict
}
