import ArgumentParser
import Foundation

/// `offload merge`: joins the CSV files of the shards of a sweep into the CSV of the
/// unsharded run, after checking that they are exactly one complete set.
struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Join the CSV files of a sharded sweep (--shard i/n) into one CSV on stdout.",
    discussion: """
      Each shard CSV ends with the columns parameter_hash, shard (i/n), shard_rows and \
      point (the row's place in the full sweep). merge checks that the files are exactly \
      the shards 1/n ... n/n of one run: same header, same parameter hash and offload \
      version, each shard once, every shard complete (shard_rows rows, every row with as \
      many cells as the header). It then writes the rows in sweep order without those four \
      columns: the CSV of the unsharded run, byte for byte. Anything else (an unreadable, \
      table-format or truncated file, a missing or repeated shard, shards of different \
      parameters or versions) is an error (exit code 64) naming the file.
      """)

  @Argument(help: "The shard CSV files, in any order.")
  var files: [String] = []

  @Option(
    name: .customLong("output"),
    help: ArgumentHelp("Write the merged CSV to this file instead of stdout.", valueName: "path"))
  var outputPath: String?

  /// The largest number of files.
  static let maximumFiles = ShardOption.maximumCount

  func validate() throws {
    guard !files.isEmpty else { throw ValidationError("merge needs at least one CSV file") }
    guard files.count <= Self.maximumFiles else {
      throw ValidationError(
        "merge takes at most \(Self.maximumFiles) files (the largest shard count); "
          + "got \(files.count)")
    }
  }

  /// One checked shard file.
  private struct Shard {
    var file: String
    var position: ShardOption.Position
    var hash: String
    var version: String
    /// (point, cells without the shard columns) per row, in file order.
    var rows: [(point: Int, cells: [String])]
  }

  func run() throws {
    if let outputPath { try checkWritableFile(outputPath, flag: "--output") }
    var header: (cells: [String], file: String)?
    var shards: [Shard] = []
    for file in files {
      let (cells, shard) = try read(file)
      if let header, header.cells != cells {
        throw ValidationError(
          "the header of '\(file)' differs from that of '\(header.file)': they are not shards "
            + "of one sweep")
      }
      header = header ?? (cells, file)
      if let first = shards.first {
        if first.version != shard.version {
          throw ValidationError(
            "'\(file)' was written by offload \(shard.version), '\(first.file)' by offload "
              + "\(first.version): merge shards of one version only")
        }
        if first.hash != shard.hash {
          throw ValidationError(
            "'\(file)' comes from a run with other parameters than '\(first.file)' "
              + "(parameter hash \(shard.hash), not \(first.hash))")
        }
        if first.position.count != shard.position.count {
          throw ValidationError(
            "'\(file)' is shard \(shard.position.label) but '\(first.file)' is shard "
              + "\(first.position.label): shard counts differ")
        }
      }
      if let twin = shards.first(where: { $0.position == shard.position }) {
        throw ValidationError(
          "shard \(shard.position.label) appears twice: '\(twin.file)' and '\(file)'")
      }
      shards.append(shard)
    }
    guard let header, let count = shards.first?.position.count else { return }
    let present = Set(shards.map(\.position.index))
    let missing = (1...count).filter { !present.contains($0) }
    guard missing.isEmpty else {
      throw ValidationError(
        "incomplete set of \(count) shards: missing "
          + missing.prefix(10).map { "\($0)/\(count)" }.joined(separator: ", ")
          + (missing.count > 10 ? " and \(missing.count - 10) more" : ""))
    }
    var fileOfPoint: [Int: String] = [:]
    for shard in shards {
      for point in Set(shard.rows.map(\.point)) {
        if let other = fileOfPoint[point] {
          throw ValidationError("point \(point) appears in '\(other)' and in '\(shard.file)'")
        }
        fileOfPoint[point] = shard.file
      }
    }
    let rows = shards.flatMap(\.rows).enumerated()
      .sorted { ($0.element.point, $0.offset) < ($1.element.point, $1.offset) }
      .map(\.element.cells)
    var table = TextTable(header: Array(header.cells.dropLast(ShardColumns.names.count)))
    for row in rows { table.append(row) }
    let text = table.renderCSV() + "\n"
    if let outputPath {
      try write(text, toFile: outputPath, flag: "--output")
    } else {
      try writeToStandardOutput(text)
    }
  }

  /// The header and the checked rows of one shard file.
  private func read(_ file: String) throws -> (header: [String], shard: Shard) {
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
      throw ValidationError("cannot read file '\(file)'")
    }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.last == "" else {
      throw ValidationError(
        "'\(file)' is truncated: its last line does not end with a line break")
    }
    lines.removeLast()
    guard let first = lines.first, !first.isEmpty else {
      throw ValidationError("file '\(file)' is empty: expected a shard CSV with a header line")
    }
    if first.hasPrefix("#") || !first.contains(",") {
      throw ValidationError(
        "'\(file)' is not CSV (it looks like the table format): write each shard with "
          + "--format csv (the default with --shard)")
    }
    let header = try csvCells(first, file: file, line: 1)
    let names = ShardColumns.names
    guard header.count > names.count + 1, Array(header.suffix(names.count)) == names,
      let versionColumn = header.firstIndex(of: "offload_version")
    else {
      throw ValidationError(
        "'\(file)' is not a shard CSV: its header does not end with the columns "
          + "\(names.joined(separator: ",")) (write each part with --shard i/n)")
    }
    var shard: Shard?
    var expectedRows = 0
    for (offset, line) in lines.dropFirst().enumerated() {
      let number = offset + 2
      let cells = try csvCells(line, file: file, line: number)
      guard cells.count == header.count else {
        throw ValidationError(
          "line \(number) of '\(file)' has \(cells.count) cells, the header \(header.count): "
            + "the file is truncated or was edited")
      }
      let trailing = Array(cells.suffix(names.count))
      let hash = trailing[0]
      let rowCount = Int(trailing[2])
      let point = Int(trailing[3])
      let position = try? ShardOption.parse(trailing[1], environment: [:])
      guard let position, let rowCount, let point, rowCount >= 1, point >= 1,
        trailing[1] != "auto"
      else {
        throw ValidationError(
          "line \(number) of '\(file)': malformed shard columns "
            + "'\(trailing.joined(separator: ","))'")
      }
      let body = Array(cells.dropLast(names.count))
      if var current = shard {
        guard current.hash == hash, current.position == position,
          current.version == cells[versionColumn], expectedRows == rowCount
        else {
          throw ValidationError(
            "line \(number) of '\(file)' belongs to another shard or run than line 2")
        }
        current.rows.append((point, body))
        shard = current
      } else {
        expectedRows = rowCount
        shard = Shard(
          file: file, position: position, hash: hash, version: cells[versionColumn],
          rows: [(point, body)])
      }
    }
    guard let shard else {
      throw ValidationError("'\(file)' has a header but no rows: it is truncated")
    }
    guard shard.rows.count == expectedRows else {
      throw ValidationError(
        "'\(file)' is truncated: shard \(shard.position.label) has \(shard.rows.count) of its "
          + "\(expectedRows) rows")
    }
    return (header, shard)
  }

  /// The cells of one RFC 4180 line (quoted cells may hold commas and doubled quotes).
  private func csvCells(_ line: Substring, file: String, line number: Int) throws -> [String] {
    var cells: [String] = []
    var cell = ""
    var quoted = false
    var index = line.startIndex
    while index < line.endIndex {
      let character = line[index]
      index = line.index(after: index)
      if quoted {
        if character == "\"" {
          if index < line.endIndex && line[index] == "\"" {
            cell.append("\"")
            index = line.index(after: index)
          } else {
            quoted = false
          }
        } else {
          cell.append(character)
        }
      } else if character == "\"" && cell.isEmpty {
        quoted = true
      } else if character == "," {
        cells.append(cell)
        cell = ""
      } else {
        cell.append(character)
      }
    }
    guard !quoted else {
      throw ValidationError("line \(number) of '\(file)' ends inside a quoted cell")
    }
    cells.append(cell)
    return cells
  }
}
