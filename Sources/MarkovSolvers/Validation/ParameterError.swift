/// A user-supplied parameter outside its valid range, or malformed.
///
/// Every model module validates its parameters with throwing initialisers that throw this
/// error; the CLI turns it into a usage error (exit code 64). The message always names the
/// parameter, the offending value and the valid range, as in
/// `invalid value -1 for arrival rate (lambda): must be > 0`.
public enum ParameterError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A numeric value outside its valid range. `valid` is written as a condition or an
  /// interval, e.g. `"> 0"`, `"(0, 1)"`, `"an integer >= 1"`.
  case outOfRange(name: String, value: String, valid: String)
  /// A value that could not be read (a malformed list, pool string or file line).
  case malformed(name: String, value: String, expected: String)
  /// Two or more parameters that are valid alone but inconsistent together.
  case inconsistent(name: String, value: String, reason: String)

  /// Convenience for a numeric value, formatted with full precision.
  public static func outOfRange(_ name: String, _ value: Double, valid: String) -> ParameterError {
    .outOfRange(name: name, value: formatParameterValue(value), valid: valid)
  }

  /// Convenience for an integer value.
  public static func outOfRange(_ name: String, _ value: Int, valid: String) -> ParameterError {
    .outOfRange(name: name, value: String(value), valid: valid)
  }

  public var description: String {
    switch self {
    case .outOfRange(let name, let value, let valid):
      return "invalid value \(value) for \(name): must be \(valid)"
    case .malformed(let name, let value, let expected):
      return "malformed value '\(value)' for \(name): expected \(expected)"
    case .inconsistent(let name, let value, let reason):
      return "invalid value \(value) for \(name): \(reason)"
    }
  }
}

/// A modelling assumption of the source paper that the given parameters violate.
///
/// The model still solves; the warning travels with the result and the CLI prints it on
/// stderr, so a result outside the paper's assumptions never passes silently.
public struct AssumptionWarning: Equatable, Sendable, CustomStringConvertible {
  /// Short name of the assumption, e.g. `"f > 1/K"`.
  public var assumption: String
  /// What fails and what it means for the results.
  public var detail: String
  /// Where the assumption is stated (a section of the model's page in docs/).
  public var reference: String

  public init(assumption: String, detail: String, reference: String) {
    self.assumption = assumption
    self.detail = detail
    self.reference = reference
  }

  public var description: String {
    "warning: assumption \(assumption) fails (\(reference)): \(detail)"
  }
}

/// Formats a parameter value so that the user recognises what they typed (`0.5`, `1e-300`).
public func formatParameterValue(_ value: Double) -> String {
  if value.isNaN { return "nan" }
  if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
  return "\(value)"
}
