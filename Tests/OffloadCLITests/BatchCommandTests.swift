import Foundation
import Testing

/// `offload batch`: the JSON contract against the anchor values of the spec (Q8.1, printed
/// to 6 decimals, σ to 7-10 digits) and the error exits of Q9.
@Suite("offload batch")
struct BatchCommandTests {
  private func json(_ arguments: [String]) throws -> [String: Any] {
    let result = try runOffload(["batch"] + arguments + ["--format", "json"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    return try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
  }

  private func number(_ report: [String: Any], _ key: String) throws -> Double {
    try #require(report[key] as? Double, "missing \(key)")
  }

  @Test func rootHelpListsTheBatchFamily() throws {
    let result = try runOffload(["--help"])
    #expect(result.exitCode == 0)
    #expect(result.standardOutput.contains("batch"))
  }

  /// Q8.1 anchors: (law, L, K, σ, σ tolerance, P_idle, Ls, Lq, W, E[B] served).
  static let anchors: [(String, Int, Int, Double, Double, Double, Double, Double, Double, Double)] =
    [
      ("exp", 3, 5, 0.8833798312, 1e-10, 0.281179, 7.886968, 4.540410, 7.886968, 4.5699),
      ("h2:4", 1, 10, 0.9246290, 1e-7, 0.291060, 8.635513, 3.886235, 8.635513, 4.7861),
      ("pareto:1.8", 5, 10, 0.9120097, 1e-7, 0.380248, 10.120317, 4.709271, 10.120317, 8.3506),
    ]

  @Test(arguments: 0..<anchors.count)
  func solveReproducesTheAnchors(index: Int) throws {
    let (law, minimumBatch, maximumBatch, sigma, sigmaTolerance, idle, ls, lq, w, batch) =
      Self.anchors[index]
    let report = try json([
      "solve", "--interarrival", law, "--min-batch", "\(minimumBatch)", "--max-batch",
      "\(maximumBatch)", "--service-rates", "linear:1,0.5", "--arrival-rate", "1",
    ])
    #expect(abs(try number(report, "sigma") - sigma) < sigmaTolerance)
    #expect(abs(try number(report, "idleProbability") - idle) <= 5e-7)
    #expect(abs(try number(report, "meanInSystem") - ls) <= 5e-7)
    #expect(abs(try number(report, "meanQueue") - lq) <= 5e-7)
    #expect(abs(try number(report, "meanSojourn") - w) <= 5e-7)
    #expect(abs(try number(report, "meanWait") - lq) <= 5e-7)
    #expect(abs(try number(report, "meanServedBatch") - batch) <= 5e-5)
    #expect(abs(try number(report, "meanWithServer") - (ls - lq)) <= 1e-6)
    #expect(try number(report, "throughput") == 1)
    let pre = try #require(report["preArrival"] as? [Double])
    let arbitrary = try #require(report["arbitrary"] as? [Double])
    #expect(abs(pre.reduce(0, +) - 1) < 1e-14 && abs(arbitrary.reduce(0, +) - 1) < 1e-14)
    let checks = try #require(report["checks"] as? [String: Any])
    #expect(try #require(checks["largest"] as? Double) < 1e-12)
    #expect(report["status"] as? String == "converged")
    let provenance = try #require(report["provenance"] as? [String: Any])
    let parameters = try #require(provenance["parameters"] as? [String: Any])
    #expect(parameters["interarrival"] as? String == law)
    #expect(report["warnings"] as? [String] == [])
  }

  /// The truncated chain through the CLI gives the same anchor (exp, L=3, K=5) and a
  /// certified truncation bound.
  @Test func truncatedMethodReproducesTheAnchor() throws {
    let report = try json([
      "solve", "--min-batch", "3", "--max-batch", "5", "--method", "truncated",
    ])
    #expect(abs(try number(report, "meanInSystem") - 7.886968) <= 5e-7)
    let checks = try #require(report["checks"] as? [String: Any])
    #expect(try #require(checks["truncationBound"] as? Double) < 1e-12)
    #expect(report["method"] as? String == "truncated")
  }

  /// Q8.1 remark and L = K rows of the table: Lq = 3.5 and 2.25 for exp, L = 1; P_idle =
  /// 0.3 / 0.4 for L = K, in the CSV of `batch table`.
  @Test func tableHasTheExactRows() throws {
    let result = try runOffload(["batch", "table", "--format", "csv"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let rows = result.standardOutput.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    let header = rows[0]
    let lq = try #require(header.firstIndex(of: "Lq"))
    let idle = try #require(header.firstIndex(of: "P_idle"))
    func row(_ law: String, _ l: String, _ k: String) throws -> [String] {
      try #require(rows.first { $0[0] == law && $0[1] == l && $0[2] == k })
    }
    #expect(abs(Double(try row("exp", "1", "5")[lq])! - 3.5) < 1e-11)
    #expect(abs(Double(try row("exp", "1", "10")[lq])! - 2.25) < 1e-11)
    #expect(abs(Double(try row("h2:4", "5", "5")[idle])! - 0.3) < 1e-12)
    #expect(abs(Double(try row("det", "10", "10")[idle])! - 0.4) < 1e-12)
    #expect(rows.count == 43)
    #expect(header.last == "offload_version")
  }

  /// `--distribution-csv`: n, q, r, pre-arrival, arbitrary; for M/M/1 (L = K = 1, ρ = 0.5)
  /// both columns are `(1 - ρ) ρ^n` (Q7.2) and the (q, r) labels follow Q2.1.
  @Test func distributionCSV() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("batch-\(UUID().uuidString).csv").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let result = try runOffload([
      "batch", "solve", "--arrival-rate", "0.5", "--max-batch", "1", "--service-rates", "1",
      "--distribution-csv", path,
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines[0].hasPrefix("n,q,r,pre_arrival,arbitrary,"))
    for line in lines.dropFirst().prefix(30) {
      let cells = line.split(separator: ",").map(String.init)
      let n = Int(cells[0])!
      let expected = 0.5 * pow(0.5, Double(n))
      #expect(
        abs(Double(cells[3])! - expected) < 1e-15 && abs(Double(cells[4])! - expected) < 1e-15)
      #expect(cells[1] == String(max(n - 1, 0)) && cells[2] == (n == 0 ? "0" : "1"))
    }
  }

  /// `batch simulate --format json`: every exact value inside its 99.9% interval (exp,
  /// L = 3, K = 5).
  @Test func simulateAgreesWithExact() throws {
    let report = try json([
      "simulate", "--min-batch", "3", "--max-batch", "5", "--replications", "8", "--arrivals",
      "20000", "--confidence", "0.999", "--seed", "3",
    ])
    let rows = try #require(report["rows"] as? [[String: Any]])
    #expect(rows.count == 10)
    for row in rows { #expect(row["inside"] as? Bool == true, "\(row)") }
  }

  /// Spec Q9: exit 64 with the flag, the value and the range in the message.
  @Test(arguments: [
    (
      ["--arrival-rate", "0"],
      "--arrival-rate: invalid value 0 for arrival rate (lambda): must be finite and > 0"
    ),
    (["--arrival-rate", "5", "--service-rates", "1", "--max-batch", "2"], "unstable"),
    (
      ["--min-batch", "6", "--max-batch", "5"],
      "--min-batch: invalid value 6 for minimum batch size (L): must be an integer with 1 <= L <= K = 5"
    ),
    (["--min-batch", "1.5"], "--min-batch: invalid value 1.5"),
    (
      ["--max-batch", "100001"],
      "--max-batch: invalid value 100001 for maximum batch size (K): must be an integer with 1 <= K <= 100000"
    ),
    (["--service-rates", "1,2"], "give 1 value or K = 5 values"),
    (
      ["--service-rates", "1,1,0,1,1", "--min-batch", "2"],
      "--service-rates: invalid value 0 for service rate mu_3: must be finite and > 0"
    ),
    (
      ["--interarrival", "h2:0.5"],
      "--interarrival: invalid value 0.5 for h2 SCV (c2): must be finite and > 1"
    ),
    (["--interarrival", "pareto:1"], "pareto shape (a)"),
    (
      ["--interarrival", "zipf"],
      "one of exp, det, erlang:k, gamma:c2, h2:c2, pareto:a, lognormal:c2"
    ),
    (
      ["--capacity", "3"],
      "--capacity: invalid value 3 for capacity (N_cap): must be an integer with K = 5 <= N_cap <= 200000, or inf"
    ),
    (["--capacity", "many"], "--capacity: malformed value 'many'"),
    (["--method", "roots", "--rate-rule", "frozen"], "use the truncated solver"),
    (["--method", "roots", "--capacity", "20"], "use the truncated solver"),
    (["--max-terms", "0"], "--max-terms: invalid value 0"),
    (
      ["--distribution-csv", "/nonexistent-folder/x.csv"],
      "invalid value '/nonexistent-folder/x.csv' for --distribution-csv: the folder"
    ),
  ])
  func solveErrors(arguments: [String], message: String) throws {
    let result = try runOffload(["batch", "solve"] + arguments)
    #expect(result.exitCode == 64)
    #expect(result.standardError.contains(message), "\(result.standardError)")
    #expect(result.standardOutput.isEmpty)
  }

  @Test(arguments: [
    (
      ["--replications", "1"],
      "--replications: invalid value 1 for replications: must be an integer in 2...10000"
    ),
    (["--arrivals", "999"], "--arrivals: invalid value 999 for arrivals per replication"),
    (["--confidence", "1.5"], "--confidence"),
  ])
  func simulateErrors(arguments: [String], message: String) throws {
    let result = try runOffload(["batch", "simulate"] + arguments)
    #expect(result.exitCode == 64)
    #expect(result.standardError.contains(message), "\(result.standardError)")
  }
}
