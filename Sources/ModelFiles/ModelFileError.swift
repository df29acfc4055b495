/// A model file that cannot be read as the format it claims to be (docs/model-format.md §3).
///
/// Every reader checks the whole input before it builds anything, and throws the first
/// problem found, naming the file, the line (text files) or array entry (binary arrays),
/// the offending value and what was expected.
public struct ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong, for callers that branch on it (and tests).
  public enum Kind: String, Sendable, Equatable {
    /// The file is missing or cannot be read.
    case unreadable
    /// A text file holds a NUL byte or invalid UTF-8.
    case binaryContent
    /// A binary array is shorter or longer than its counts imply, or a text line ends early.
    case truncated
    /// A field that is not a number, a key with the wrong type, an unknown keyword.
    case syntax
    /// A count (header line or `model.json`) that disagrees with the entries.
    case countMismatch
    /// An index outside its range, or a count above its limit.
    case outOfRange
    /// The same entry (transition, state, reward) twice.
    case duplicate
    /// Entries out of the required order, or choices numbered with a gap.
    case order
    /// NaN or an infinite number.
    case notFinite
    /// A negative probability or rate.
    case negative
    /// A probability row that does not sum to 1 within `ModelFileLimits.rowSumTolerance`.
    case rowSum
    /// A state without any action (or a chain state without a row).
    case missingAction
    /// Parts that contradict each other (a reward for a transition that does not exist).
    case inconsistent
  }

  /// Where in the file: a text line (1-based) or an array entry (0-based).
  public enum Location: Equatable, Sendable {
    case line(Int)
    case entry(Int)
  }

  public let kind: Kind
  /// The file's path as given by the caller.
  public let file: String
  public let location: Location?
  /// The offending text or number, as found in the file.
  public let value: String
  /// What is wrong and what was expected.
  public let problem: String

  public init(_ kind: Kind, file: String, _ location: Location?, value: String, problem: String) {
    self.kind = kind
    self.file = file
    self.location = location
    self.value = value
    self.problem = problem
  }

  /// `FILE:LINE: PROBLEM (value 'VALUE')`, or `FILE[ENTRY]: …` for a binary array.
  public var description: String {
    let place: String
    switch location {
    case .line(let line): place = "\(file):\(line)"
    case .entry(let entry): place = "\(file)[\(entry)]"
    case nil: place = file
    }
    return "\(place): \(problem) (value '\(value)')"
  }
}

/// The bounds every reader enforces, so that the work a file can cause is bounded.
public enum ModelFileLimits {
  /// Most states, rows and transitions (32-bit indices in the core's sparse matrices).
  public static let maximumCount = Int(Int32.max) - 1
  /// A probability row must sum to 1 within this; it is then rescaled to sum to 1.
  public static let rowSumTolerance = 1e-9
  /// Rescales larger than this are reported as a warning.
  public static let silentRescale = 1e-12
}
