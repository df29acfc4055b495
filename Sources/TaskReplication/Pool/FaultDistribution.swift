import Foundation
import MarkovSolvers

/// The fault probability of one device class: a fixed `p`, or a normal with mean `p` and
/// standard deviation `sd` truncated to `[0, 1]` (written `p~sd`, as the paper's
/// "30% with std 13.4%").
///
/// Text form: `P` or `P~SD`, each a decimal in `[0, 1]` or a percentage (`30%~13.4%`).
/// Docs: docs/replication.md §1 (p_i in [0, 1]), §6 (Example 2 and 3 classes).
public struct FaultDistribution: Sendable, Equatable, CustomStringConvertible {
  /// Mean fault probability `p` (the fixed value when `standardDeviation` is 0).
  public let mean: Double
  /// Standard deviation `sd` of the normal before truncation to `[0, 1]`.
  public let standardDeviation: Double

  /// - Throws: `ParameterError.outOfRange` unless `mean` and `standardDeviation` are in
  ///   `[0, 1]` (this bound also keeps the rejection sampler's acceptance above 34 %).
  public init(mean: Double, standardDeviation: Double = 0) throws {
    try checkUnitInterval(mean, name: "fault probability (p)")
    try checkUnitInterval(standardDeviation, name: "fault-probability standard deviation (sd)")
    self.mean = mean
    self.standardDeviation = standardDeviation
  }

  /// Parses `P` or `P~SD`; `parameter` names the input in error messages.
  /// - Throws: `ParameterError.malformed` for text that is not of that form,
  ///   `ParameterError.outOfRange` for values outside `[0, 1]`.
  public init(parsing text: String, parameter: String = "fault distribution") throws {
    try self.init(
      parsing: text[...], in: text, parameter: parameter,
      expected: "P or P~SD with P and SD decimals or percentages, e.g. 0.35~0.12 or 35%~12%")
  }

  /// Parses `text`, a part of the user's input `whole`; errors name `parameter`, `whole`
  /// and the `expected` form.
  init(parsing text: Substring, in whole: String, parameter: String, expected: String) throws {
    let parts = text.split(separator: "~", omittingEmptySubsequences: false)
    guard parts.count <= 2, let mean = parseProbability(parts[0]),
      let deviation = parts.count == 2 ? parseProbability(parts[1]) : 0
    else {
      throw ParameterError.malformed(name: parameter, value: whole, expected: expected)
    }
    self = try renamingOutOfRange(in: "\(parameter) '\(whole)'") {
      try FaultDistribution(mean: mean, standardDeviation: deviation)
    }
  }

  /// `true` when every draw is `mean`.
  public var isFixed: Bool { standardDeviation == 0 }

  public var description: String {
    isFixed ? "\(mean)" : "\(mean)~\(standardDeviation)"
  }
}

/// `count` devices whose fault probabilities follow one `FaultDistribution`.
///
/// Text form: `COUNT@P` or `COUNT@P~SD` (e.g. `700@0.04`, `900@0.30~0.134`).
/// Docs: docs/replication.md §6.
public struct DeviceClass: Sendable, Equatable, CustomStringConvertible {
  /// Number of devices, at least 1.
  public let count: Int
  public let distribution: FaultDistribution

  /// - Throws: `ParameterError.outOfRange` unless `1 <= count <= DevicePool.maximumDeviceCount`.
  public init(count: Int, distribution: FaultDistribution) throws {
    guard count >= 1 && count <= DevicePool.maximumDeviceCount else {
      throw ParameterError.outOfRange(
        "device count", count, valid: "an integer in [1, \(DevicePool.maximumDeviceCount)]")
    }
    self.count = count
    self.distribution = distribution
  }

  /// Parses `COUNT@P` or `COUNT@P~SD`; `parameter` names the input in error messages.
  /// - Throws: `ParameterError.malformed` or `.outOfRange` naming `parameter` and the text.
  public init(parsing text: String, parameter: String = "device class") throws {
    let expected = "COUNT@P or COUNT@P~SD, e.g. 700@0.04 or 900@0.30~0.134"
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    guard parts.count == 2, let count = parseCount(parts[0]) else {
      throw ParameterError.malformed(name: parameter, value: text, expected: expected)
    }
    let distribution = try FaultDistribution(
      parsing: parts[1], in: text, parameter: parameter, expected: expected)
    self = try renamingOutOfRange(in: "\(parameter) '\(text)'") {
      try DeviceClass(count: count, distribution: distribution)
    }
  }

  public var description: String { "\(count)@\(distribution)" }
}

/// Runs `body`, adding `context` (the parameter and the text typed) to the name of an
/// out-of-range error.
func renamingOutOfRange<T>(in context: String, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch ParameterError.outOfRange(let name, let value, let valid) {
    throw ParameterError.outOfRange(name: "\(name) in \(context)", value: value, valid: valid)
  }
}

/// Throws unless `value` is in `[0, 1]` (NaN is outside).
func checkUnitInterval(_ value: Double, name: String) throws {
  guard value >= 0 && value <= 1 else {
    throw ParameterError.outOfRange(name, value, valid: "in [0, 1]")
  }
}

/// A decimal (`0.04`, `1e-300`) or a percentage (`4%`); nil when malformed.
func parseProbability(_ text: Substring) -> Double? {
  let trimmed = text.trimmingCharacters(in: .whitespaces)
  if trimmed.hasSuffix("%") {
    return Double(trimmed.dropLast()).map { $0 / 100 }
  }
  return Double(trimmed)
}

/// A non-negative integer written with digits (`6800`) or in scientific notation (`1e7`).
func parseCount(_ text: Substring) -> Int? {
  let trimmed = text.trimmingCharacters(in: .whitespaces)
  if let value = Int(trimmed) { return value }
  guard let value = Double(trimmed), value == value.rounded(), abs(value) <= 0x1p53 else {
    return nil
  }
  return Int(value)
}
