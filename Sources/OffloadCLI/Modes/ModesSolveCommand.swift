import ArgumentParser
import OffloadLab

/// `offload modes solve`: the optimal policy as paper-style grids, its thresholds and its
/// structure (docs/service-modes.md §S4, §S5).
struct ModesSolveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "solve",
    abstract: "Optimal policy, thresholds and structure verdicts (default: configuration (a)).",
    discussion: """
      Solves the model by value iteration (discounted) or policy iteration with a sparse LU \
      per policy (average; JSON solver.gain, gainLower, gainUpper: the certified bracket on \
      the optimal mean number of jobs), then again with B and B2 doubled to check that the \
      policy on the window xb, x2 <= W does not depend on the truncation \
      (docs/service-modes.md §S2.3); --skip-truncation-check skips that second solve (the \
      output then says the check was skipped). A failed check and decisions within the tie \
      tolerance are warnings (exit 2 with --strict).
      --format csv prints one threshold table: by default n,T1,T0 (T1(n), T0(n) per SM2 \
      cloud-queue length n = 0...W), with --threshold-table xb the x2-direction thresholds \
      per base length xb = 1...W. 'never' means SM2 is never chosen on that line; T0(0) is \
      undefined (empty cell).
      """)

  @OptionGroup var model: ModesModelOptions

  @Option(
    parsing: .unconditional,
    help: "Window W of the structure checks and grids, 1...min(B, B2) (default B/2).")
  var window: Int?

  @Flag(
    help: ArgumentHelp(
      "Skip the second solve with B and B2 doubled (the truncation check, "
        + "docs/service-modes.md §S2.3)."))
  var skipTruncationCheck = false

  @Option(help: "Threshold table of --format csv: n (T1, T0 per n) or xb (x2 direction).")
  var thresholdTable: ModesThresholdTable = .n

  @OptionGroup var output: OutputOptions

  @Option(
    name: .customLong("heatmap-csv"),
    help: "Write the whole policy in long form (xb, xl, x1, x2, action, value, decision gap).")
  var heatmapCSV: String?

  @Option(name: .customLong("svg"), help: "Write the grid slices as an SVG heatmap.")
  var svgPath: String?

  func run() throws {
    try output.checkPaths([("--heatmap-csv", heatmapCSV), ("--svg", svgPath)])
    let input = try model.input()
    let specification = try input.single
    let space = try specification.stateSpace
    let window = try validatingParameters {
      try ServiceModeAnalysis.window(self.window, for: space)
    }
    let states = try validatingParameters {
      try ServiceModeAnalysis.stateCount(for: space, checkTruncation: !skipTruncationCheck)
    }
    try ModesMemory.check(states: states, sparse: true)
    let provenance = input.provenance(
      "modes solve",
      extra: [
        ("window", .integer(window)), ("truncation_check", .flag(!skipTruncationCheck)),
      ])
    let compiled = try model.model(specification)
    let diagnostics = Diagnostics()
    diagnostics.warn(all: compiled.parameters.warnings)
    let solver = input.solver
    let doubledLabel = "B = \(2 * space.bufferLimit), B2 = \(2 * space.cloudBufferLimit)"
    let reporters = [
      ProgressReporter("solve B = \(space.bufferLimit), B2 = \(space.cloudBufferLimit)"),
      ProgressReporter("truncation check solve \(doubledLabel)"),
    ]
    let callbacks = reporters.map {
      $0.solverCallback(
        target: solver.tolerance,
        targetText: "\(formatNumber(solver.tolerance)) (\(solver.toleranceMode.rawValue))")
    }
    let analysis = try validatingParameters {
      try ServiceModeAnalysis(
        model: compiled, solver: solver, window: window,
        checkTruncation: !skipTruncationCheck,
        progress: { doubled, iterations, bound in callbacks[doubled ? 1 : 0](iterations, bound) })
    }
    if let (gap, state) = analysis.structure.minimumDecisionGap,
      gap <= analysis.solution.tieTolerance
    {
      diagnostics.warn(
        "the smallest SM2 decision gap on the window, \(ModesReport.short(gap)) at "
          + "\(state), is within the tie tolerance "
          + "\(ModesReport.short(analysis.solution.tieTolerance)): actions there count as tied, "
          + "so verdicts that depend on them are not determined; lower --tolerance "
          + "(docs/service-modes.md §S4.3, §S5.5)")
    }
    if let truncation = analysis.truncation, !truncation.stable {
      diagnostics.warn(
        "truncation check fails: the policy on the window W = \(window) changes at "
          + "\(truncation.verdict.violationCount) of \(truncation.verdict.checkedStates) states "
          + "when B, B2 are doubled to \(truncation.doubledBufferLimit), "
          + "\(truncation.doubledCloudBufferLimit); the window policy depends on the "
          + "truncation: raise --buffer or lower --window (docs/service-modes.md §S2.3)")
    }
    if let path = heatmapCSV {
      try write(
        ModesReport.policyTable(analysis.solution).describing(provenance).renderCSV() + "\n",
        toFile: path, flag: "--heatmap-csv")
    }
    if let path = svgPath {
      try write(
        ModesReport.policySVG(
          analysis.solution.policy, window: window,
          title: "Optimal policy on the window xb, x2 <= \(window) "
            + "(B = \(space.bufferLimit), rho = \(ModesReport.short(compiled.parameters.load)), "
            + "K = \(ModesReport.short(compiled.parameters.cloudSpeedup)), f = "
            + "\(ModesReport.short(compiled.parameters.localFraction)))"),
        toFile: path, flag: "--svg")
    }
    let thresholds = ModesThresholds(analysis.structure)
    let notConverged = [analysis.solution, analysis.doubledSolution].compactMap { $0 }
      .filter { !$0.converged }.map { solution in
        "the solve with B = \(solution.model.stateSpace.bufferLimit) "
          + ModesReport.notConvergedAdvice(solution.status, errorBound: solution.errorBound)
      }
    try output.emit(
      CommandResult(
        document: ModesSolveJSON(analysis, input: input),
        csv: thresholdTable == .n ? thresholds.alongBase : thresholds.alongCloudQueue,
        text: textReport(analysis, input: input, thresholds: thresholds)),
      provenance: provenance, diagnostics: diagnostics, notConverged: notConverged)
  }

  private func textReport(
    _ analysis: ServiceModeAnalysis, input: ModesModelOptions.Input, thresholds: ModesThresholds
  ) -> [String] {
    let window = analysis.structure.window
    let doubled =
      analysis.doubledSolution.map(ModesReport.solverLine)
      ?? "skipped (--skip-truncation-check): the truncation check was not run"
    return ["Service-mode offloading: optimal policy (\(model.criterion.rawValue) criterion)"]
      + ModesReport.modelLines(analysis.solution.model, provenance: input.description)
      + [
        "solver         \(ModesReport.solverLine(analysis.solution))",
        "solver (2B)    \(doubled)",
        "window         W = \(window) (grids, thresholds and checks on xb, x2 <= W)", "",
      ]
      + ModesReport.policyGrids(analysis.solution.policy, window: window) + [""]
      + ["thresholds T1(n), T0(n): least xb >= 1 with SM2 on the line (xb, 0, x1, n), x1 = 1, 0"]
      + [thresholds.alongBase.renderText()]
      + ["", "x2-direction thresholds: least x2 with SM2 at (xb, 0, x1, x2), x1 = 1, 0"]
      + [thresholds.alongCloudQueue.renderText(), ""]
      + ModesReport.structureLines(analysis)
  }
}

