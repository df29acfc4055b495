import ArgumentParser
import Foundation
import OffloadLab

extension PaperConfiguration: ExpressibleByArgument {}
extension UniformizationConvention: ExpressibleByArgument {}
extension OptimalityCriterion: ExpressibleByArgument {}
extension ServiceModeSolver.DiscountedMethod: ExpressibleByArgument {}
extension ServiceModeSolver.ToleranceMode: ExpressibleByArgument {}

/// The model options shared by `modes solve`, `delay` and `sweep`. Every numeric option
/// takes one value, or (for `sweep`, one option at a time) a range `start:stop:step` or a
/// comma list.
struct ModesModelOptions: ParsableArguments {
  @Option(
    name: .customLong("config"),
    help: ArgumentHelp(
      "Paper configuration a|b|c|d (PLACEHOLDER values, docs/service-modes.md §S9): a rho=0.5 "
        + "K=5 f=0.6, b rho=0.8, c f=0.8, d K=10."))
  var configuration: PaperConfiguration = .a

  @Option(parsing: .unconditional, help: "Load rho = lambda/((1+K) mu0), > 0.")
  var load: String?
  @Option(parsing: .unconditional, help: "Cloud speed-up K (mu_c1 = K mu0), > 0.")
  var cloudSpeedup: String?
  @Option(parsing: .unconditional, help: "Local fraction f of an SM2 job's work, in (0, 1).")
  var localFraction: String?
  @Option(parsing: .unconditional, help: "Local rate mu0, > 0 (default 1).")
  var localRate: String?

  @Option(parsing: .unconditional, help: "Raw rates (Remark 1): arrival rate lambda, > 0.")
  var arrivalRate: String?
  @Option(parsing: .unconditional, help: "Raw rates: SM1 cloud rate mu_c1, > 0.")
  var sm1CloudRate: String?
  @Option(parsing: .unconditional, help: "Raw rates: SM2 local rate mu_l2, > 0.")
  var sm2LocalRate: String?
  @Option(parsing: .unconditional, help: "Raw rates: SM2 cloud rate mu_c2, > mu_c1.")
  var sm2CloudRate: String?

  @Option(
    parsing: .unconditional, help: "Buffer limit B of the base queue, integer >= 2 (default 50).")
  var buffer: String?
  @Option(
    parsing: .unconditional,
    help: "Buffer limit B2 of the SM2 cloud queue, integer >= 1 (default B).")
  var cloudBuffer: String?
  @Option(parsing: .unconditional, help: "Discrete discount factor gamma in (0, 1) (default 0.99).")
  var discount: String?
  @Option(parsing: .unconditional, help: "Continuous discount rate beta > 0 (instead of gamma).")
  var continuousDiscount: String?

