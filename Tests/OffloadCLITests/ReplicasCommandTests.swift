import Foundation
import Testing

@Suite("offload replicas")
struct ReplicasCommandTests {
  private func json(_ arguments: [String]) throws -> [String: Any] {
    let result = try runOffload(["replicas"] + arguments + ["--format", "json"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    return try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
  }

  /// `pjf --format json` has `pjf`, `copies` and `m`; the value is the 1 <= r < 2 form of
  /// docs/replication.md §2, `1 - (1-p)^m (1+p)^(M-m)`, evaluated here.
  @Test func pjfJSONContract() throws {
    let report = try json([
      "pjf", "--tasks", "10000", "--replication", "1.9985", "--fault-probability", "0.0005",
    ])
    #expect(report["m"] as? Int == 10_000)
    #expect(report["copies"] as? Int == 19_985)
    let expected = -expm1(10_000 * log1p(-0.0005) + 9985 * log1p(0.0005))
    let pjf = try #require(report["pjf"] as? Double)
    #expect(abs(pjf - expected) <= 1e-13 * expected)
  }

  /// Devices that always fail (p = 1) give PJF = 1 by hand, so log(1 - PJF) = log 0 has no
  /// value: the table says `undefined` with the reason, JSON has null next to
  /// `logSuccessProbabilityUndefined`, a warning says so, and nothing reads as a number
  /// `-inf` or `infinity` (docs/cli.md, "Undefined figures").
  @Test func pjfOfOneLeavesTheLogUndefinedWithAReason() throws {
    let arguments = [
      "replicas", "pjf", "--tasks", "3", "--copies", "4", "--fault-probability", "1",
    ]
    let table = try runOffload(arguments)
    #expect(table.exitCode == 0, "\(table.standardError)")
    let line = table.standardOutput.split(separator: "\n").first { $0.contains("log(1 - PJF)") }
    #expect(line?.hasSuffix("undefined (PJF = 1: log 0)") == true)
    #expect(table.standardError.contains("warning: PJF = 1: the job never succeeds"))
    let report = try json(Array(arguments.dropFirst()))
    #expect(report["pjf"] as? Double == 1)
    #expect(report["logSuccessProbability"] is NSNull)
    #expect((report["logSuccessProbabilityUndefined"] as? String)?.contains("log 0") == true)
    #expect((report["warnings"] as? [String])?.count == 1)
    for output in [
      table.standardOutput, try runOffload(arguments + ["--format", "json"]).standardOutput,
    ] {
      #expect(
        FuzzOracle.nonFinite?.firstMatch(
          in: output, range: NSRange(output.startIndex..., in: output)) == nil)
    }
  }

  /// `--copies` instead of `--replication`: two devices of a CSV file on one task,
  /// PJF = 0.1 * 0.2 by hand.
  @Test func pjfWithCopiesAndPoolFile() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("replicas-pool-\(UUID().uuidString).csv").path
    try "p\n0.1,0.2\n".write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let report = try json(["pjf", "--tasks", "1", "--copies", "2", "--pool-file", path])
    let pjf = try #require(report["pjf"] as? Double)
    #expect(abs(pjf - 0.02) <= 1e-15)
  }

  /// `min-r --format json` has `minimumCopies`, `replicationFactor` and `pjf`: Example 1.
  @Test func minimumJSONContractOnExampleOne() throws {
    let report = try json([
      "min-r", "--tasks", "10000", "--target", "0.01", "--fault-probability", "0.0005",
    ])
    #expect(report["minimumCopies"] as? Int == 19_985)
    #expect(report["replicationFactor"] as? Double == 1.9985)
    let pjf = try #require(report["pjf"] as? Double)
    #expect(pjf <= 0.01 && pjf > 0.0099)
  }