/// Which threshold table `modes solve --format csv` prints.
enum ModesThresholdTable: String, ExpressibleByArgument, CaseIterable {
  case n, xb
}

/// One threshold: an index, "never" (SM2 never chosen on that line) or undefined (T0(0),
/// whose line is S_CF). JSON: an integer, the string "never", or null.
enum ModesThreshold: Encodable, Equatable {
  case at(Int)
  case never
  case undefined

  init(_ value: Int?) { self = value.map { .at($0) } ?? .never }

  var cell: String {
    switch self {
    case .at(let value): return String(value)
    case .never: return "never"
    case .undefined: return TextTable.undefined
    }
  }

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .at(let value): try container.encode(value)
    case .never: try container.encode("never")
    case .undefined: try container.encodeNil()
    }
  }
}

/// The thresholds on the window as two tidy tables (docs/cli.md, "modes solve"):
/// `n,T1,T0` for n = 0...W and `xb,x2_T1,x2_T0` (x2-direction, x1 = 1 and 0) for xb = 1...W.
struct ModesThresholds {
  var n: [Int]
  var cloudBusy: [ModesThreshold]
  var cloudIdle: [ModesThreshold]
  var xb: [Int]
  var cloudQueueCloudBusy: [ModesThreshold]
  var cloudQueueCloudIdle: [ModesThreshold]