  @Option(help: "Uniformization constant nu: sum (of all rates) or max (largest total rate).")
  var uniformization: UniformizationConvention = .sum
  @Option(help: "Optimality criterion of the optimal policy: discounted or average.")
  var criterion: OptimalityCriterion = .discounted
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Tolerance of the certified error bound, in (0, 1): relative by default (1e-12 for "
        + "--criterion discounted, 1e-9 for average); see --tolerance-mode."))
  var tolerance: Double?
  @Option(
    help: ArgumentHelp(
      "Discounted solver: gauss-seidel (matrix-free symmetric sweeps) or jacobi (sparse, "
        + "docs/service-modes.md §S4.1)."))
  var method: ServiceModeSolver.DiscountedMethod = .gaussSeidel
  @Option(help: "Whether --tolerance is relative (times max(1, sup|V|)) or absolute.")
  var toleranceMode: ServiceModeSolver.ToleranceMode = .relative
  @Option(
    parsing: .unconditional,
    help:
      "Iteration limit of the solvers, 1...\(formatCount(maximumIterationLimit)); beyond it the command exits with code 2."
  )
  var maxIterations: Int = 1_000_000

  /// The largest --max-iterations.
  static let maximumIterationLimit = 1_000_000_000

  /// The option spellings with their provenance names, in the order values are reported
  /// and swept (the first swept option varies slowest).
  private var numericOptions: [(flag: String, name: String, text: String?)] {
    [
      ("--load", "load", load), ("--cloud-speedup", "cloud_speedup", cloudSpeedup),
      ("--local-fraction", "local_fraction", localFraction),
      ("--local-rate", "local_rate", localRate), ("--arrival-rate", "arrival_rate", arrivalRate),
      ("--sm1-cloud-rate", "sm1_cloud_rate", sm1CloudRate),
      ("--sm2-local-rate", "sm2_local_rate", sm2LocalRate),
      ("--sm2-cloud-rate", "sm2_cloud_rate", sm2CloudRate), ("--buffer", "buffer", buffer),
      ("--cloud-buffer", "cloud_buffer", cloudBuffer), ("--discount", "discount", discount),
      ("--continuous-discount", "continuous_discount", continuousDiscount),
    ]
  }

  private static let rawFlags = [
    "--arrival-rate", "--sm1-cloud-rate", "--sm2-local-rate", "--sm2-cloud-rate",
  ]
  private static let paperFlags = ["--load", "--cloud-speedup", "--local-fraction", "--local-rate"]

  /// A validated model description (parameters, truncation, discount), not yet compiled.
  struct Specification {
    /// The values of the swept options at this point (empty without a sweep).
    var coordinates: [Double]
    var parameters: ServiceModeParameters
    var bufferLimit: Int
    var cloudBufferLimit: Int?
    var discount: Discount

    /// The state space the specification describes.
    var stateSpace: ServiceModeStateSpace {
      get throws {
        try validatingParameters {
          try ServiceModeStateSpace(
            bufferLimit: bufferLimit, cloudBufferLimit: cloudBufferLimit ?? bufferLimit)
        }
      }
    }
  }

  /// Every model flag read once: the grid of swept values, one validated specification per
  /// grid point, the solver and the provenance of the run.
  struct Input {
    /// The options that list several values, with their sorted values (the grid's axes).
    var swept: [(flag: String, name: String, values: [Double])]
    /// The grid points in sweep order (the last swept option varies fastest).
    var points: [Specification]
    var solver: ServiceModeSolver
    /// Every model and solver parameter, defaults included (swept ones as lists).
    var parameters: [(name: String, value: ParameterValue)]
    /// Which model values are the lost paper's placeholders, by name (docs/service-modes.md
    /// §S0, §S9).
    var placeholders: [(name: String, isPlaceholder: Bool)]
    /// A one-line description of where the parameter values come from.
    var description: String

    /// The one specification of a command that takes no ranges.
    var single: Specification {
      get throws {
        if let first = swept.first {
          throw ValidationError(
            "\(first.flag) lists several values; give one value, or use 'offload modes sweep' "
              + "for ranges")
        }
        return points[0]
      }
    }

    /// The provenance of `command` with these parameters and `extra` ones.
    func provenance(
      _ command: String, extra: [(name: String, value: ParameterValue)] = []
    ) -> Provenance {
      var provenance = Provenance(command: command, parameters: parameters + extra)
      provenance.perRow = swept.map(\.name)
      return provenance
    }
  }

  /// Reads and validates every flag once. Options given as `start:stop:step` or a comma
  /// list form a grid (their values sorted, each listed once); at most
  /// `maximumRangePoints` points.
  /// - Parameter defaultSweep: the options used when none lists several values (a sweep's
  ///   default range), or nil.
  /// - Throws: `ValidationError` (exit 64) naming the flag, the value and the valid range.
  func input(defaultSweep: (flag: String, text: String)? = nil) throws -> Input {
    var swept: [(flag: String, name: String, values: [Double])] = []
    var single: [String: Double] = [:]
    for (flag, name, text) in numericOptions {
      guard let given = text else { continue }
      let values = try parseRange(given, name: flag).sorted()
      if let repeated = zip(values, values.dropFirst()).first(where: { $0 == $1 }) {
        throw ValidationError(
          "invalid value '\(given)' for \(flag): lists \(formatNumber(repeated.0)) twice")
      }
      if values.count == 1 { single[flag] = values[0] } else { swept.append((flag, name, values)) }
    }
    if let defaultSweep, swept.isEmpty {
      guard single[defaultSweep.flag] == nil, !Self.rawFlags.contains(where: { single[$0] != nil })
      else {
        throw ValidationError(
          "sweep needs at least one option with several values, e.g. --load 0.1:0.9:0.1 "
            + "--cloud-speedup 2,5,10, or --arrival-rate 1:5:1 with raw rates")
      }
      swept.append(
        (defaultSweep.flag, "load", try parseRange(defaultSweep.text, name: defaultSweep.flag)))
    }
    let count = swept.reduce(1) { $0 * $1.values.count }
    guard count <= maximumRangePoints else {
      throw ValidationError(
        "the grid of \(swept.map(\.flag).joined(separator: " x ")) has "
          + "\(formatCount(count)) points; at most \(maximumRangePoints) are allowed")
    }
    var grid: [[Double]] = [[]]
    for axis in swept { grid = grid.flatMap { prefix in axis.values.map { prefix + [$0] } } }
    let points = try grid.map { coordinates in
      var values = single
      for (axis, value) in zip(swept, coordinates) { values[axis.flag] = value }
      return try specification(values, coordinates: coordinates)
    }
    let solver = try self.solver()
    let isRaw = Self.rawFlags.contains { flag in
      single[flag] != nil || swept.contains { $0.flag == flag }
    }
    let sweptValues = Dictionary(uniqueKeysWithValues: swept.map { ($0.flag, $0.values) })
    let first = points[0]
    func value(_ flag: String, _ resolved: Double) -> ParameterValue {
      sweptValues[flag].map { .numbers($0) } ?? .number(resolved)
    }
    func integer(_ flag: String, _ resolved: Int) -> ParameterValue {
      sweptValues[flag].map { .numbers($0) } ?? .integer(resolved)
    }
    let p = first.parameters
    var parameters: [(name: String, value: ParameterValue)] =
      isRaw
      ? [
        ("arrival_rate", value("--arrival-rate", p.arrivalRate)),
        ("sm1_cloud_rate", value("--sm1-cloud-rate", p.sm1CloudRate)),
        ("sm2_local_rate", value("--sm2-local-rate", p.sm2LocalRate)),
        ("sm2_cloud_rate", value("--sm2-cloud-rate", p.sm2CloudRate)),
      ]
      : [
        ("config", .text(configuration.rawValue)), ("load", value("--load", p.load)),
        ("cloud_speedup", value("--cloud-speedup", p.cloudSpeedup)),
        ("local_fraction", value("--local-fraction", p.localFraction)),
        ("local_rate", value("--local-rate", p.localRate)),
      ]
    parameters += [
      ("buffer", integer("--buffer", first.bufferLimit)),
      ("cloud_buffer", integer("--cloud-buffer", first.cloudBufferLimit ?? first.bufferLimit)),
    ]
    switch first.discount {
    case .discrete(let gamma): parameters.append(("discount", value("--discount", gamma)))
    case .continuous(let beta):
      parameters.append(("continuous_discount", value("--continuous-discount", beta)))
    }
    parameters += [
      ("uniformization", .text(uniformization.rawValue)),
      ("criterion", .text(criterion.rawValue)), ("method", .text(method.rawValue)),
      ("tolerance", .number(solver.tolerance)), ("tolerance_mode", .text(toleranceMode.rawValue)),
      ("max_iterations", .integer(maxIterations)),
    ]
    let given = Set(single.keys).union(swept.map(\.flag))
    let placeholders: [(name: String, isPlaceholder: Bool)] =
      (isRaw
      ? []
      : [
        ("load", "--load"), ("cloud_speedup", "--cloud-speedup"),
        ("local_fraction", "--local-fraction"),
      ]).map { ($0.0, !given.contains($0.1)) }
      + [
        ("buffer", !given.contains("--buffer")),
        ("cloud_buffer", !given.contains("--cloud-buffer") && !given.contains("--buffer")),
        ("discount", !given.contains("--discount") && !given.contains("--continuous-discount")),
      ]
    let placeholderNames = placeholders.filter(\.isPlaceholder).map(\.name)
    parameters.append(
      (
        "placeholders",
        .text(placeholderNames.isEmpty ? "none" : placeholderNames.joined(separator: ";"))
      ))
    let setting = "(\(configuration.rawValue)) \(configuration.title)"
    let description =
      isRaw
      ? "raw rates (Remark 1)"
        + (placeholderNames.isEmpty
          ? "" : "; PLACEHOLDER values: " + placeholderNames.joined(separator: ", "))
      : placeholderNames.isEmpty
        ? "\(setting) with every value given by options"
        : "\(setting); PLACEHOLDER values (the paper's were lost, "
          + "docs/service-modes.md §S0, §S9): "
          + placeholderNames.joined(separator: ", ")
    return Input(
      swept: swept, points: points, solver: solver, parameters: parameters,
      placeholders: placeholders, description: description)
  }

  /// The solver the options describe.
  private func solver() throws -> ServiceModeSolver {
    guard maxIterations <= Self.maximumIterationLimit else {
      throw ValidationError(
        "invalid value \(maxIterations) for --max-iterations: must be an integer in "
          + "1...\(formatCount(Self.maximumIterationLimit))")
    }
    return try validatingParameters {
      var solver = try ServiceModeSolver(
        criterion: criterion, tolerance: tolerance, maxIterations: maxIterations)
      solver.discountedMethod = method
      solver.toleranceMode = toleranceMode
      return solver
    }
  }

  /// The compiled model of a specification.
  /// - Throws: `ValidationError` (exit 64) before allocating if it would not fit in memory.
  func model(_ specification: Specification) throws -> ServiceModeModel {
    try ModesMemory.check(states: specification.stateSpace.stateCount, sparse: true)
    return try validatingParameters {
      try ServiceModeModel(
        parameters: specification.parameters, bufferLimit: specification.bufferLimit,
        cloudBufferLimit: specification.cloudBufferLimit, uniformization: uniformization,
        discount: specification.discount)
    }
  }

  private func specification(_ values: [String: Double], coordinates: [Double]) throws
    -> Specification
  {
    let rawFlags = Self.rawFlags
    if values["--discount"] != nil && values["--continuous-discount"] != nil {
      throw ValidationError(
        "give either --discount (gamma) or --continuous-discount (beta), not both")
    }
    let raw = rawFlags.compactMap { values[$0] }
    if !raw.isEmpty {
      if let paper = Self.paperFlags.first(where: { values[$0] != nil }) {
        throw ValidationError(
          "\(paper) cannot be combined with raw rates (\(rawFlags.joined(separator: ", ")))")
      }
      if let missing = rawFlags.first(where: { values[$0] == nil }) {
        throw ValidationError(
          "raw rates need all of \(rawFlags.joined(separator: ", ")); \(missing) is missing")
      }
    }
    return try validatingParameters {
      let defaults = configuration.values
      let parameters =
        try raw.count == 4
        ? ServiceModeParameters(
          arrivalRate: raw[0], sm1CloudRate: raw[1], sm2LocalRate: raw[2], sm2CloudRate: raw[3])
        : ServiceModeParameters(
          load: values["--load"] ?? defaults.load,
          cloudSpeedup: values["--cloud-speedup"] ?? defaults.cloudSpeedup,
          localFraction: values["--local-fraction"] ?? defaults.localFraction,
          localRate: values["--local-rate"] ?? 1)
      let specification = Specification(
        coordinates: coordinates, parameters: parameters,
        bufferLimit: try integer(values["--buffer"], "buffer limit (B)", minimum: 2)
          ?? PaperConfiguration.bufferLimit,
        cloudBufferLimit: try integer(
          values["--cloud-buffer"], "cloud buffer limit (B2)", minimum: 1),
        discount: values["--continuous-discount"].map { .continuous($0) }
          ?? .discrete(values["--discount"] ?? PaperConfiguration.discountFactor))
      try ServiceModeModel.validate(
        parameters: parameters, bufferLimit: specification.bufferLimit,
        cloudBufferLimit: specification.cloudBufferLimit, uniformization: uniformization,
        discount: specification.discount)
      return specification
    }
  }

  private func integer(_ value: Double?, _ name: String, minimum: Int) throws(ParameterError)
    -> Int?
  {
    guard let value else { return nil }
    guard value == value.rounded(), abs(value) < 1e9 else {
      throw .outOfRange(
        name, value,
        valid: "an integer >= \(minimum) with 4(B + 1)(B2 + 1) <= "
          + "\(ServiceModeStateSpace.maximumStateCount) states")
    }
    return Int(value)
  }
}

