import ArgumentParser
import Foundation

/// `offload merge`: joins the CSV files of the shards of a sweep into the CSV of the
/// unsharded run.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Join the CSV files of a sharded sweep (--shard i/n) into one CSV on stdout.",
    discussion: """
      Every file must have the same header line. The first column is the swept value; the \
      rows of one value stay together and in their order, and the values are written in \
      increasing order, as an unsharded sweep writes them. Merging the CSV files of all \
      shards 1/n ... n/n therefore reproduces the unsharded CSV byte for byte. A file that \
      cannot be read, a header that differs, a malformed row or a value present twice \
      (within or across files) is an error (exit code 64) naming the file.
      """)

  @Argument(help: "The shard CSV files, in any order.")
  var files: [String] = []

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("merge needs at least one CSV file") }
  }

  /// The rows of one swept value, as read from `file`.
  private struct Group {
    var value: Double
    var file: String
    var rows: [Substring]
  }

  func run() throws {
    var header: (line: Substring, file: String)?
    var groups: [Group] = []
    var fileOfValue: [Double: String] = [:]
    for file in files {
      guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
        throw ValidationError("cannot read file '\(file)'")
      }
      var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
      if lines.last == "" { lines.removeLast() }
      guard let first = lines.first, !first.isEmpty else {
        throw ValidationError("file '\(file)' is empty: expected a CSV with a header line")
      }
      if let header, header.line != first {
        throw ValidationError("the header of '\(file)' differs from that of '\(header.file)'")
      }
      header = header ?? (first, file)
      let column = first.prefix { $0 != "," }
      for (offset, row) in lines.dropFirst().enumerated() {
        let cell = row.prefix { $0 != "," }
        guard cell.count < row.count, let value = Double(cell), value.isFinite else {
          throw ValidationError(
            "malformed line \(offset + 2) of '\(file)': expected a finite number in the first "
              + "column")
        }
        if let last = groups.last, last.file == file, last.value == value {
          groups[groups.count - 1].rows.append(row)
          continue
        }
        if let other = fileOfValue[value] {
          throw ValidationError("\(column) = \(cell) appears twice: in '\(other)' and in '\(file)'")
        }
        fileOfValue[value] = file
        groups.append(Group(value: value, file: file, rows: [row]))
      }
    }
    guard let header else { return }
    let rows = groups.sorted { $0.value < $1.value }.flatMap(\.rows)
    print(([header.line] + rows).joined(separator: "\n"))
  }
}
