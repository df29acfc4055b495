import ArgumentParser
import OffloadLab

/// `offload machine evaluate`: Theorems 1-4 for one policy and subset, checked against the
/// exact chains of docs/markov-machine.md §A6.
struct MachineEvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract:
      "Closed forms (Theorems 1-4) for a policy under permanent congestion of S, with an exact-chain check.",
    discussion: """
      The closed forms (docs/markov-machine.md §A5) are checked against the truncated \
      Markov chains of §A6.1 (age cap chosen from --accuracy) and the untruncated \
      phase-type formula of §A6.3. exactCheck.maxAbsDifference is the largest difference \
      between them over the ages and the sampling cost. Max-age is evaluated as round robin \
      (§A5.3); --literal-cap adds the literal max-age joint chain (§A6.2, |S| <= 3).
      """)

  @OptionGroup var model: MachineModelOptions
  @OptionGroup var assumptionOptions: MachineAssumptionOptions

  @Option(help: "phi1 (randomized) or max-age scheduling.")
  var policy = SchedulingRule.randomized

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "S: users whose queues never empty (1-based list; default: every user).", valueName: "i,j,..."
    ))
  var subset: String?

  @Option(
    parsing: .unconditional, help: "mu: probability of sampling in an idle slot, in [1e-9, 1].")
  var samplingProbability = 1.0

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "pi list: phi1's schedule over S (default uniform), on the open simplex.",
      valueName: "pi1,pi2,..."))
  var schedule: String?

  @Option(help: "Age weight w of totalCost = w * sum_{k in S} Delta_k + S: 1/N, sum or mean.")
  var weight = AgeWeighting.perUser

  @Option(
    parsing: .unconditional, help: "Largest truncation error of the exact chains' mean ages, > 0.")
  var accuracy = 1e-12

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Age cap of the literal max-age joint chain (docs/markov-machine.md §A6.2); omitted: "
        + "not run."))
  var literalCap: Int?

  @OptionGroup var output: OutputOptions

  /// The largest --literal-cap.
  static let maximumLiteralCap = 100_000

  func run() throws {
    try output.checkPaths()
    let diagnostics = Diagnostics()
    let parameters = try model.figure4Parameters(diagnostics)
    let assumptions = try assumptionOptions.assumptions()
    let set = try parseSubset(subset, parameters)
    try require(
      accuracy > 0 && accuracy.isFinite, .outOfRange("accuracy", accuracy, valid: "finite and > 0"))
    try require(
      schedule == nil || policy == .randomized,
      .inconsistent(
        name: "--schedule", value: schedule ?? "",
        reason: "a schedule pi applies to --policy randomized only"))
    let chosen = try validatingParameters { () throws(ParameterError) -> SubsetPolicy in
      switch policy {
      case .maxAge:
        return try .maxAge(samplingProbability: samplingProbability)
      case .randomized:
        var shares = SubsetPolicy.uniformSchedule(set)
        if let schedule { shares = try parseList(schedule, name: "schedule (pi)") }
        return try .randomized(
          samplingProbability: samplingProbability, schedule: shares, subset: set)
      }
    }
    let closed = ClosedForms.performance(
      parameters, subset: set, policy: chosen, assumptions: assumptions)
    let exact = ExactEvaluation.evaluate(
      parameters, subset: set, policy: chosen, accuracy: accuracy, assumptions: assumptions)
    if let literalCap {
      try require(
        (1...Self.maximumLiteralCap).contains(literalCap),
        .outOfRange(
          "--literal-cap", literalCap, valid: "an integer in 1...\(Self.maximumLiteralCap)"))
    }
    let literal = try literalCap.map { cap in
      try validatingParameters {
        try LiteralMaxAgeEvaluation.evaluate(
          parameters, subset: set, samplingProbability: samplingProbability, ageCap: cap,
          assumptions: assumptions)
      }
    }
    let result = MachineEvaluation(
      parameters: parameters, subset: set, policy: chosen, closed: closed, exact: exact,
      literal: literal, weight: weight, assumptions: assumptions)
    let provenance = Provenance(
      command: "machine evaluate",
      parameters: MachineModelOptions.provenance(parameters) + [
        ("policy", .text(policy.rawValue)),
        ("subset", .text(set.users.map { String($0 + 1) }.joined(separator: ";"))),
        ("sampling_probability", .number(samplingProbability)),
        ("schedule", .numbers(result.schedule ?? [])), ("weight", .text(weight.rawValue)),
        ("accuracy", .number(accuracy)),
        ("literal_cap", literalCap.map { .integer($0) } ?? .text("none")),
      ] + assumptionOptions.provenance)
    try output.emit(
      CommandResult(document: result, table: result.table, notes: ["", result.summary]),
      provenance: provenance, diagnostics: diagnostics,
      notConverged: exact.status == .converged
        ? []
        : [
          "the exact chain reached its largest age cap before its truncation error fell "
            + "below --accuracy \(formatNumber(accuracy)) (mass at cap "
            + exact.massAtCap.map { formatNumber($0, significantDigits: 3) }
            .joined(separator: ", ") + "); its ages are not exact"
        ])
  }
}

