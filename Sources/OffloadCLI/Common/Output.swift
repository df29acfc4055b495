import ArgumentParser
import Foundation

#if canImport(Glibc)
  import Glibc
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  import Darwin
  private let systemWrite = Darwin.write
#endif

/// `--format`, `--output` and `--strict`: the output options of every command that prints a
/// result (docs/cli.md, "Formats", "Warnings and --strict").
///
/// A command declares `@OptionGroup var output: OutputOptions`, calls `checkPaths` before
/// any work, gathers warnings in a `Diagnostics`, then hands its result to `emit`.
struct OutputOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Output format: table, csv or json (default: table unless the command says otherwise).",
      valueName: "format"))
  var format: OutputFormat?

  @Option(
    name: .customLong("output"),
    help: ArgumentHelp(
      "Write the result to this file instead of stdout (its folder must exist).",
      valueName: "path"))
  var outputPath: String?

  @Flag(help: "Exit with code 2 if any warning was issued (the output is still written).")
  var strict = false

  /// The format given, or `fallback`.
  func format(default fallback: OutputFormat = .table) -> OutputFormat { format ?? fallback }

  /// Checks, before any work, that `--output` and the command's other output files
  /// (`files`: flag and path) can be written.
  /// - Throws: `ValidationError` (exit 64) naming the flag, the path and the reason.
  func checkPaths(_ files: [(flag: String, path: String?)] = []) throws {
    for (flag, path) in [("--output", outputPath)] + files {
      guard let path else { continue }
      try checkWritableFile(path, flag: flag)
    }
  }

  /// Renders `result` in the chosen format, with `provenance` and the warnings of
  /// `diagnostics`, and writes it to `--output` or stdout. Then applies the exit policy:
  /// exit 2 if `notConverged` lists anything (each named on stderr), or if `--strict` and
  /// any warning was issued.
  /// - Throws: `ExitCode(2)` as above; `ExitCode.failure` (1) if the output cannot be
  ///   written (a full disk, a closed pipe).
  func emit<Document: Encodable>(
    _ result: CommandResult<Document>, provenance: Provenance, diagnostics: Diagnostics,
    defaultFormat: OutputFormat = .table, notConverged: [String] = []
  ) throws {
    let text: String
    switch format(default: defaultFormat) {
    case .table: text = ([provenance.caption] + result.text).joined(separator: "\n")
    case .csv:
      var table = result.csv.describing(provenance)
      if let shard = result.shard {
        table = ShardColumns.append(
          to: table, shard: shard.position, hash: provenance.parameterHash, points: shard.points)
      }
      text = table.renderCSV()
    case .json:
      text = try renderJSON(
        DocumentWithProvenance(
          document: result.document, provenance: provenance, warnings: diagnostics.warnings))
    }
    if let outputPath {
      try write(text + "\n", toFile: outputPath, flag: "--output")
    } else {
      try writeToStandardOutput(text + "\n")
    }
    try exitPolicy(diagnostics: diagnostics, notConverged: notConverged)
  }

  /// Exit code 2 for results that did not converge, or for warnings under `--strict`.
  func exitPolicy(diagnostics: Diagnostics, notConverged: [String] = []) throws {
    if !notConverged.isEmpty {
      for line in notConverged { printToStandardError("error: " + line) }
      throw notConvergedExitCode
    }
    let count = diagnostics.warnings.count
    if strict && count > 0 {
      printToStandardError(
        "error: --strict: \(count) warning\(count == 1 ? "" : "s") issued (listed above)")
      throw notConvergedExitCode
    }
  }
}

/// A command's result in every format: the JSON document (a `Codable` type; `provenance`
/// and `warnings` are added next to its keys), the CSV table (provenance columns are
/// appended) and the lines of the human-readable table format.
struct CommandResult<Document: Encodable> {
  var document: Document
  var csv: TextTable
  var text: [String]
  /// For one shard of a sweep: its position and each CSV row's 1-based point in the full
  /// sweep (the CSV then ends with `ShardColumns`).
  var shard: (position: ShardOption.Position, points: [Int])?

  /// A result whose text format is the CSV table aligned, plus `notes` below it.
  init(document: Document, table: TextTable, notes: [String] = []) {
    self.init(document: document, csv: table, text: [table.renderText()] + notes)
  }

  init(document: Document, csv: TextTable, text: [String]) {
    self.document = document
    self.csv = csv
    self.text = text
  }
}

/// An optional value that JSON always shows: `null` when nil (synthesized `Encodable`
/// omits nil optionals), for undefined figures that travel with a reason.
struct NullOr<Value: Encodable>: Encodable {
  var value: Value?

  init(_ value: Value?) { self.value = value }

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    if let value { try container.encode(value) } else { try container.encodeNil() }
  }
}

/// The JSON object of a result: the document's own keys plus `provenance` and `warnings`.
/// A document that does not encode as an object (an array) goes under the key `rows`.
private struct DocumentWithProvenance<Document: Encodable>: Encodable {
  let document: Document
  let provenance: Provenance
  let warnings: [String]

