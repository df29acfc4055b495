import ArgumentParser
import OffloadLab

/// `offload modes solve`: the optimal policy as paper-style grids, its thresholds and its
/// structure (spec S4, S5).
struct ModesSolveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "solve",
    abstract: "Optimal policy, thresholds and structure verdicts (default: configuration (a)).",
    discussion: """
      Solves the model by value iteration (discounted) or policy iteration with a sparse LU \
      per policy (average; JSON solver.gain, gainLower, gainUpper: the certified bracket on \
      the optimal mean number of jobs), then again with B and B2 doubled to check that the policy on the window \
      xb, x2 <= W does not depend on the truncation (spec S2.3).
      --format csv prints the thresholds: kind 'base' rows give T1(n), T0(n) per SM2 cloud \
      length n; kind 'cloud' rows give the x2-direction thresholds per base length xb.
      """)

  @OptionGroup var model: ModesModelOptions

  @Option(
    parsing: .unconditional,
    help: "Window W of the structure checks and grids, 1...min(B, B2) (default B/2).")
  var window: Int?

  @Option(help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  @Option(
    name: .customLong("heatmap-csv"),
    help: "Write the whole policy in long form (xb, xl, x1, x2, action, value, decision gap).")
  var heatmapCSV: String?

  @Option(name: .customLong("svg"), help: "Write the grid slices as an SVG heatmap.")
  var svgPath: String?

  func validate() throws {
    let specification = try model.singleSpecification()
    _ = try model.solver()
    _ = try validatingParameters {
      try ServiceModeAnalysis.window(
        window,
        for: ServiceModeStateSpace(
          bufferLimit: specification.bufferLimit,
          cloudBufferLimit: specification.cloudBufferLimit ?? specification.bufferLimit))
    }
  }

  func run() throws {
    let specification = try self.model.singleSpecification()
    var doubled = specification
    doubled.bufferLimit *= 2
    doubled.cloudBufferLimit = 2 * (specification.cloudBufferLimit ?? specification.bufferLimit)
    // The truncation check solves the model again with B and B2 doubled, at the same time.
    let doubledStates: Int
    do {
      doubledStates = try self.model.stateCount(doubled)
    } catch {
      throw ValidationError(
        "invalid value \(specification.bufferLimit) for --buffer (B2 = \(doubled.cloudBufferLimit! / 2)): "
          + "the truncation check (spec S2.3) also solves B = \(doubled.bufferLimit), "
          + "B2 = \(doubled.cloudBufferLimit!), more than \(ServiceModeStateSpace.maximumStateCount) "
          + "states; use 4(2B+1)(2B2+1) <= \(ServiceModeStateSpace.maximumStateCount) "
          + "(B = B2 <= 4095), or 'offload modes bench' for one solve")
    }
    try ModesMemory.check(
      states: self.model.stateCount(specification) + doubledStates, sparse: true)
    let model = try self.model.model(specification)
    var solver = try self.model.solver()
    solver.progress = ProgressReporter("solve (B and 2B, interleaved)").solverCallback
    let analysis = try validatingParameters {
      try ServiceModeAnalysis(model: model, solver: solver, window: window)
    }
    report(model.parameters.warnings)
    if let (gap, state) = analysis.structure.minimumDecisionGap,
      gap <= analysis.solution.tieTolerance
    {
      printToStandardError(
        "warning: the smallest SM2 decision gap on the window, \(ModesReport.short(gap)) at "
          + "\(state), is within the tie tolerance \(ModesReport.short(analysis.solution.tieTolerance)): "
          + "actions there count as tied, so verdicts that depend on them are not determined; "
          + "lower --tolerance (spec S4.3, S5.5)")
    }
    switch format {
    case .table: print(textReport(analysis).joined(separator: "\n"))
    case .csv: print(thresholdTable(analysis).renderCSV())
    case .json: print(try renderJSON(ModesSolveJSON(analysis, provenance: self.model)))
    }
    if let path = heatmapCSV { try write(ModesReport.policyCSV(analysis.solution), toFile: path) }
    if let path = svgPath {
      try write(
        ModesReport.policySVG(
          analysis.solution.policy, window: analysis.structure.window,
          title: "Optimal policy on the window xb, x2 <= \(analysis.structure.window) "
            + "(B = \(model.stateSpace.bufferLimit), rho = \(ModesReport.short(model.parameters.load)), K = "
            + "\(ModesReport.short(model.parameters.cloudSpeedup)), f = "
            + "\(ModesReport.short(model.parameters.localFraction)))"),
        toFile: path)
    }
    for solution in [analysis.solution, analysis.doubledSolution] where !solution.converged {
      printToStandardError(
        "error: the solve with B = \(solution.model.stateSpace.bufferLimit) "
          + ModesReport.notConvergedAdvice(solution.status, errorBound: solution.errorBound))
      throw notConvergedExitCode
    }
  }

  private func textReport(_ analysis: ServiceModeAnalysis) -> [String] {
    let window = analysis.structure.window
    return ["Service-mode offloading: optimal policy (\(model.criterion.rawValue) criterion)"]
      + ModesReport.modelLines(analysis.solution.model, provenance: model.provenance)
      + [
        "solver         \(ModesReport.solverLine(analysis.solution))",
        "solver (2B)    \(ModesReport.solverLine(analysis.doubledSolution))",
        "window         W = \(window) (grids, thresholds and checks on xb, x2 <= W)", "",
      ]
      + ModesReport.policyGrids(analysis.solution.policy, window: window) + [""]
      + thresholdText(analysis) + [""]
      + ModesReport.structureLines(analysis)
  }

  /// T1(n), T0(n) for n = 0...W (kind `base`) and the x2-direction thresholds for
  /// xb = 1...W (kind `cloud`), as CSV (empty cell = none).
  private func thresholdTable(_ analysis: ServiceModeAnalysis) -> TextTable {
    var table = TextTable(header: ["kind", "index", "cloud_busy", "cloud_idle"])
    let text = { (value: Int?) in value.map(String.init) ?? "" }
    let (lines, columns) = Self.thresholds(analysis)
    for row in lines { table.append(["base", String(row.index), text(row.busy), text(row.idle)]) }
    for row in columns {
      table.append(["cloud", String(row.index), text(row.busy), text(row.idle)])
    }
    return table
  }

  /// The same thresholds as two text tables.
  private func thresholdText(_ analysis: ServiceModeAnalysis) -> [String] {
    let (lines, columns) = Self.thresholds(analysis)
    var alongBase = TextTable(header: ["n", "T1(n)", "T0(n)"])
    for row in lines {
      alongBase.append([
        String(row.index), ModesReport.threshold(row.busy),
        row.index == 0 ? "-" : ModesReport.threshold(row.idle),
      ])
    }
    var alongCloud = TextTable(header: ["xb", "x1 = 1", "x1 = 0"])
    for row in columns {
      alongCloud.append([
        String(row.index), ModesReport.threshold(row.busy), ModesReport.threshold(row.idle),
      ])
    }
    return ["thresholds T1(n), T0(n): least xb >= 1 with SM2 on the line (xb, 0, x1, n), x1 = 1, 0"]
      + alongBase.renderText().split(separator: "\n").map(String.init)
      + ["", "x2-direction thresholds: least x2 with SM2 at (xb, 0, x1, x2)"]
      + alongCloud.renderText().split(separator: "\n").map(String.init)
  }

  private static func thresholds(_ analysis: ServiceModeAnalysis) -> (
    lines: [(index: Int, busy: Int?, idle: Int?)], columns: [(index: Int, busy: Int?, idle: Int?)]
  ) {
    let window = analysis.structure.window
    let t = analysis.structure.thresholds
    let x2 = analysis.structure.cloudQueueThresholds
    return (
      (0...window).map { ($0, t.cloudBusy[$0], t.cloudIdle[$0]) },
      (1...window).map { ($0, x2.cloudBusy[$0], x2.cloudIdle[$0]) }
    )
  }
}