/// An extra threshold policy for `delay` and `sweep` (docs/service-modes.md §S5.4).
struct ModesThresholdOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Threshold policy: T1(0),T1(1),... (cloud busy with SM1), integers >= 1 or 'none'; "
        + "the last value repeats."))
  var cloudBusyThresholds: String?
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Threshold policy: T0(1),T0(2),... (cloud without SM1 job); default: the T1 list "
        + "from n = 1."))
  var cloudIdleThresholds: String?

  /// The thresholds given, extended to n = B2, or nil.
  func thresholds(cloudBufferLimit: Int) throws -> ServiceModeThresholds? {
    guard cloudBusyThresholds != nil || cloudIdleThresholds != nil else { return nil }
    guard let busyText = cloudBusyThresholds else {
      throw ValidationError("--cloud-idle-thresholds needs --cloud-busy-thresholds")
    }
    let busy = try Self.parse(busyText, flag: "--cloud-busy-thresholds")
    let idle =
      try cloudIdleThresholds.map { try Self.parse($0, flag: "--cloud-idle-thresholds") }
      ?? (busy.count > 1 ? Array(busy.dropFirst()) : busy)
    return try validatingParameters {
      try ServiceModeThresholds(
        extending: busy, cloudIdle: idle, cloudBufferLimit: cloudBufferLimit)
    }
  }

  /// The provenance entries of the threshold policy, if any (the lists as given, `;`
  /// separated).
  var provenance: [(name: String, value: ParameterValue)] {
    [
      ("cloud_busy_thresholds", cloudBusyThresholds),
      ("cloud_idle_thresholds", cloudIdleThresholds),
    ]
    .compactMap { name, text in
      text.map { (name, .text($0.replacingOccurrences(of: ",", with: ";"))) }
    }
  }

  private static func parse(_ text: String, flag: String) throws -> [Int?] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
      let word = item.trimmingCharacters(in: .whitespaces)
      if word == "none" { return nil }
      guard let value = Int(word) else {
        throw ValidationError(
          "malformed value '\(text)' for \(flag): expected a comma list of integers >= 1 or 'none'")
      }
      return value
    }
  }
}

/// The memory check of a solve, before anything is allocated (issue 6: refuse a model
/// that would not fit, saying how much it needs); the estimates are the library's
/// `ServiceModeMemory`.
enum ModesMemory {
  /// - Throws: `ValidationError` (exit 64) naming the need and the machine's memory when
  ///   `states` would not fit.
  static func check(states: Int, sparse: Bool) throws {
    let needed = ServiceModeMemory.bytes(states: states, sparse: sparse)
    let budget = MemoryBudget.current()
    guard needed > Double(budget.availableBytes) else { return }
    let perState =
      sparse ? ServiceModeMemory.sparseBytesPerState : ServiceModeMemory.matrixFreeBytesPerState
    throw ValidationError(
      "the run holds \(states) states at once and needs about \(gibibytes(needed)) "
        + "(\(perState) bytes per state\(sparse ? " with a stored sparse model" : "")); "
        + "this process may use \(budget): lower --buffer or --cloud-buffer")
  }

  private static func gibibytes(_ bytes: Double) -> String {
    String(format: "%.2f GiB", bytes / 1_073_741_824)
  }
}
