import Foundation
import OffloadLab

/// Text, CSV, JSON and SVG renderings shared by the `modes` subcommands.
enum ModesReport {
  /// Six significant digits, for human-readable lines.
  static func short(_ value: Double) -> String { formatNumber(value, significantDigits: 6) }

  /// The lines describing the model: provenance, parameters, rates, truncation, discount.
  static func modelLines(_ model: ServiceModeModel, provenance: String) -> [String] {
    let p = model.parameters
    let space = model.stateSpace
    let nu = model.uniformization == .sum ? "sum of rates" : "largest total rate"
    return [
      "configuration  \(provenance)",
      "parameters     rho = \(short(p.load)), K = \(short(p.cloudSpeedup)), "
        + "f = \(short(p.localFraction)), mu0 = \(short(p.localRate))",
      "rates          lambda = \(short(p.arrivalRate)), mu_c1 = \(short(p.sm1CloudRate)), "
        + "mu_l2 = \(short(p.sm2LocalRate)), mu_c2 = \(short(p.sm2CloudRate))",
      "truncation     B = \(space.bufferLimit), B2 = \(space.cloudBufferLimit), "
        + "\(space.stateCount) states",
      "discount       gamma = \(short(model.discountFactor)), beta = "
        + "\(short(model.continuousDiscount)) (nu = \(short(model.uniformizationRate)), \(nu))",
    ]
  }

  /// One line on a solve: method, status, iterations and the certified bound.
  static func solverLine(_ solution: ServiceModeSolution) -> String {
    let status =
      switch solution.status {
      case .converged: "converged"
      case .roundOffLimited: "NOT CONVERGED (round-off floor)"
      case .multichain: "NOT CONVERGED (multichain policy)"
      case .iterationLimitReached: "NOT CONVERGED"
      }
    var line = "\(solution.method): \(status) after \(solution.iterations) iterations"
    if let gain = solution.gainBounds {
      line += ", optimal mean jobs in [\(short(gain.lowerBound)), \(short(gain.upperBound))]"
    } else {
      line += ", error bound \(formatNumber(solution.errorBound, significantDigits: 2))"
    }
    return line + ", tie tolerance \(formatNumber(solution.tieTolerance, significantDigits: 2))"
  }

  /// Why a solve did not converge and what to change, for the error line on stderr.
  static func notConvergedAdvice(_ status: SolverStatus, errorBound: Double) -> String {
    switch status {
    case .roundOffLimited:
      "stopped at its floating-point floor (certified bound "
        + "\(formatNumber(errorBound, significantDigits: 2))): round-off keeps this method's "
        + "bound from falling further, though another method may certify less (discounted, "
        + "at gamma near 1, Jacobi often does); try a --tolerance of at least twice that "
        + "bound, or (discounted) the other --method"
    case .multichain:
      "met a multichain policy (several recurrent classes): the optimal mean may depend on "
        + "the start state, so no single gain is claimed"
    case .converged, .iterationLimitReached:
      "did not converge within --max-iterations; raise it or --tolerance"
    }
  }

  /// A policy slice as a block of digits (action codes), rows listed top to bottom, with a
  /// two-line header of the columns' tens and ones digits.
  static func grid(
    title: String, rowLabel: String, rows: [Int], columns: [Int],
    action: (_ row: Int, _ column: Int) -> ServiceModeAction
  ) -> [String] {
    func pad(_ text: String) -> String {
      String(repeating: " ", count: max(0, 8 - text.count)) + text
    }
    let tens = columns.map { $0 >= 10 ? String($0 / 10 % 10) : " " }.joined()
    let ones = columns.map { String($0 % 10) }.joined()
    return [title, pad("") + tens, pad(rowLabel + "\\xb ") + ones]
      + rows.map { row in
        pad("\(row) ") + columns.map { String(action(row, $0).rawValue) }.joined()
      }
  }

  /// The three paper-style slices on the window: S_CF, then x1 = 1 and x1 = 0 (xl = 0).
  static func policyGrids(_ policy: ServiceModePolicy, window: Int) -> [String] {
    func act(_ base: Int, _ local: Int, _ sm1: Int, _ sm2Queue: Int) -> ServiceModeAction {
      policy[ServiceModeState(baseQueue: base, localBusy: local, cloudSM1: sm1, cloudSM2: sm2Queue)]
    }
    let codes = "codes 0 idle, 1 SM1, 2 SM2, 3 SM1+SM2"
    let lines: [Int] = (0...window).reversed()
    return grid(
      title: "policy on S_CF (x1 = 0, x2 = 0), rows xl, columns xb; \(codes)", rowLabel: "xl",
      rows: [1, 0], columns: Array(1...window)
    ) { act($1, $0, 0, 0) } + [""]
      + grid(
        title: "policy with x1 = 1, xl = 0 (cloud holds an SM1 job), rows x2, columns xb",
        rowLabel: "x2", rows: lines, columns: Array(0...window)
      ) { act($1, 0, 1, $0) } + [""]
      + grid(
        title: "policy with x1 = 0, xl = 0 (no SM1 job; row x2 = 0 is S_CF), rows x2, columns xb",
        rowLabel: "x2", rows: lines, columns: Array(0...window)
      ) { act($1, 0, 0, $0) }
  }