  init(_ structure: StructureReport) {
    self.init(
      structure.thresholds, cloudQueue: structure.cloudQueueThresholds, window: structure.window)
  }

  /// The thresholds of a whole grid cut to the window `xb, n <= window`.
  init(
    _ thresholds: ServiceModeThresholds, cloudQueue: (cloudBusy: [Int?], cloudIdle: [Int?])?,
    window: Int
  ) {
    n = Array(0...window)
    cloudBusy = n.map { ModesThreshold(thresholds.cloudBusy[$0]) }
    cloudIdle = n.map { $0 == 0 ? .undefined : ModesThreshold(thresholds.cloudIdle[$0]) }
    xb = cloudQueue == nil ? [] : Array(1...window)
    cloudQueueCloudBusy = xb.map { ModesThreshold(cloudQueue?.cloudBusy[$0]) }
    cloudQueueCloudIdle = xb.map { ModesThreshold(cloudQueue?.cloudIdle[$0]) }
  }

  /// `n,T1,T0`.
  var alongBase: TextTable {
    var table = TextTable(header: ["n", "T1", "T0"])
    for index in n.indices {
      table.append([String(n[index]), cloudBusy[index].cell, cloudIdle[index].cell])
    }
    return table
  }

  /// `xb,x2_T1,x2_T0`: the least x2 with SM2 at (xb, 0, 1, x2) and at (xb, 0, 0, x2).
  var alongCloudQueue: TextTable {
    var table = TextTable(header: ["xb", "x2_T1", "x2_T0"])
    for index in xb.indices {
      table.append([
        String(xb[index]), cloudQueueCloudBusy[index].cell, cloudQueueCloudIdle[index].cell,
      ])
    }
    return table
  }

  /// `thresholds` of the JSON documents: equal-length arrays over n = 0...W.
  struct AlongBase: Encodable {
    var n: [Int]
    /// T1(n).
    var cloudBusy: [ModesThreshold]
    /// T0(n); null at n = 0.
    var cloudIdle: [ModesThreshold]
  }

  /// `cloudQueueThresholds` of the JSON document of `solve`: equal-length arrays over
  /// xb = 1...W.
  struct AlongCloudQueue: Encodable {
    var xb: [Int]
    var cloudBusy: [ModesThreshold]
    var cloudIdle: [ModesThreshold]
  }

  var alongBaseJSON: AlongBase { AlongBase(n: n, cloudBusy: cloudBusy, cloudIdle: cloudIdle) }
  var alongCloudQueueJSON: AlongCloudQueue {
    AlongCloudQueue(xb: xb, cloudBusy: cloudQueueCloudBusy, cloudIdle: cloudQueueCloudIdle)
  }
}

