import Foundation
import Testing

@Suite("offload modes sweep: jobs, shards, merge")
struct ModesSweepTests {
  /// A small sweep (B = 8, five loads) as CSV.
  static let sweep = [
    "modes", "sweep", "--load", "0.1:0.9:0.2", "--buffer", "8", "--format", "csv",
  ]

  private func csv(_ arguments: [String]) throws -> String {
    let result = try runOffload(arguments)
    #expect(result.exitCode == 0, "stderr: \(result.standardError)")
    return result.standardOutput
  }

  @Test func outputDoesNotDependOnTheJobCount() throws {
    let one = try csv(Self.sweep + ["--jobs", "1"])
    #expect(one == (try csv(Self.sweep + ["--jobs", "2"])))
    #expect(one == (try csv(Self.sweep + ["--threads", "2"])))
    let chained = Self.sweep + ["--warm-start-chain", "2"]
    #expect(try csv(chained + ["--jobs", "1"]) == (try csv(chained + ["--jobs", "2"])))
    let lines = one.split(separator: "\n")
    // Header, then 5 loads x 3 policies (discounted criterion), ordered by load.
    #expect(lines.count == 16)
    #expect(lines[0].hasPrefix("load,policy,mean_delay,"))
    #expect(lines[1].hasPrefix("0.1,optimal,") && lines[2].hasPrefix("0.1,offload-only,"))
    #expect(lines[15].hasPrefix("0.9,non-idling,"))
  }

  @Test func rangePointsPrintAsTyped() throws {
    // 0.05 + 2 * 0.05 is 0.15000000000000002 in binary floating point.
    let output = try csv([
      "modes", "sweep", "--load", "0.05:0.25:0.05", "--buffer", "4", "--format", "csv",
    ])
    let loads = output.split(separator: "\n").dropFirst().map { $0.prefix { $0 != "," } }
    #expect(Array(Set(loads)).sorted() == ["0.05", "0.1", "0.15", "0.2", "0.25"])
  }

