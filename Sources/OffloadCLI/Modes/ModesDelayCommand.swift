import ArgumentParser
import OffloadLab

/// `offload modes delay`: exact mean delay of the optimal policies and the baselines
/// (docs/service-modes.md §S6, §S7).
struct ModesDelayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "delay",
    abstract:
      "Exact mean delay, mean jobs, blocking and SM2 share of the optimal and baseline policies.",
    discussion: """
      Policies: optimal (discounted-optimal), optimal-average (average-optimal), \
      offload-only, non-idling, and a threshold policy if --cloud-busy-thresholds is given. \
      Figures come from the stationary distribution and Little's law \
      (docs/service-modes.md §S7.1); they are the truncated system's, so check the \
      blocking probability. --criterion is not used: both criteria are reported.
      """)

  @OptionGroup var model: ModesModelOptions
  @OptionGroup var thresholdPolicy: ModesThresholdOptions

  @Option(
    parsing: .unconditional,
    help:
      "Policies evaluated in parallel, 1...\(maximumThreads) (default: all cores); results do not depend on it."
  )
  var jobs: Int?

  @OptionGroup var output: OutputOptions

  func run() throws {
    let jobs = try threadCount(jobs, flag: "--jobs")
    try output.checkPaths()
    let input = try model.input()
    let specification = try input.single
    let space = try specification.stateSpace
    let thresholds = try thresholdPolicy.thresholds(cloudBufferLimit: space.cloudBufferLimit)
    let model = try self.model.model(specification)
    let diagnostics = Diagnostics()
    diagnostics.warn(all: model.parameters.warnings)
    let extra = thresholds.map { [("threshold", ServiceModePolicy.thresholdPolicy($0, in: space))] }
    let rows = try PolicyComparison.evaluate(
      model, solver: input.solver, extra: extra ?? [], threads: jobs)
    ModesDelayTable.warn(rows, diagnostics)
    let truncated = OffloadOnlyClosedForm.truncated(
      model.parameters, bufferLimit: model.stateSpace.bufferLimit)
    let infinite = OffloadOnlyClosedForm.meanDelay(model.parameters)
    let closedForm = [
      "offload-only closed form (M/M/1 with room for B + 1 jobs): mean delay "
        + "\(ModesReport.short(truncated.meanDelay)), blocking "
        + "\(ModesReport.short(truncated.blockingProbability))",
      "offload-only without buffer limit: "
        + (infinite.map { "mean delay 1/(mu_c1 - lambda) = \(ModesReport.short($0))" }
          ?? "unstable (rho >= K/(1+K)), no finite delay"),
    ]
    let text: [String] =
      ["Service-mode offloading: exact long-run delay (docs/service-modes.md §S7)"]
      + ModesReport.modelLines(model, provenance: input.description) + [""]
      + [ModesDelayTable.table(rows, format: .table).renderText(), ""] + closedForm
      + ModesDelayTable.notes(rows)
    try output.emit(
      CommandResult(
        document: ModesDelayJSON(
          parameters: ModesParametersJSON(model), policies: rows.map(ModesPolicyJSON.init),
          offloadOnlyClosedForm: .init(
            truncatedMeanDelay: truncated.meanDelay,
            truncatedBlockingProbability: truncated.blockingProbability,
            infiniteBufferMeanDelay: infinite)),
        csv: ModesDelayTable.table(rows, format: .csv), text: text),
      provenance: input.provenance("modes delay", extra: thresholdPolicy.provenance),
      diagnostics: diagnostics, notConverged: ModesDelayTable.notConverged([rows]))
  }
}

/// The policy table shared by `delay` and `sweep`.
enum ModesDelayTable {
  /// Blocking probability above which a figure depends on the truncation
  /// (docs/service-modes.md §S12).
  static let truncationDependent = 1e-6

  /// Header of the per-policy columns.
  static let header = [
    "policy", "mean_delay", "mean_jobs", "blocking_probability", "sm1_share", "sm2_share",
    "reachable_states", "converged", "mean_delay_error_bound",
  ]

  /// One row's cells: full precision for CSV, six digits for text.
  static func cells(_ row: PolicyDelay, format: OutputFormat) -> [String] {
    let number: (Double) -> String = { format == .csv ? formatNumber($0) : ModesReport.short($0) }
    let f = row.figures
    return [
      row.name, number(f.meanDelay), number(f.meanJobs), number(f.blockingProbability),
      number(f.sm1Share), number(f.sm2Share), String(f.reachableStates),
      row.converged ? "yes" : "NO", errorBound(f.errorBounds?.meanDelay),
    ]
  }