/// The JSON document of `modes solve` (key names are a contract, see the issue).
struct ModesSolveJSON: Encodable {
  struct Configuration: Encodable {
    var label: String
    var placeholder: Bool
    var description: String
  }
  struct Solver: Encodable {
    var method: String
    var converged: Bool
    var iterations: Int
    var errorBound: Double
    var tieTolerance: Double
    var gainLowerBound: Double?
    var gainUpperBound: Double?
    /// Average criterion: the bracket's midpoint and ends (issue 13; the two keys above
    /// are the same ends under their older names).
    var gain: Double?
    var gainLower: Double?
    var gainUpper: Double?
    var doubledConverged: Bool
    var doubledIterations: Int
  }
  struct Structure: Encodable {
    var window: Int
    var cloudFirst: Bool
    var cloudFirstWindow: Bool
    var sm1OnCloudFirstSetWindow: Bool
    var sm1OnCloudFirstSetGrid: Bool
    var noSM1OutsideCloudFirstSetWindow: Bool
    var noSM1OutsideCloudFirstSetGrid: Bool
    var switchTypeWindow: Bool
    var switchTypeGrid: Bool
    var urgencyMonotoneWindow: Bool
    var urgencyMonotoneGrid: Bool
    var thresholdsNonIncreasing: Bool
    var cloudFirstSetFollowsThreshold: Bool
    var closure: Bool
    var truncationStable: Bool
    var truncationBufferLimit: Int
    var minDecisionGapWindow: Double?
    var counterexamples: [String: [String]]
  }
  struct Thresholds: Encodable {
    /// T1(n), n = 0...W.
    var cloudBusy: [Int?]
    /// T0(n), n = 1...W.
    var cloudIdle: [Int?]
    /// x2-direction thresholds, xb = 1...W.
    var cloudQueueCloudBusy: [Int?]
    var cloudQueueCloudIdle: [Int?]
  }
  struct Policy: Encodable {
    /// Rows xl = 0, 1; columns xb = 1...W.
    var cloudFirstSet: [[Int]]
    /// Rows x2 = 0...W; columns xb = 0...W (xl = 0).
    var cloudBusy: [[Int]]
    var cloudIdle: [[Int]]
  }