  @Test func averageCriterionNamesItsOptimalRow() throws {
    let output = try csv(Self.sweep + ["--criterion", "average", "--load", "0.3,0.1"])
    let rows = output.split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(2) }
    #expect(
      rows.map { $0.joined(separator: ",") } == [
        "0.1,optimal-average", "0.1,offload-only", "0.1,non-idling",
        "0.3,optimal-average", "0.3,offload-only", "0.3,non-idling",
      ])
  }

  /// Writes each shard's CSV (the default format with --shard) to a temporary folder and
  /// returns the paths.
  private func shardFiles(
    count: Int, chainLength: Int = 1, in folder: URL, extra: [String] = []
  ) throws -> [String] {
    try (1...count).map { index in
      let path = folder.appendingPathComponent("shard-\(index)-of-\(count).csv").path
      let arguments =
        Self.sweep.dropLast(2) + [
          "--shard", "\(index)/\(count)", "--jobs", "1", "--warm-start-chain", "\(chainLength)",
        ] + extra
      try csv(Array(arguments)).write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
  }

  private func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  @Test(arguments: [(2, 1), (3, 1), (5, 1), (2, 2), (3, 2)])
  func mergedShardsReproduceTheFullSweep(count: Int, chainLength: Int) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let full = try csv(Self.sweep + ["--warm-start-chain", "\(chainLength)"])
    let files = try shardFiles(count: count, chainLength: chainLength, in: folder)
    // Each shard's rows are the full run's rows of its chains (round robin over chains of
    // chainLength values, 3 rows per value), followed by the four shard columns: the
    // parameter hash, i/n, the shard's row count and the row's 1-based point.
    let fullRows = full.split(separator: "\n").dropFirst()
    var hashes: Set<Substring> = []
    for (index, path) in files.enumerated() {
      let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        .dropFirst()
      let expected = fullRows.enumerated()
        .filter { ($0.offset / 3 / chainLength) % count == index }
      #expect(rows.count == expected.count, "shard \(index + 1)/\(count)")
      for (row, (offset, fullRow)) in zip(rows, expected) {
        let cells = row.split(separator: ",", omittingEmptySubsequences: false)
        #expect(cells.dropLast(4).joined(separator: ",") == fullRow)
        let shardCells = cells.suffix(4).map(String.init)
        hashes.insert(cells[cells.count - 4])
        #expect(
          Array(shardCells.dropFirst()) == [
            "\(index + 1)/\(count)", "\(expected.count)", "\(offset / 3 + 1)",
          ])
      }
    }
    #expect(hashes.count == 1)
    #expect(try csv(["merge"] + files.reversed()) == full)
  }

  /// Two options with several values sweep their grid: every combination once, the first
  /// option varying slowest, each a leading column.
  @Test func severalOptionsSweepTheirGrid() throws {
    let output = try csv([
      "modes", "sweep", "--load", "0.2,0.4", "--cloud-speedup", "2,5,10", "--buffer", "4",
      "--format", "csv",
    ])
    let lines = output.split(separator: "\n")
    #expect(lines[0].hasPrefix("load,cloud_speedup,policy,mean_delay,"))
    #expect(!lines[0].contains(",load,") && lines[0].contains(",local_fraction,"))
    let points = lines.dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
    let expected = ["0.2", "0.4"].flatMap { load in
      ["2.0", "5.0", "10.0"].flatMap { speedup in
        ["optimal", "offload-only", "non-idling"].map { "\(load),\(speedup),\($0)" }
      }
    }
    #expect(points == expected)
  }

  /// Each merge refusal: exit code 64 and a message naming the file.
  @Test func mergeRefusesWhatIsNotOneCompleteSetOfShards() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = try shardFiles(count: 3, in: folder)
    let other = try shardFiles(
      count: 3, in: folder.appendingPathComponent("other", isDirectory: true).creatingFolder(),
      extra: ["--cloud-speedup", "4"])
    func file(_ name: String, _ text: String) throws -> String {
      let path = folder.appendingPathComponent(name).path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
    let second = try String(contentsOfFile: files[1], encoding: .utf8)
    let lines = second.split(separator: "\n", omittingEmptySubsequences: false)
    let lastRowMissing = try file(
      "missing-row.csv", lines.dropLast(2).joined(separator: "\n") + "\n")
    let cutMidLine = try file("cut.csv", String(second.dropLast(20)))
    let extraCell = try file(
      "extra-cell.csv",
      ([lines[0], lines[1] + ",1"] + lines.dropFirst(2)).joined(separator: "\n"))
    let table = try file(
      "table.csv",
      try runOffload(
        Array(Self.sweep.dropLast(2)) + ["--shard", "2/3", "--jobs", "1", "--format", "table"]
      ).standardOutput)
    let unsharded = try file("full.csv", try csv(Self.sweep))
    let missing = folder.appendingPathComponent("missing.csv").path
    let cases: [([String], String)] = [
      ([files[0], files[1]], "incomplete set of 3 shards: missing 3/3"),
      (
        [files[0], files[1], files[2], files[0]],
        "shard 1/3 appears twice: '\(files[0])' and '\(files[0])'"
      ),
      (
        [files[0], other[1], files[2]],
        "'\(other[1])' comes from a run with other parameters than '\(files[0])'"
      ),
      (
        [files[0], lastRowMissing, files[2]],
        "'\(lastRowMissing)' is truncated: shard 2/3 has"
      ),
      (
        [files[0], cutMidLine, files[2]],
        "'\(cutMidLine)' is truncated: its last line does not end with a line break"
      ),
      ([files[0], extraCell, files[2]], "line 2 of '\(extraCell)' has"),
      (
        [files[0], table, files[2]],
        "'\(table)' is not CSV (it looks like the table format): write each shard with "
          + "--format csv"
      ),
      ([unsharded], "'\(unsharded)' is not a shard CSV"),
      ([files[0], missing], "cannot read file '\(missing)'"),
      ([], "merge needs at least one CSV file"),
    ]
    for (arguments, message) in cases {
      let result = try runOffload(["merge"] + arguments)
      #expect(result.exitCode == 64, "\(message)")
      #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
      #expect(result.standardOutput.isEmpty)
    }
  }

  /// `--shard auto` takes i and n from a SLURM job array (task ids from 0 here).
  @Test func shardAutoReadsTheSlurmArrayVariables() throws {
    let explicit = try csv(Array(Self.sweep.dropLast(2)) + ["--shard", "2/3"])
    let automatic = try runOffload(
      Array(Self.sweep.dropLast(2)) + ["--shard", "auto"],
      environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"])
    #expect(automatic.exitCode == 0)
    #expect(automatic.standardOutput == explicit)
  }
}

extension URL {
  /// Creates the folder (and its parents) and returns it.
  fileprivate func creatingFolder() throws -> URL {
    try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
    return self
  }
}