  /// `holds`, or `FAILS` with the count of violating states.
  static func verdict(_ verdict: PropertyVerdict) -> String {
    verdict.holds ? "holds" : "FAILS at \(verdict.violationCount) of \(verdict.checkedStates)"
  }

  /// The structure verdicts (window and whole grid), the truncation check, the decision
  /// gap, and the first counterexamples of every failing property.
  static func structureLines(_ analysis: ServiceModeAnalysis) -> [String] {
    let s = analysis.structure
    let both: [(String, WindowAndGrid)] = [
      ("cloud-first (i): SM1 on all of S_CF", s.sm1OnCloudFirstSet),
      ("cloud-first (ii): no SM1 outside S_CF", s.noSM1OutsideCloudFirstSet),
      ("switch-type", s.switchType),
      ("urgency-monotone (conjecture)", s.urgencyMonotone),
    ]
    let single: [(String, PropertyVerdict)] = [
      ("T1, T0 non-increasing in n (window)", s.thresholdsNonIncreasing),
      ("S_CF follows T1(0) (window)", s.cloudFirstSetFollowsThreshold),
      ("closure (whole grid)", s.closure),
    ]
    func left(_ text: String, _ width: Int) -> String {
      text + String(repeating: " ", count: max(1, width - text.count))
    }
    var lines = [left("structure", 46) + left("window W = \(s.window)", 24) + "whole grid"]
    lines += both.map { left($0.0, 46) + left(verdict($0.1.window), 24) + verdict($0.1.grid) }
    lines += single.map { left($0.0, 46) + verdict($0.1) }
    lines.append(
      left("truncation: same window policy at 2B, 2B2", 46)
        + (analysis.truncation.map { verdict($0.verdict) } ?? "skipped (--skip-truncation-check)"))
    lines.append(
      left("cloud-first holds", 46) + left(s.cloudFirstWindow ? "yes" : "NO", 24)
        + (s.cloudFirst ? "yes" : "NO"))
    if let (gap, state) = s.minimumDecisionGap {
      lines.append(left("min decision gap (window)", 46) + "\(short(gap)) at \(state)")
    }
    var counterexamples: [String] = []
    for (name, verdicts) in both {
      for (region, v) in [("window", verdicts.window), ("whole grid", verdicts.grid)] {
        counterexamples += v.firstViolations.map { "  \(name), \(region): \($0)" }
      }
    }
    let truncation = analysis.truncation.map { [("truncation", $0.verdict)] } ?? []
    for (name, v) in single + truncation {
      counterexamples += v.firstViolations.map { "  \(name): \($0)" }
    }
    if !counterexamples.isEmpty {
      lines += ["", "first counterexamples (at most \(PropertyVerdict.listed) per property):"]
      lines += counterexamples
    }
    return lines
  }

  /// Long-form policy table: one row per state with its action, value and (on D) decision
  /// gap.
  static func policyTable(_ solution: ServiceModeSolution) -> TextTable {
    let space = solution.model.stateSpace
    var table = TextTable(header: ["xb", "xl", "x1", "x2", "action", "value", "decision_gap"])
    for index in 0..<space.stateCount {
      let x = space.state(at: index)
      func q(_ action: ServiceModeAction) -> Double {
        x.admits(action) ? solution.rowValues[space.index(of: x.applying(action))] : .infinity
      }
      let gap =
        x.isInSwitchDomain
        ? formatNumber(
          abs(min(q(.idle), q(.sm1)) - min(q(.sm2), q(.sm1ThenSM2))), significantDigits: 10)
        : ""
      table.append([
        String(x.baseQueue), String(x.localBusy), String(x.cloudSM1), String(x.cloudSM2),
        String(solution.policy.actions[index].rawValue),
        formatNumber(solution.values[index], significantDigits: 12), gap,
      ])
    }
    return table
  }

  /// The three slices of `policyGrids` as a coloured heatmap.
  static func policySVG(_ policy: ServiceModePolicy, window: Int, title: String) -> String {
    func act(_ base: Int, _ local: Int, _ sm1: Int, _ sm2Queue: Int) -> Int? {
      policy[ServiceModeState(baseQueue: base, localBusy: local, cloudSM1: sm1, cloudSM2: sm2Queue)]
        .rawValue
    }
    let range = Array(0...window)
    let panels = [
      SVG.HeatmapPanel(
        title: "S_CF (x1 = 0, x2 = 0)", rowLabel: "xl", columnLabel: "xb", rowValues: [0, 1],
        columnValues: Array(1...window),
        cells: [0, 1].map { local in (1...window).map { act($0, local, 0, 0) } }),
      SVG.HeatmapPanel(
        title: "x1 = 1, xl = 0", rowLabel: "x2", columnLabel: "xb", rowValues: range,
        columnValues: range, cells: range.map { line in range.map { act($0, 0, 1, line) } }),
      SVG.HeatmapPanel(
        title: "x1 = 0, xl = 0", rowLabel: "x2", columnLabel: "xb", rowValues: range,
        columnValues: range, cells: range.map { line in range.map { act($0, 0, 0, line) } }),
    ]
    return SVG.heatmap(
      title: title, panels: panels,
      legend: ServiceModeAction.allCases.map { "\($0.rawValue) \($0)" })
  }
}
