import ArgumentParser
import Foundation
import OffloadLab

/// Rendering of a certified solution of `mdp solve` and `mdp evaluate`
/// (docs/mdp-command.md §3).
enum MDPReport {
  /// Writes `--output-values`, then the solution through the output kit (table, CSV or
  /// JSON with provenance and the model's warnings); exits with code 2 unless the
  /// certificate met the tolerance.
  /// - Parameter evaluatedPolicy: for `evaluate`, the policy in the full model's action
  ///   indices (the solution is that of the one-action restricted model).
  static func emit(
    _ solution: CertifiedSolution, model: LoadedMDP, provenance: Provenance,
    output: OutputOptions, valuesFile: MDPValuesFileOption, evaluatedPolicy: [Int]? = nil
  ) throws {
    let diagnostics = Diagnostics()
    diagnostics.warn(all: model.warnings)
    let policy = evaluatedPolicy ?? solution.policy
    var summary = solution.summary
    summary.policy = policy
    summary.choices = model.candidateStart.last ?? 0
    let labels = policyLabels(policy, model: model)
    if let path = valuesFile.outputValues {
      var table = TextTable(header: ["state", "value", "action"])
      for state in 0..<solution.stateCount {
        table.append([
          String(state), formatNumber(solution.values[state]), String(policy[state]),
        ])
      }
      try write(
        table.describing(provenance).renderCSV() + "\n", toFile: path, flag: "--output-values")
    }
    let shown = min(solution.stateCount, tableStateLimit)
    var table = stateTable(solution, policy: policy, model: model, labels: labels, results: false)
    table.rows = Array(table.rows.prefix(shown))
    var text = summaryLines(solution, model: model) + [table.renderText()]
    if shown < solution.stateCount {
      text.append(
        "(first \(shown) of \(solution.stateCount) states; --format csv or --output-values for all)"
      )
    }
    var notConverged: [String] = []
    if !solution.converged {
      notConverged.append(
        "not converged (status \(solution.status.rawValue) after \(solution.iterations) "
          + "iterations, bound \(formatNumber(solution.errorBound)) against tolerance "
          + "\(solution.tolerance)); \(notConvergedAdvice(solution.status))")
    }
    try output.emit(
      CommandResult(
        document: MDPSolutionJSON(
          summary: summary, source: model.source.description,
          form: model.form == .choice ? "choice" : "post-decision", time: model.time.rawValue,
          policyLabels: labels),
        csv: stateTable(solution, policy: policy, model: model, labels: labels, results: true),
        text: text),
      provenance: provenance, diagnostics: diagnostics, notConverged: notConverged)
  }

  /// What a not-converged status means for the user, and what to change.
  static func notConvergedAdvice(_ status: SolverStatus) -> String {
    switch status {
    case .multichain:
      "a policy has several recurrent classes (multichain model): the optimal gain may "
        + "depend on the start state, so no single gain is claimed (the bracket holds in "
        + "every state); the average criterion needs a unichain model"
    case .roundOffLimited:
      "the certificate stopped at its floating-point floor; loosen --tolerance"
    case .converged, .iterationLimitReached:
      "raise --max-iterations or loosen --tolerance"
    }
  }

  /// States printed by `--format table`.
  static let tableStateLimit = 20

  private static func policyLabels(_ policy: [Int], model: LoadedMDP) -> [String]? {
    guard let labels = model.candidateLabels else { return nil }
    let starts = model.candidateStart
    return policy.enumerated().map { labels[starts[$0.offset] + $0.element] }
  }

  private static func summaryLines(_ solution: CertifiedSolution, model: LoadedMDP) -> [String] {
    var lines = [
      "model: \(model.source), \(model.stateCount) states, \(model.candidateStart.last ?? 0) choices",
      "criterion: \(solution.criterion.name)"
        + (solution.discountFactor.map { ", gamma = \(formatNumber($0))" } ?? "")
        + (solution.uniformizationRate.map { ", uniformization rate \(formatNumber($0))" } ?? ""),
      "method: \(solution.methodDescription), \(solution.iterations) iterations, "
        + "status \(solution.status.rawValue)",
    ]
    if let lower = solution.gainLower, let upper = solution.gainUpper {
      lines.append(
        "gain: \(formatNumber(solution.gain ?? .nan)) in [\(formatNumber(lower)), "
          + "\(formatNumber(upper))], tolerance \(solution.tolerance)")
    } else {
      lines.append(
        "error bound: \(formatNumber(solution.errorBound)) (sup norm on the values), "
          + "tolerance \(solution.tolerance)")
    }
    return lines
  }

  private static func stateTable(
    _ solution: CertifiedSolution, policy: [Int], model: LoadedMDP, labels: [String]?,
    results: Bool
  ) -> TextTable {
    var header = ["state", results ? "value" : (solution.gain == nil ? "value" : "bias"), "action"]
    if labels != nil { header.append("label") }
    if model.stateDescriptions != nil { header.append("description") }
    if results {
      header += ["status", "iterations", "error_bound", "gain", "gain_lower", "gain_upper"]
    }
    var table = TextTable(header: header)
    for state in 0..<solution.stateCount {
      var row = [
        String(state), formatNumber(solution.values[state]), String(policy[state]),
      ]
      if let labels { row.append(labels[state]) }
      if let descriptions = model.stateDescriptions { row.append(descriptions[state]) }
      if results {
        row += [
          solution.status.rawValue, String(solution.iterations), formatNumber(solution.errorBound),
          solution.gain.map(formatNumber) ?? "", solution.gainLower.map(formatNumber) ?? "",
          solution.gainUpper.map(formatNumber) ?? "",
        ]
      }
      table.append(row)
    }
    return table
  }
}

/// The JSON document: the contract's summary keys (`status`, `iterations`, `errorBound`,
/// `gain`, `gainLower`, `gainUpper`, `values`, `policy`, `states`, `choices`,
/// `toleranceKind`, …) plus the model's description; the output kit adds `provenance` and
/// `warnings`.
struct MDPSolutionJSON: Encodable {
  var summary: CertifiedSolution.Summary
  var source: String
  var form: String
  var time: String
  var policyLabels: [String]?

  private enum Keys: String, CodingKey {
    case source, form, time, policyLabels
  }

  func encode(to encoder: Encoder) throws {
    try summary.encode(to: encoder)
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(source, forKey: .source)
    try container.encode(form, forKey: .form)
    try container.encode(time, forKey: .time)
    try container.encodeIfPresent(policyLabels, forKey: .policyLabels)
  }
}