  /// A figure's error bound in two significant digits; empty when there is none (a
  /// non-default stationary method) or when it is unbounded (T undefined).
  static func errorBound(_ bound: Double?) -> String {
    guard let bound, bound.isFinite else { return "" }
    return formatNumber(bound, significantDigits: 2)
  }

  static func table(_ rows: [PolicyDelay], format: OutputFormat) -> TextTable {
    var table = TextTable(header: header)
    for row in rows { table.append(cells(row, format: format)) }
    return table
  }

  /// Notes on figures that depend on the truncation (each policy named once, also when
  /// `rows` holds every point of a sweep).
  static func notes(_ rows: [PolicyDelay]) -> [String] {
    var dependent: [String] = []
    for row in rows where row.figures.blockingProbability > truncationDependent {
      if !dependent.contains(row.name) { dependent.append(row.name) }
    }
    guard !dependent.isEmpty else { return [] }
    return [
      "note: blocking probability > \(formatNumber(truncationDependent)) for "
        + dependent.joined(separator: ", ")
        + ": those figures are the truncated system's and depend on B"
    ]
  }

  /// Issues each policy's figure warnings (for example an undefined delay when a policy
  /// admits no job), naming the policy and, in a sweep, the point.
  static func warn(_ rows: [PolicyDelay], _ diagnostics: Diagnostics, at point: String? = nil) {
    for row in rows {
      for warning in row.figures.warnings {
        let text = warning.description
        let body = text.hasPrefix("warning: ") ? String(text.dropFirst(9)) : text
        diagnostics.warn("\(row.name)\(point.map { " at \($0)" } ?? ""): \(body)")
      }
    }
  }

  /// The error line of the exit policy if any figure did not converge (empty otherwise).
  /// In a sweep, `points` labels each row group (e.g. "load = 0.9").
  static func notConverged(_ rows: [[PolicyDelay]], at points: [String]? = nil) -> [String] {
    var failed: [String] = []
    for (index, group) in rows.enumerated() {
      for row in group where !row.converged {
        failed.append(row.name + (points.map { " at \($0[index])" } ?? ""))
      }
    }
    guard !failed.isEmpty else { return [] }
    return [
      "not converged: \(failed.joined(separator: ", ")); raise --max-iterations or "
        + "--tolerance (a solve stopped at its floating-point floor needs a larger --tolerance)"
    ]
  }
}

/// One policy in the JSON documents of `delay` and `sweep` (key names are a contract).
struct ModesPolicyJSON: Encodable {
  var name: String
  /// T; nil (null) when undefined, with the reason in `meanDelayUndefined`.
  var meanDelay: NullOr<Double>
  var meanDelayUndefined: String?
  var meanJobs, blockingProbability, sm1Share, sm2Share: Double
  var effectiveArrivalRate, stationaryResidual: Double
  /// First-order bounds on the errors of T, L and P_block from the stationary solve
  /// (docs/average-cost.md §4); T's is null when T is undefined.
  var meanDelayErrorBound: NullOr<Double>?
  var meanJobsErrorBound, blockingProbabilityErrorBound: Double?
  var reachableStates: Int
  /// The optimal policies' solver iterations (absent for fixed policies).
  var solverIterations: Int?
  var converged: Bool

  init(_ row: PolicyDelay) {
    let f = row.figures
    name = row.name
    meanDelay = NullOr(f.meanDelay.isFinite ? f.meanDelay : nil)
    meanDelayUndefined =
      f.meanDelay.isFinite
      ? nil : "the policy admits no job in the long run (P_block = 1): no job completes"
    (meanJobs, blockingProbability) = (f.meanJobs, f.blockingProbability)
    (sm1Share, sm2Share) = (f.sm1Share, f.sm2Share)
    (effectiveArrivalRate, stationaryResidual) = (f.effectiveArrivalRate, f.residual)
    if let bounds = f.errorBounds {
      meanDelayErrorBound = NullOr(bounds.meanDelay.isFinite ? bounds.meanDelay : nil)
      (meanJobsErrorBound, blockingProbabilityErrorBound) =
        (bounds.meanJobs, bounds.blockingProbability)
    }
    reachableStates = f.reachableStates
    solverIterations = row.solverIterations
    converged = row.converged
  }
}

/// The JSON document of `modes delay`.
struct ModesDelayJSON: Encodable {
  struct ClosedForm: Encodable {
    var truncatedMeanDelay: Double
    var truncatedBlockingProbability: Double
    /// nil (null) when Offload-Only is unstable.
    var infiniteBufferMeanDelay: Double?
  }
  var parameters: ModesParametersJSON
  var policies: [ModesPolicyJSON]
  var offloadOnlyClosedForm: ClosedForm
}
