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
      "Paper configuration a|b|c|d (PLACEHOLDER values, spec S9): a rho=0.5 K=5 f=0.6, "
        + "b rho=0.8, c f=0.8, d K=10."))
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
    help:
      "Discounted solver: gauss-seidel (matrix-free symmetric sweeps) or jacobi (sparse, spec S4.1)."
  )
  var method: ServiceModeSolver.DiscountedMethod = .gaussSeidel
  @Option(help: "Whether --tolerance is relative (times max(1, sup|V|)) or absolute.")
  var toleranceMode: ServiceModeSolver.ToleranceMode = .relative
  @Option(
    parsing: .unconditional,
    help: "Iteration limit of the solvers, >= 1; beyond it the command exits with code 2.")
  var maxIterations: Int = 1_000_000

  /// The option spellings, in the order values are reported.
  private var numericOptions: [(flag: String, text: String?)] {
    [
      ("--load", load), ("--cloud-speedup", cloudSpeedup), ("--local-fraction", localFraction),
      ("--local-rate", localRate), ("--arrival-rate", arrivalRate),
      ("--sm1-cloud-rate", sm1CloudRate), ("--sm2-local-rate", sm2LocalRate),
      ("--sm2-cloud-rate", sm2CloudRate), ("--buffer", buffer), ("--cloud-buffer", cloudBuffer),
      ("--discount", discount), ("--continuous-discount", continuousDiscount),
    ]
  }

  private var rawRateOptions: [String?] { [arrivalRate, sm1CloudRate, sm2LocalRate, sm2CloudRate] }

  /// Whether the model is exactly a paper configuration (placeholder values).
  var isPaperSetting: Bool { numericOptions.allSatisfy { $0.text == nil } }

  /// A one-line description of where the parameter values come from.
  var provenance: String {
    if rawRateOptions.contains(where: { $0 != nil }) { return "raw rates (Remark 1)" }
    let setting = "(\(configuration.rawValue)) \(configuration.title)"
    return isPaperSetting
      ? "\(setting) -- PLACEHOLDER values (spec S0/S9: the paper's values were lost)"
      : "\(setting), PLACEHOLDER values modified by options"
  }

  /// The solver the options describe.
  func solver() throws -> ServiceModeSolver {
    try validatingParameters {
      var solver = try ServiceModeSolver(
        criterion: criterion, tolerance: tolerance, maxIterations: maxIterations)
      solver.discountedMethod = method
      solver.toleranceMode = toleranceMode
      return solver
    }
  }

  /// A validated model description (parameters, truncation, discount), not yet compiled.
  struct Specification {
    var value: Double
    var parameters: ServiceModeParameters
    var bufferLimit: Int
    var cloudBufferLimit: Int?
    var discount: Discount
  }

  /// One specification per value of the swept option (at most one option may list several
  /// values, which are sorted and must be distinct), with that option's flag. Validates
  /// everything; compiles nothing.
  func specifications() throws -> (sweptFlag: String?, points: [Specification]) {
    var swept: (flag: String, values: [Double])?
    var single: [String: Double] = [:]
    for (flag, text) in numericOptions {
      guard let text else { continue }
      let values = try parseRange(text, name: flag).sorted()
      if let repeated = zip(values, values.dropFirst()).first(where: { $0 == $1 }) {
        throw ValidationError(
          "invalid value '\(text)' for \(flag): lists \(formatNumber(repeated.0)) twice")
      }
      if values.count == 1 {
        single[flag] = values[0]
      } else if let previous = swept {
        throw ValidationError(
          "only one option may list several values: \(previous.flag) and \(flag) both do")
      } else {
        swept = (flag, values)
      }
    }
    let points = try (swept?.values ?? [.nan]).map { value in
      var options = single
      if let swept { options[swept.flag] = value }
      return try specification(options, value: value)
    }
    return (swept?.flag, points)
  }

  /// The single specification of `solve` and `delay`.
  func singleSpecification() throws -> Specification {
    let (flag, points) = try specifications()
    if let flag {
      throw ValidationError(
        "\(flag) lists several values; give one value, or use 'offload modes sweep' for ranges")
    }
    return points[0]
  }

  /// `4(B + 1)(B2 + 1)`, the state count of a specification, without compiling anything.
  func stateCount(_ specification: Specification) throws -> Int {
    try validatingParameters {
      try ServiceModeStateSpace(
        bufferLimit: specification.bufferLimit,
        cloudBufferLimit: specification.cloudBufferLimit ?? specification.bufferLimit
      ).stateCount
    }
  }

  /// The compiled model of a specification.
  /// - Throws: `ValidationError` (exit 64) before allocating if it would not fit in memory.
  func model(_ specification: Specification) throws -> ServiceModeModel {
    try ModesMemory.check(states: stateCount(specification), sparse: true)
    return try validatingParameters {
      try ServiceModeModel(
        parameters: specification.parameters, bufferLimit: specification.bufferLimit,
        cloudBufferLimit: specification.cloudBufferLimit, uniformization: uniformization,
        discount: specification.discount)
    }
  }

  private func specification(_ values: [String: Double], value: Double) throws -> Specification {
    let rawFlags = ["--arrival-rate", "--sm1-cloud-rate", "--sm2-local-rate", "--sm2-cloud-rate"]
    let paperFlags = ["--load", "--cloud-speedup", "--local-fraction", "--local-rate"]
    if values["--discount"] != nil && values["--continuous-discount"] != nil {
      throw ValidationError(
        "give either --discount (gamma) or --continuous-discount (beta), not both")
    }
    let raw = rawFlags.map { values[$0] }
    if raw.contains(where: { $0 != nil }) {
      if let paper = paperFlags.first(where: { values[$0] != nil }) {
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
        try raw.contains { $0 != nil }
        ? ServiceModeParameters(
          arrivalRate: raw[0]!, sm1CloudRate: raw[1]!, sm2LocalRate: raw[2]!,
          sm2CloudRate: raw[3]!)
        : ServiceModeParameters(
          load: values["--load"] ?? defaults.load,
          cloudSpeedup: values["--cloud-speedup"] ?? defaults.cloudSpeedup,
          localFraction: values["--local-fraction"] ?? defaults.localFraction,
          localRate: values["--local-rate"] ?? 1)
      let specification = Specification(
        value: value, parameters: parameters,
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

/// An extra threshold policy for `delay` and `sweep` (spec S5.4).
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

  /// The threshold policy for `space`, if thresholds were given.
  func policy(in space: ServiceModeStateSpace) throws -> ServiceModePolicy? {
    try thresholds(cloudBufferLimit: space.cloudBufferLimit).map { .thresholdPolicy($0, in: space) }
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

/// Memory estimates of a solve, checked before anything is allocated (issue 6: refuse a
/// model that would not fit, saying how much it needs).
enum ModesMemory {
  /// Two value vectors, the row values and the policy read at the end (measured: `modes
  /// bench --buffer 1000` peaks at 47 bytes per state including the process itself).
  static let matrixFreeBytesPerState = 48
  /// The sparse model (≤ 5 transitions of 12 bytes, ≤ 4 candidates of 4 bytes, row and
  /// candidate offsets, costs) plus the solver's vectors. Measured: `modes solve --buffer
  /// 300` (B and 2B, 1.8e6 states together) peaks at 152 bytes per state.
  static let sparseBytesPerState = 160

  /// - Throws: `ValidationError` (exit 64) naming the need and the machine's memory when
  ///   `states` would not fit.
  static func check(states: Int, sparse: Bool) throws {
    let perState = sparse ? sparseBytesPerState : matrixFreeBytesPerState
    let (needed, overflow) = states.multipliedReportingOverflow(by: perState)
    let budget = MemoryBudget.current(), available = budget.availableBytes
    guard !overflow, UInt64(needed) <= available else {
      throw ValidationError(
        "the run holds \(states) states at once and needs about \(gibibytes(Double(states) * Double(perState))) "
          + "(\(perState) bytes per state\(sparse ? " with a stored sparse model" : "")); "
          + "this process may use \(budget): lower --buffer or --cloud-buffer")
    }
  }

  private static func gibibytes(_ bytes: Double) -> String {
    String(format: "%.2f GiB", bytes / 1_073_741_824)
  }
}