  var configuration: Configuration
  var parameters: ModesParametersJSON
  var criterion: String
  var solver: Solver
  var structure: Structure
  var thresholds: Thresholds
  var policy: Policy
  var warnings: [String]

  init(_ analysis: ServiceModeAnalysis, provenance options: ModesModelOptions) {
    let solution = analysis.solution
    let model = solution.model
    let s = analysis.structure
    let window = s.window
    configuration = Configuration(
      label: options.configuration.rawValue, placeholder: options.isPaperSetting,
      description: options.provenance)
    parameters = ModesParametersJSON(model)
    criterion = solution.criterion.rawValue
    solver = Solver(
      method: solution.method, converged: solution.converged, iterations: solution.iterations,
      errorBound: solution.errorBound, tieTolerance: solution.tieTolerance,
      gainLowerBound: solution.gainBounds?.lowerBound,
      gainUpperBound: solution.gainBounds?.upperBound,
      gain: solution.gainBounds.map { ($0.lowerBound + $0.upperBound) / 2 },
      gainLower: solution.gainBounds?.lowerBound, gainUpper: solution.gainBounds?.upperBound,
      doubledConverged: analysis.doubledSolution.converged,
      doubledIterations: analysis.doubledSolution.iterations)
    var counterexamples: [String: [String]] = [:]
    let named: [(String, PropertyVerdict)] = [
      ("sm1OnCloudFirstSetWindow", s.sm1OnCloudFirstSet.window),
      ("sm1OnCloudFirstSetGrid", s.sm1OnCloudFirstSet.grid),
      ("noSM1OutsideCloudFirstSetWindow", s.noSM1OutsideCloudFirstSet.window),
      ("noSM1OutsideCloudFirstSetGrid", s.noSM1OutsideCloudFirstSet.grid),
      ("switchTypeWindow", s.switchType.window), ("switchTypeGrid", s.switchType.grid),
      ("urgencyMonotoneWindow", s.urgencyMonotone.window),
      ("urgencyMonotoneGrid", s.urgencyMonotone.grid),
      ("thresholdsNonIncreasing", s.thresholdsNonIncreasing),
      ("cloudFirstSetFollowsThreshold", s.cloudFirstSetFollowsThreshold),
      ("closure", s.closure), ("truncationStable", analysis.truncation.verdict),
    ]
    for (name, verdict) in named where !verdict.holds {
      counterexamples[name] = verdict.firstViolations.map(\.description)
    }
    structure = Structure(
      window: window, cloudFirst: s.cloudFirst, cloudFirstWindow: s.cloudFirstWindow,
      sm1OnCloudFirstSetWindow: s.sm1OnCloudFirstSet.window.holds,
      sm1OnCloudFirstSetGrid: s.sm1OnCloudFirstSet.grid.holds,
      noSM1OutsideCloudFirstSetWindow: s.noSM1OutsideCloudFirstSet.window.holds,
      noSM1OutsideCloudFirstSetGrid: s.noSM1OutsideCloudFirstSet.grid.holds,
      switchTypeWindow: s.switchType.window.holds, switchTypeGrid: s.switchType.grid.holds,
      urgencyMonotoneWindow: s.urgencyMonotone.window.holds,
      urgencyMonotoneGrid: s.urgencyMonotone.grid.holds,
      thresholdsNonIncreasing: s.thresholdsNonIncreasing.holds,
      cloudFirstSetFollowsThreshold: s.cloudFirstSetFollowsThreshold.holds,
      closure: s.closure.holds, truncationStable: analysis.truncation.stable,
      truncationBufferLimit: analysis.truncation.doubledBufferLimit,
      minDecisionGapWindow: s.minimumDecisionGap?.gap, counterexamples: counterexamples)
    thresholds = Thresholds(
      cloudBusy: Array(s.thresholds.cloudBusy[0...window]),
      cloudIdle: Array(s.thresholds.cloudIdle[1...window]),
      cloudQueueCloudBusy: Array(s.cloudQueueThresholds.cloudBusy[1...window]),
      cloudQueueCloudIdle: Array(s.cloudQueueThresholds.cloudIdle[1...window]))
    func act(_ base: Int, _ local: Int, _ sm1: Int, _ sm2Queue: Int) -> Int {
      solution.policy[
        ServiceModeState(baseQueue: base, localBusy: local, cloudSM1: sm1, cloudSM2: sm2Queue)
      ].rawValue
    }
    policy = Policy(
      cloudFirstSet: [0, 1].map { local in (1...window).map { act($0, local, 0, 0) } },
      cloudBusy: (0...window).map { line in (0...window).map { act($0, 0, 1, line) } },
      cloudIdle: (0...window).map { line in (0...window).map { act($0, 0, 0, line) } })
    warnings = model.parameters.warnings.map(\.description)
  }
}

/// The model's parameters, truncation and discount, shared by every `modes` JSON document.
struct ModesParametersJSON: Encodable {
  var load, cloudSpeedup, localFraction, localRate: Double
  var arrivalRate, sm1CloudRate, sm2LocalRate, sm2CloudRate: Double
  var bufferLimit, cloudBufferLimit, stateCount: Int
  var discountFactor, continuousDiscount, uniformizationRate: Double
  var uniformization: String

  init(_ model: ServiceModeModel) {
    let p = model.parameters
    (load, cloudSpeedup, localFraction, localRate) = (
      p.load, p.cloudSpeedup, p.localFraction, p.localRate
    )
    (arrivalRate, sm1CloudRate, sm2LocalRate, sm2CloudRate) = (
      p.arrivalRate, p.sm1CloudRate, p.sm2LocalRate, p.sm2CloudRate
    )
    bufferLimit = model.stateSpace.bufferLimit
    cloudBufferLimit = model.stateSpace.cloudBufferLimit
    stateCount = model.stateSpace.stateCount
    discountFactor = model.discountFactor
    continuousDiscount = model.continuousDiscount
    uniformizationRate = model.uniformizationRate
    uniformization = model.uniformization.rawValue
  }
}
