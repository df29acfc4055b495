import Foundation
import Testing

private func json(_ result: CLIResult) throws -> [String: Any] {
  try #require(
    try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
}

@Suite("offload inference")
struct InferenceCommandTests {
  /// The JSON contract of `exact` on T1 under the centralized scheduler: the reference counts
  /// of spec G7.2 (478 states, 4 858 transitions), the contract keys, provenance, warnings,
  /// and flow balance (starts = completions + abandons + drops) as an identity.
  @Test func exactJSONContract() throws {
    let result = try runOffload([
      "inference", "exact", "--instance", "T1", "--policy", "centralized", "--format", "json",
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let document = try json(result)
    let rows = try #require(document["results"] as? [[String: Any]])
    let row = try #require(rows.first)
    #expect(row["states"] as? Int == 478)
    #expect(row["transitions"] as? Int == 4858)
    for key in [
      "meanLatency", "p99Latency", "completionRate", "abandonRate", "serverCpu", "serverMemory",
    ] {
      #expect(row[key] is Double || row[key] is Int, "missing \(key)")
    }
    let start = try #require(row["startRate"] as? Double)
    let ends =
      try #require(row["completionRate"] as? Double)
      + (try #require(row["abandonRate"] as? Double)) + (try #require(row["dropRate"] as? Double))
    #expect(abs(start - ends) < 1e-12)
    #expect(document["warnings"] is [String])
    let provenance = try #require(document["provenance"] as? [String: Any])
    let parameters = try #require(provenance["parameters"] as? [String: Any])
    #expect(parameters["instance"] as? String == "T1")
    #expect(parameters["tau"] as? Int == 3)
    #expect((document["placeholders"] as? [String])?.isEmpty == false)
  }

  /// CSV rows carry the parameters and the tool version as trailing columns.
  @Test func exactCSVIsSelfDescribing() throws {
    let result = try runOffload([
      "inference", "exact", "--instance", "T1", "--policy", "centralized", "--format", "csv",
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let lines = result.standardOutput.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[0].hasPrefix("policy,states,transitions"))
    #expect(lines[0].hasSuffix("offload_version"))
    #expect(lines[1].hasPrefix("centralized,478,4858"))
  }

  /// Simulation is seeded and reproducible, and its JSON carries intervals.
  @Test func simulateIsReproducible() throws {
    let arguments = [
      "inference", "simulate", "--instance", "T1", "--policy", "uniform", "--steps", "3000",
      "--warmup", "100", "--seed", "7", "--format", "json",
    ]
    let first = try runOffload(arguments)
    let second = try runOffload(arguments)
    #expect(first.exitCode == 0, "\(first.standardError)")
    #expect(first.standardOutput == second.standardOutput)
    let rows = try #require(try json(first)["results"] as? [[String: Any]])
    let cpu = try #require(rows.first?["serverCpu"] as? [String: Double])
    #expect(cpu["halfWidth95"] != nil && cpu["batches"] == 10)
  }

  /// Def. 3.2 on a small grid: the reported success at the nominal T1 server (1 core,
  /// 2 GB) equals `exact`'s QoS at τ = 3, and the optimum is the cheapest feasible point.
  @Test func sizeServerAgreesWithExactQoS() throws {
    let sized = try runOffload([
      "inference", "size-server", "--instance", "T1", "--policy", "centralized",
      "--cpu-grid", "0.5,1", "--memory-grid", "1,2", "--tau", "3", "--alpha", "0.6",
      "--format", "json",
    ])
    #expect(sized.exitCode == 0, "\(sized.standardError)")
    let result = try #require(try json(sized)["results"] as? [String: Any])
    let points = try #require(result["points"] as? [[String: Any]])
    #expect(points.count == 4)
    let nominal = try #require(
      points.first { ($0["cpu"] as? Double) == 1 && ($0["memory"] as? Double) == 2 })
    let success = try #require((nominal["success"] as? [Double])?.first)
    let exact = try runOffload([
      "inference", "exact", "--instance", "T1", "--policy", "centralized", "--tau", "3",
      "--format", "json",
    ])
    let row = try #require((try json(exact)["results"] as? [[String: Any]])?.first)
    #expect(abs(success - (try #require((row["qosSuccess"] as? [Double])?.first))) < 1e-12)
    let feasible = points.filter { $0["feasible"] as? Bool == true }
    let cheapest = feasible.compactMap { $0["cost"] as? Double }.min()
    let optimum = result["optimum"] as? [String: Any]
    #expect((optimum?["cost"] as? Double) == cheapest)
  }

  /// Bad input exits 64 with a message naming the parameter, value and range; an instance
  /// too large to enumerate is refused with its cap.
  @Test(arguments: [
    (["inference", "exact", "--users", "0"], "--users"),
    (["inference", "exact", "--server-capacity", "-1"], "--server-capacity"),
    (["inference", "exact", "--instance", "paper"], "truncated"),
    (["inference", "exact", "--instance", "T1", "--tau", "0"], "--tau"),
    (["inference", "exact", "--instance", "T3", "--users", "5"], "exactly 3 users"),
    (["inference", "simulate", "--instance", "T1", "--steps", "0"], "steps"),
    (
      ["inference", "simulate", "--instance", "T1", "--steps", "100", "--warmup", "100"], "warm-up"
    ),
    (["inference", "simulate", "--instance", "T1", "--steps", "100", "--warmup", "95"], "batches"),
    (["inference", "figure1", "--shard", "3/2", "--steps", "10"], "--shard"),
    (["inference", "figure1", "--user-counts", "0,10", "--steps", "10"], "--user-counts"),
    (
      [
        "inference", "size-server", "--instance", "paper", "--capacities", "2,1", "--steps",
        "10", "--warmup", "0", "--batches", "2",
      ], "capacity grid"
    ),
    (["inference", "size-server", "--tau", "3,3"], "one per type"),
    (["inference", "optimal", "--instance", "T1", "--max-states", "50"], "more than 50"),
  ])
  func invalidInputExits64(_ arguments: [String], _ fragment: String) throws {
    let result = try runOffload(arguments)
    #expect(result.exitCode == 64, "\(arguments): \(result.standardError)")
    #expect(result.standardError.contains(fragment), "\(arguments): \(result.standardError)")
    #expect(result.standardOutput.isEmpty)
  }
}