  /// `example 1` prints r = 1.9985 and the 0.250 % floor.
  @Test func exampleOne() throws {
    let result = try runOffload(["replicas", "example", "1"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let rows = result.standardOutput.split(separator: "\n")
    #expect(rows.contains { $0.contains("minimal r") && $0.hasSuffix("1.9985") })
    #expect(rows.contains { $0.contains("delta floor at r = 2") && $0.contains("0.250%  0.250%") })
  }

  /// `example 2`: the paper's rule near the paper's 26.40 % over seeds, outer-in far lower.
  @Test func exampleTwo() throws {
    let report = try json(["example", "2", "--seed-count", "5"])
    let rows = try #require(report["rows"] as? [[String: String]])
    func tool(_ prefix: String) throws -> Double {
      let row = try #require(rows.first { $0["quantity"]?.hasPrefix(prefix) == true })
      let text = try #require(row["tool"]?.split(separator: "%").first)
      return try #require(Double(text))
    }
    let paperRule = try tool("PJF at r = 2, paper's rule")
    #expect(abs(paperRule - 26.40) < 2)
    #expect(try tool("PJF at r = 2, outer-in") < paperRule / 5)
  }

  /// `example 3` states the r it finds and why it differs from 3.956822.
  @Test func exampleThree() throws {
    let result = try runOffload(["replicas", "example", "3", "--seed-count", "2"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(result.standardOutput.contains("3.956822"))
    #expect(result.standardOutput.contains("M = floor(r m)"))
    #expect(result.standardOutput.contains("continuous solver"))
    #expect(result.standardOutput.contains("minimal r, paper's rule, grid + stream"))
  }

  /// `compare` lists the three rules and the bound on the same devices, with the minimal
  /// M under each; the bound's M is never above a rule's.
  @Test func compareRowsAndBound() throws {
    let report = try json([
      "compare", "--tasks", "20", "--replication", "2", "--pool", "30@0.2~0.1", "--stream",
      "0.3", "--target", "0.01", "--seed", "4",
    ])
    let rows = try #require(report["rows"] as? [[String: Any]])
    #expect(rows.count == 4)
    let bound = try #require(rows.last?["minimumCopies"] as? Int)
    for row in rows.dropLast() {
      if let copies = row["minimumCopies"] as? Int { #expect(bound <= copies) }
      if let pjf = row["pjf"] as? Double, let floor = rows.last?["pjf"] as? Double {
        #expect(floor <= pjf)
      }
    }
  }

  /// `curve` writes CSV with one row per grid point and a log-scale SVG.
  @Test func curveWritesCSVAndSVG() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("replicas-curve-\(UUID().uuidString).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let result = try runOffload([
      "replicas", "curve", "--tasks", "100", "--replication-range", "1:3:0.5",
      "--fault-probability", "0.1", "--svg", path,
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let lines = result.standardOutput.split(separator: "\n")
    #expect(lines.first?.hasPrefix("replication_factor,copies,pjf_paper") == true)
    #expect(lines.count == 6)
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
  }

  /// Every invalid input: exit code 64 and a message naming the parameter, the value and
  /// the valid range.
  @Test(arguments: [
    (
      ["min-r", "--tasks", "10", "--target", "0", "--fault-probability", "0.1"],
      "invalid value 0 for target failure probability (delta): must be in (0, 1)"
    ),
    (
      ["min-r", "--tasks", "10", "--target", "1.5", "--fault-probability", "0.1"],
      "invalid value 1.5 for target failure probability (delta): must be in (0, 1)"
    ),
    (
      ["pjf", "--tasks", "10", "--replication", "2", "--fault-probability", "-0.1"],
      "invalid value -0.1 for fault probability (p): must be in [0, 1]"
    ),
    (
      ["pjf", "--tasks", "10", "--replication", "2", "--fault-probability", "1.2"],
      "invalid value 1.2 for fault probability (p): must be in [0, 1]"
    ),
    (
      ["pjf", "--tasks", "0", "--replication", "2", "--fault-probability", "0.1"],
      "invalid value 0 for task count (m): must be an integer in 1...9007199254740992"
    ),
    (
      ["pjf", "--tasks", "-3", "--replication", "2", "--fault-probability", "0.1"],
      "invalid value -3 for task count (m): must be an integer in 1...9007199254740992"
    ),
    (
      [
        "pjf", "--tasks", "9223372036854775807", "--replication", "2", "--fault-probability", "0.1",
      ],
      "invalid value 9223372036854775807 for task count (m): must be an integer in 1...9007199254740992"
    ),
    (
      ["pjf", "--tasks", "10", "--replication", "0.5", "--fault-probability", "0.1"],
      "invalid value 0.5 for replication factor (r): must be >= 1"
    ),
    (
      ["pjf", "--tasks", "10", "--copies", "9", "--fault-probability", "0.1"],
      "invalid value 9 for copies (M): must be >= the task count m = 10"
    ),
    (
      ["pjf", "--tasks", "10", "--replication", "2", "--pool", "700"],
      "malformed value '700' for --pool: expected COUNT@P or COUNT@P~SD"
    ),
    (
      ["pjf", "--tasks", "10", "--replication", "2", "--pool", "700@0.3~2"],
      "invalid value 2 for fault-probability standard deviation (sd) in --pool '700@0.3~2'"
    ),
    (
      ["pjf", "--tasks", "10", "--replication", "2", "--stream", "0.3~x"],
      "malformed value '0.3~x' for --stream: expected P or P~SD"
    ),
    (
      ["pjf", "--tasks", "5", "--replication", "2", "--pool", "5@0.1"],
      "invalid value 10 for copies (M): the pool has only 5 devices"
    ),
    (
      ["pjf", "--tasks", "10", "--replication", "2"],
      "give --fault-probability, --pool, --pool-file or --stream"
    ),
    (["example", "4"], "invalid value 4 for example number: must be 1, 2 or 3"),
    (
      ["pjf", "--tasks", "10", "--replication", "2", "--pool", "-1@0.1"],
      "invalid value -1 for device count in --pool '-1@0.1'"
    ),
    // 2^53 = 9007199254740992, the largest M of the homogeneous closed form.
    (
      [
        "min-r", "--tasks", "10", "--target", "0.01", "--fault-probability", "0.1", "--max-copies",
        "9223372036854775807",
      ],
      "invalid value 9223372036854775807 for maximum copies: must be >= the task count m = 10 "
        + "and <= 9007199254740992"
    ),
    (
      ["curve", "--tasks", "10", "--fault-probability", "0.1", "--target", "nan"],
      "invalid value nan for target failure probability (delta): must be in (0, 1)"
    ),
    (
      ["curve", "--tasks", "10", "--fault-probability", "0.1", "--replication-range", "1,2,"],
      "malformed value '1,2,' for --replication-range"
    ),
  ])
  func invalidInputExitsWithUsageError(arguments: [String], message: String) throws {
    let result = try runOffload(["replicas"] + arguments)
    #expect(result.exitCode == 64)
    #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
    #expect(result.standardOutput.isEmpty)
  }

  /// A target no copy count meets exits with code 1 and says why.
  @Test func unreachableTargetExitsWithCodeOne() throws {
    let result = try runOffload([
      "replicas", "min-r", "--tasks", "5", "--target", "1e-9", "--pool", "10@0.5",
    ])
    #expect(result.exitCode == 1)
    #expect(result.standardError.contains("unreachable"))
  }
}