/// The JSON document of `modes solve` (key names are a contract, see the issue).
struct ModesSolveJSON: Encodable {
  struct Configuration: Encodable {
    var label: String
    /// Whether any model value is a placeholder of the lost paper (docs/service-modes.md §S0,
    /// §S9).
    var placeholder: Bool
    /// Per parameter: whether its value is a placeholder.
    var placeholders: [String: Bool]
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
    /// nil (null) when the truncation check was skipped.
    var doubledConverged: Bool?
    var doubledIterations: Int?
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
    /// Whether the second solve with B and B2 doubled was run.
    var truncationChecked: Bool
    /// nil (null) when the check was skipped.
    var truncationStable: Bool?
    var truncationBufferLimit: Int?
    var minDecisionGapWindow: Double?
    var counterexamples: [String: [String]]
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
  var thresholds: ModesThresholds.AlongBase
  var cloudQueueThresholds: ModesThresholds.AlongCloudQueue
  var policy: Policy

  init(_ analysis: ServiceModeAnalysis, input: ModesModelOptions.Input) {
    let solution = analysis.solution
    let model = solution.model
    let s = analysis.structure
    let window = s.window
    configuration = Configuration(
      label: input.parameters.first { $0.name == "config" }?.value.cell ?? "raw rates",
      placeholder: input.placeholders.contains { $0.isPlaceholder },
      placeholders: Dictionary(uniqueKeysWithValues: input.placeholders.map { ($0.name, $0.1) }),
      description: input.description)
    parameters = ModesParametersJSON(model)
    criterion = solution.criterion.rawValue
    solver = Solver(
      method: solution.method, converged: solution.converged, iterations: solution.iterations,
      errorBound: solution.errorBound, tieTolerance: solution.tieTolerance,
      gainLowerBound: solution.gainBounds?.lowerBound,
      gainUpperBound: solution.gainBounds?.upperBound,
      gain: solution.gainBounds.map { ($0.lowerBound + $0.upperBound) / 2 },
      gainLower: solution.gainBounds?.lowerBound, gainUpper: solution.gainBounds?.upperBound,
      doubledConverged: analysis.doubledSolution?.converged,
      doubledIterations: analysis.doubledSolution?.iterations)
    var counterexamples: [String: [String]] = [:]
    let named: [(String, PropertyVerdict)] =
      [
        ("sm1OnCloudFirstSetWindow", s.sm1OnCloudFirstSet.window),
        ("sm1OnCloudFirstSetGrid", s.sm1OnCloudFirstSet.grid),
        ("noSM1OutsideCloudFirstSetWindow", s.noSM1OutsideCloudFirstSet.window),
        ("noSM1OutsideCloudFirstSetGrid", s.noSM1OutsideCloudFirstSet.grid),
        ("switchTypeWindow", s.switchType.window), ("switchTypeGrid", s.switchType.grid),
        ("urgencyMonotoneWindow", s.urgencyMonotone.window),
        ("urgencyMonotoneGrid", s.urgencyMonotone.grid),
        ("thresholdsNonIncreasing", s.thresholdsNonIncreasing),
        ("cloudFirstSetFollowsThreshold", s.cloudFirstSetFollowsThreshold),
        ("closure", s.closure),
      ] + (analysis.truncation.map { [("truncationStable", $0.verdict)] } ?? [])
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
      closure: s.closure.holds, truncationChecked: analysis.truncation != nil,
      truncationStable: analysis.truncation?.stable,
      truncationBufferLimit: analysis.truncation?.doubledBufferLimit,
      minDecisionGapWindow: s.minimumDecisionGap?.gap, counterexamples: counterexamples)
    let tables = ModesThresholds(s)
    thresholds = tables.alongBaseJSON
    cloudQueueThresholds = tables.alongCloudQueueJSON
    func act(_ base: Int, _ local: Int, _ sm1: Int, _ sm2Queue: Int) -> Int {
      solution.policy[
        ServiceModeState(baseQueue: base, localBusy: local, cloudSM1: sm1, cloudSM2: sm2Queue)
      ].rawValue
    }
    policy = Policy(
      cloudFirstSet: [0, 1].map { local in (1...window).map { act($0, local, 0, 0) } },
      cloudBusy: (0...window).map { line in (0...window).map { act($0, 0, 1, line) } },
      cloudIdle: (0...window).map { line in (0...window).map { act($0, 0, 0, line) } })
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