/// The JSON document of `evaluate` (keys `ages`, `samplingCost`, `totalCost` and
/// `exactCheck.maxAbsDifference` are a stable contract).
struct MachineEvaluation: Encodable {
  struct IdlePeriodFigures: Encodable {
    var beta1: Double
    var beta2: Double
    var pStar: Double
    var p1Star: Double
    var expectedSamples: Double
    var expectedSamplesFromOutcomes: Double
  }

  struct ExactCheck: Encodable {
    var method: String
    var ages: [Double]
    var untruncatedAges: [Double]
    var samplingCost: Double
    var ageCaps: [Int]
    var massAtCap: [Double]
    var status: SolverStatus
    var maxAbsDifference: Double
    var literalMaxAge: LiteralMaxAgeEvaluation?
    var literalMaxAbsDifference: Double?
  }

  var policy: SchedulingRule
  var users: [Int]
  var samplingProbability: Double
  var schedule: [Double]?
  var weight: AgeWeighting
  var ages: [Double]
  var samplingCost: Double
  var samplingCostBound: Double?
  var totalCost: Double
  var idlePeriod: IdlePeriodFigures
  var exactCheck: ExactCheck

  init(
    parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy,
    closed: SubsetPerformance, exact: ExactEvaluation, literal: LiteralMaxAgeEvaluation?,
    weight: AgeWeighting, assumptions: ModelAssumptions
  ) {
    let idle = ClosedForms.idlePeriod(parameters, policy, assumptions: assumptions)
    self.policy = policy.rule
    users = subset.users.map { $0 + 1 }
    samplingProbability = policy.samplingProbability
    schedule = policy.rule == .randomized ? policy.schedule : nil
    self.weight = weight
    ages = closed.ages
    samplingCost = closed.samplingCost
    samplingCostBound = closed.samplingCostBound
    totalCost = closed.objective(weighting: weight, userCount: parameters.userCount)
    idlePeriod = IdlePeriodFigures(
      beta1: idle.meanLength, beta2: idle.secondMoment, pStar: idle.freeAfterBusySampleProbability,
      p1Star: idle.freeAtFirstSampleProbability, expectedSamples: idle.meanSampleCount,
      expectedSamplesFromOutcomes: idle.meanSampleCountFromSampleOutcomes)
    let difference = max(
      zip(closed.ages, exact.ages).map { abs($0 - $1) }.max() ?? 0,
      zip(closed.ages, exact.untruncatedAges).map { abs($0 - $1) }.max() ?? 0,
      abs(closed.samplingCost - exact.samplingCost))
    let literalDifference = literal.map { literal in
      max(
        zip(closed.ages, literal.ages).map { abs($0 - $1) }.max() ?? 0,
        abs(closed.samplingCost - literal.samplingCost))
    }
    exactCheck = ExactCheck(
      method: policy.rule == .randomized
        ? "phase chain {B, F, J_j} x age and phase-type formula (docs/markov-machine.md §A6.1, "
          + "§A6.3)"
        : "round-robin phase chain {(B,r), (F,r), J_j} x age and phase-type formula "
          + "(docs/markov-machine.md §A6.1, §A6.3)",
      ages: exact.ages, untruncatedAges: exact.untruncatedAges, samplingCost: exact.samplingCost,
      ageCaps: exact.ageCaps, massAtCap: exact.massAtCap, status: exact.status,
      maxAbsDifference: difference, literalMaxAge: literal,
      literalMaxAbsDifference: literalDifference)
  }

  /// One row per member of S: closed form and exact values.
  var table: TextTable {
    var table = TextTable(
      header: [
        "user", "age (closed form)", "age (exact chain)", "age (phase type)", "cap",
        "mass at cap",
      ] + (exactCheck.literalMaxAge == nil ? [] : ["age (literal max-age)"]))
    for (index, user) in users.enumerated() {
      table.append(
        [
          String(user), formatNumber(ages[index]), formatNumber(exactCheck.ages[index]),
          formatNumber(exactCheck.untruncatedAges[index]), String(exactCheck.ageCaps[index]),
          formatNumber(exactCheck.massAtCap[index], significantDigits: 3),
        ]
          + (exactCheck.literalMaxAge.map { [formatNumber($0.ages[index])] } ?? []))
    }
    return table
  }

  var summary: String {
    var lines = [
      "sampling cost S = \(formatNumber(samplingCost)) (exact chain \(formatNumber(exactCheck.samplingCost)))"
    ]
    if let samplingCostBound {
      lines.append("sampling cost bound S_ub = \(formatNumber(samplingCostBound))")
    }
    lines += [
      "total cost (w = \(weight.rawValue)) = \(formatNumber(totalCost))",
      "beta1 = \(formatNumber(idlePeriod.beta1)), beta2 = \(formatNumber(idlePeriod.beta2)), "
        + "p* = \(formatNumber(idlePeriod.pStar)), p1* = \(formatNumber(idlePeriod.p1Star)), "
        + "E[M] = \(formatNumber(idlePeriod.expectedSamples))",
      "exact check: max |closed form - exact| = \(formatNumber(exactCheck.maxAbsDifference, significantDigits: 3))",
    ]
    if let literal = exactCheck.literalMaxAbsDifference {
      lines.append(
        "literal max-age chain: max |closed form - chain| = \(formatNumber(literal, significantDigits: 3))"
      )
    }
    return lines.joined(separator: "\n")
  }
}
