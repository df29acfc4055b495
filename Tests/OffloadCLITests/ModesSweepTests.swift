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

  /// Writes each shard's CSV to a temporary folder and returns the paths.
  private func shardFiles(count: Int, chainLength: Int = 1, in folder: URL) throws -> [String] {
    try (1...count).map { index in
      let path = folder.appendingPathComponent("shard-\(index)-of-\(count).csv").path
      try csv(
        Self.sweep + [
          "--shard", "\(index)/\(count)", "--jobs", "1", "--warm-start-chain", "\(chainLength)",
        ]
      ).write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
  }

  private func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  @Test(arguments: [(2, 1), (3, 1), (7, 1), (2, 2), (3, 2)])
  func mergedShardsReproduceTheFullSweep(count: Int, chainLength: Int) throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let full = try csv(Self.sweep + ["--warm-start-chain", "\(chainLength)"])
    let files = try shardFiles(count: count, chainLength: chainLength, in: folder)
    // Each shard's rows are the full run's rows of its chains (round robin over chains of
    // chainLength values, 3 rows per value).
    let fullRows = full.split(separator: "\n").dropFirst()
    for (index, path) in files.enumerated() {
      let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        .dropFirst()
      let expected = fullRows.enumerated()
        .filter { ($0.offset / 3 / chainLength) % count == index }.map(\.element)
      #expect(Array(rows) == expected, "shard \(index + 1)/\(count)")
    }
    #expect(try csv(["merge"] + files.reversed()) == full)
  }

  @Test func mergeErrorsNameTheFile() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = try shardFiles(count: 2, in: folder)
    let otherHeader = folder.appendingPathComponent("other.csv").path
    try "x,policy\n0.5,optimal\n".write(toFile: otherHeader, atomically: true, encoding: .utf8)
    let missing = folder.appendingPathComponent("missing.csv").path
    let notANumber = folder.appendingPathComponent("nan.csv").path
    try "load,policy\nnan,optimal\n".write(toFile: notANumber, atomically: true, encoding: .utf8)
    let cases: [([String], String)] = [
      (
        [files[0], otherHeader], "the header of '\(otherHeader)' differs from that of '\(files[0])'"
      ),
      (
        [files[0], files[1], files[0]],
        "load = 0.1 appears twice: in '\(files[0])' and in '\(files[0])'"
      ),
      ([files[0], missing], "cannot read file '\(missing)'"),
      (
        [notANumber],
        "malformed line 2 of '\(notANumber)': expected a finite number in the first column"
      ),
      ([], "merge needs at least one CSV file"),
    ]
    for (arguments, message) in cases {
      let result = try runOffload(["merge"] + arguments)
      #expect(result.exitCode == 64)
      #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
      #expect(result.standardOutput.isEmpty)
    }
  }
}