  private enum Key: String, CodingKey { case provenance, warnings, rows }

  func encode(to encoder: Encoder) throws {
    if Self.isKeyed(document) {
      try document.encode(to: encoder)
    } else {
      var container = encoder.container(keyedBy: Key.self)
      try container.encode(document, forKey: .rows)
    }
    var container = encoder.container(keyedBy: Key.self)
    try container.encode(provenance, forKey: .provenance)
    try container.encode(warnings, forKey: .warnings)
  }

  /// Whether `value` encodes as a JSON object (arrays cannot take extra keys).
  private static func isKeyed(_ value: Document) -> Bool {
    !(value is any Collection)
  }
}

/// The warnings of one run: each is printed on stderr when issued and kept for the JSON
/// `warnings` array and for `--strict` (docs/cli.md, "Warnings and --strict"). Repeated
/// messages are kept once. Thread-safe.
final class Diagnostics: @unchecked Sendable {
  private var issued: [String] = []
  private let lock = NSLock()

  /// The warnings so far, in the order issued, without the `warning: ` prefix.
  var warnings: [String] {
    lock.lock()
    defer { lock.unlock() }
    return issued
  }

  /// Prints `warning: message` on stderr (once per distinct message) and records it.
  func warn(_ message: String) {
    let text = message.hasPrefix("warning: ") ? String(message.dropFirst(9)) : message
    lock.lock()
    defer { lock.unlock() }
    guard !issued.contains(text) else { return }
    issued.append(text)
    printToStandardError("warning: " + text)
  }

  /// `warn` for each of `messages`.
  func warn<S: Sequence>(all messages: S) where S.Element: CustomStringConvertible {
    for message in messages { warn(message.description) }
  }
}

/// Writes `text` to stdout in full.
/// - Throws: `ExitCode.failure` (exit 1) after an error line on stderr if the write fails.
func writeToStandardOutput(_ text: String) throws {
  try writeAll(Array(text.utf8), to: STDOUT_FILENO, what: "standard output")
}

/// Writes `text` to `path`, creating the file or truncating it in place.
/// - Throws: see `write(_:toFile:flag:)` for data.
func write(_ text: String, toFile path: String, flag: String) throws {
  try write(Data(text.utf8), toFile: path, flag: flag)
}

/// Writes `data` to `path`, creating the file or truncating it in place (never replacing
/// it, so a device such as /dev/stdout or /dev/full stays what it is).
/// - Throws: `ValidationError` (exit 64) naming `flag` if the path cannot be opened;
///   `ExitCode.failure` (exit 1) after an error line if the write itself fails (a full
///   disk).
func write(_ data: Data, toFile path: String, flag: String) throws {
  try checkWritableFile(path, flag: flag)
  let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  guard descriptor >= 0 else {
    let reason = String(cString: strerror(errno))
    throw ValidationError("invalid value '\(path)' for \(flag): cannot open it (\(reason))")
  }
  defer { close(descriptor) }
  try writeAll(Array(data), to: descriptor, what: "'\(path)' (\(flag))")
}

/// Writes every byte to `descriptor`, retrying short and interrupted writes.
/// - Throws: `ExitCode.failure` (exit 1) after `error: cannot write the result to what`.
private func writeAll(_ bytes: [UInt8], to descriptor: Int32, what: String) throws {
  var offset = 0
  while offset < bytes.count {
    let written = bytes.withUnsafeBytes { buffer -> Int in
      guard let base = buffer.baseAddress else { return 0 }
      return systemWrite(descriptor, base + offset, buffer.count - offset)
    }
    if written < 0 && errno == EINTR { continue }
    guard written > 0 else {
      let reason = String(cString: strerror(errno))
      printToStandardError("error: cannot write the result to \(what): \(reason)")
      throw ExitCode.failure
    }
    offset += written
  }
}

/// Checks that a file can be created or replaced at `path` (its folder exists and is
/// writable, and the path is not a folder).
/// - Throws: `ValidationError` (exit 64) naming `flag`, the path and the reason.
func checkWritableFile(_ path: String, flag: String) throws {
  func refuse(_ reason: String) -> ValidationError {
    ValidationError("invalid value '\(path)' for \(flag): \(reason)")
  }
  guard !path.isEmpty else { throw refuse("expected a file path") }
  var isFolder: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
    guard !isFolder.boolValue else { throw refuse("it is a folder, expected a file") }
    guard FileManager.default.isWritableFile(atPath: path) else {
      throw refuse("the file is not writable")
    }
    return
  }
  let parent = (path as NSString).deletingLastPathComponent
  let folder = parent.isEmpty ? "." : parent
  guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder),
    isFolder.boolValue
  else { throw refuse("the folder '\(folder)' does not exist") }
  guard FileManager.default.isWritableFile(atPath: folder) else {
    throw refuse("the folder '\(folder)' is not writable")
  }
}
