import ArgumentParser
import Foundation
import OffloadLab

/// `--format table|csv|json`, shared by every subcommand.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
  case table, csv, json
}

/// Exit code of a result that did not converge (distinct from 64, invalid input).
let notConvergedExitCode = ExitCode(2)

/// Runs `body`, turning a `ParameterError` into a usage error (exit code 64) whose message
/// names the parameter, the value and the valid range.
func validatingParameters<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ParameterError {
    throw ValidationError(error.description)
  }
}

/// Throws the usage error (exit code 64) of `error` unless `condition` holds.
func require(_ condition: Bool, _ error: @autoclosure () -> ParameterError) throws {
  if !condition { throw ValidationError(error().description) }
}

/// Writes to stderr (progress, warnings), keeping stdout clean for pipes.
func printToStandardError(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// A rectangular table rendered as aligned text or CSV.
struct TextTable {
  var header: [String]
  var rows: [[String]] = []

  init(header: [String]) { self.header = header }

  mutating func append(_ row: [String]) {
    precondition(row.count == header.count, "row has \(row.count) cells, header \(header.count)")
    rows.append(row)
  }

  /// Right-aligned columns separated by two spaces.
  func renderText() -> String {
    var widths = header.map(\.count)
    for row in rows {
      for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { column, cell in
        String(repeating: " ", count: widths[column] - cell.count) + cell
      }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
  }

  /// The cell of a figure that is not a finite number (`formatNumber` of ±∞ or NaN):
  /// `undefined` in text tables, an empty cell in CSV (docs/cli.md, "Undefined figures").
  static let undefined = "undefined"

  /// RFC 4180 CSV (cells with commas or quotes are quoted; `undefined` cells are empty).
  func renderCSV() -> String {
    func escape(_ cell: String) -> String {
      if cell == Self.undefined { return "" }
      guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return cell }
      return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return ([header] + rows).map { $0.map(escape).joined(separator: ",") }.joined(separator: "\n")
  }
}

/// Formats a number for tables and CSV: shortest round-trip text; `TextTable.undefined`
/// for ±∞ and NaN, which are never printed as results.
func formatNumber(_ value: Double) -> String {
  value.isFinite ? "\(value)" : TextTable.undefined
}

/// `1e12` for a power of ten, the digits otherwise (bounds in help texts and messages).
func formatCount(_ value: Int) -> String {
  var power = 0
  var rest = value
  while rest >= 10 && rest % 10 == 0 {
    rest /= 10
    power += 1
  }
  return rest == 1 && power >= 6 ? "1e\(power)" : String(value)
}

/// Formats a number with a fixed count of significant digits for human-readable tables.
func formatNumber(_ value: Double, significantDigits: Int) -> String {
  if !value.isFinite { return formatNumber(value) }
  return String(format: "%.\(significantDigits)g", value)
}

/// JSON output: encodes any `Encodable` value with sorted keys and pretty printing.
/// Result types encode an undefined figure as null next to a reason; a non-finite number
/// that still reaches the encoder is written as the string "undefined", never as invalid
/// JSON or as `inf`.
func renderJSON<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  encoder.nonConformingFloatEncodingStrategy = .convertToString(
    positiveInfinity: TextTable.undefined, negativeInfinity: TextTable.undefined,
    nan: TextTable.undefined)
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Parses `start:stop:step` (inclusive, finite, e.g. `0.05:0.95:0.05`) or a comma list
/// without empty items (callers validate each value), of at most `maximumPoints` values.
/// Range points `start + i · step` are rounded to 12 significant digits, so that they print
/// as typed (0.15, not 0.15000000000000002).
/// - Throws: `ValidationError` (exit 64) naming `name` and, for too many values, the bound.
func parseRange(_ text: String, name: String, maximumPoints: Int = maximumRangePoints) throws
  -> [Double]
{
  func tooMany() -> ValidationError {
    ValidationError("invalid value '\(text)' for \(name): more than \(maximumPoints) points")
  }
  let parts = text.split(separator: ":", omittingEmptySubsequences: false)
  if parts.count == 3 {
    guard let start = Double(parts[0]), let stop = Double(parts[1]), let step = Double(parts[2]),
      start.isFinite, stop.isFinite, step.isFinite, step > 0, stop >= start
    else {
      throw ValidationError(
        "malformed value '\(text)' for \(name): expected start:stop:step with finite numbers, "
          + "start <= stop and step > 0")
    }
    let count = ((stop - start) / step + 1e-9).rounded(.down) + 1
    guard count <= Double(maximumPoints) else { throw tooMany() }
    return (0..<Int(count)).map { index in
      let point = start + Double(index) * step
      return Double(String(format: "%.12g", point)) ?? point
    }
  }
  let values = text.split(separator: ",", omittingEmptySubsequences: false).map {
    Double($0.trimmingCharacters(in: .whitespaces))
  }
  guard values.allSatisfy({ $0 != nil }) else {
    throw ValidationError(
      "malformed value '\(text)' for \(name): expected start:stop:step or a comma list")
  }
  guard values.count <= maximumPoints else { throw tooMany() }
  return values.compactMap { $0 }
}

/// The largest thread count a `--jobs` option accepts.
let maximumThreads = 1024

/// The thread count of a `--jobs`-like option: `given`, or every core when nil.
/// - Throws: `ValidationError` (exit 64) naming `flag` unless `1 <= given <= maximumThreads`.
func threadCount(_ given: Int?, flag: String) throws -> Int {
  let count = given ?? ProcessInfo.processInfo.activeProcessorCount
  guard (1...maximumThreads).contains(count) else {
    throw ValidationError(
      "invalid value \(count) for \(flag): must be an integer in 1...\(maximumThreads)")
  }
  return count
}

/// The largest number of points `parseRange` accepts.
let maximumRangePoints = 100_000
