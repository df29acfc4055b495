import Foundation
import Testing

@Suite("offload modes: errors, formats and files")
struct ModesCommandTests {
  /// Every invalid input: exit code 64 and a message naming the parameter, the value and
  /// the valid range (or what is inconsistent).
  @Test(arguments: [
    (["solve", "--load", "-1"], "invalid value -1 for load (rho): must be finite and > 0"),
    (["solve", "--load=-1"], "invalid value -1 for load (rho): must be finite and > 0"),
    (
      ["solve", "--cloud-speedup", "0"],
      "invalid value 0 for cloud speed-up (K): must be finite and > 0"
    ),
    (
      ["delay", "--local-fraction", "1.5"],
      "invalid value 1.5 for local fraction (f): must be in (0, 1)"
    ),
    (
      ["solve", "--local-rate", "-2"],
      "invalid value -2 for local rate (mu0): must be finite and > 0"
    ),
    (
      [
        "solve", "--arrival-rate", "0", "--sm1-cloud-rate", "5", "--sm2-local-rate", "2",
        "--sm2-cloud-rate", "9",
      ],
      "invalid value 0 for arrival rate (lambda): must be finite and > 0"
    ),
    (
      [
        "solve", "--arrival-rate", "3", "--sm1-cloud-rate", "-5", "--sm2-local-rate", "2",
        "--sm2-cloud-rate", "9",
      ],
      "invalid value -5 for SM1 cloud rate (mu_c1): must be finite and > 0"
    ),
    (
      [
        "solve", "--arrival-rate", "3", "--sm1-cloud-rate", "5", "--sm2-local-rate", "0",
        "--sm2-cloud-rate", "9",
      ],
      "invalid value 0 for SM2 local rate (mu_l2): must be finite and > 0"
    ),
    (
      [
        "solve", "--arrival-rate", "3", "--sm1-cloud-rate", "5", "--sm2-local-rate", "2",
        "--sm2-cloud-rate", "5",
      ],
      "invalid value 5 for SM2 cloud rate (mu_c2): must be > the SM1 cloud rate mu_c1 = 5"
    ),
    (
      ["solve", "--arrival-rate", "3"],
      "raw rates need all of --arrival-rate, --sm1-cloud-rate, "
        + "--sm2-local-rate, --sm2-cloud-rate; --sm1-cloud-rate is missing"
    ),
    (
      [
        "solve", "--load", "0.5", "--arrival-rate", "3", "--sm1-cloud-rate", "5",
        "--sm2-local-rate", "2",
        "--sm2-cloud-rate", "9",
      ], "--load cannot be combined with raw rates"
    ),
    (["solve", "--buffer", "1"], "invalid value 1 for buffer limit (B): must be an integer >= 2"),
    (
      ["solve", "--buffer", "2.5"],
      "invalid value 2.5 for buffer limit (B): must be an integer >= 2"
    ),
    (
      ["solve", "--cloud-buffer", "0"],
      "invalid value 0 for cloud buffer limit (B2): must be an integer >= 1"
    ),
    (
      ["solve", "--discount", "1"], "invalid value 1 for discount factor (gamma): must be in (0, 1)"
    ),
    (
      ["solve", "--continuous-discount", "-0.1"],
      "invalid value -0.1 for continuous discount (beta): must be finite and > 0"
    ),
    (
      ["solve", "--discount", "0.9", "--continuous-discount", "0.1"],
      "give either --discount (gamma) or --continuous-discount (beta), not both"
    ),
    (["solve", "--tolerance", "0"], "invalid value 0 for tolerance: must be in (0, 1)"),
    (
      ["solve", "--max-iterations", "0"],
      "invalid value 0 for maximum iterations: must be an integer >= 1"
    ),
    (
      ["solve", "--buffer", "6", "--window", "7"],
      "invalid value 7 for window (W): must be an integer in 1...6 (min(B, B2))"
    ),
    (
      ["solve", "--load", "0.1:0.3:0.1"],
      "--load lists several values; give one value, or use 'offload modes sweep' for ranges"
    ),
    (
      ["solve", "--load", "abc"],
      "malformed value 'abc' for --load: expected start:stop:step or a comma list"
    ),
    (
      ["delay", "--cloud-busy-thresholds", "2,x"],
      "malformed value '2,x' for --cloud-busy-thresholds: expected a comma list of integers >= 1 or 'none'"
    ),
    (
      ["delay", "--cloud-busy-thresholds", "2,0"],
      "invalid value 0 for cloud-busy thresholds (T1): must be an integer >= 1 or 'none'"
    ),
    (
      ["delay", "--cloud-idle-thresholds", "2"],
      "--cloud-idle-thresholds needs --cloud-busy-thresholds"
    ),
    (
      ["sweep", "--load", "0.1:0.9:0.001", "--buffer", "4:400:1"],
      "the grid of --load x --buffer has 317997 points; at most 100000 are allowed"
    ),
    (["sweep", "--load", "0.5"], "sweep needs at least one option with several values"),
    (["sweep", "--jobs", "0"], "invalid value 0 for --jobs: must be an integer in 1...1024"),
    (["sweep", "--threads", "0"], "invalid value 0 for --jobs: must be an integer in 1...1024"),
    (
      ["sweep", "--warm-start-chain", "0"],
      "invalid value 0 for --warm-start-chain: must be an integer in 1...100000"
    ),
    (
      ["sweep", "--shard", "3/2"],
      "invalid value '3/2' for --shard: must be i/n with integers 1 <= i <= n <= 100000"
    ),
    (
      ["sweep", "--shard", "1"],
      "malformed value '1' for --shard: expected i/n with integers 1 <= i <= n, or auto"
    ),
    (
      ["sweep", "--shard", "auto"],
      "--shard auto needs the environment variables SLURM_ARRAY_TASK_ID and "
        + "SLURM_ARRAY_TASK_COUNT"
    ),
    (
      ["sweep", "--load", "0.1:0.5:0.1", "--shard", "3/3", "--warm-start-chain", "3"],
      "invalid value '3/3' for --shard: this sweep has 2 chains of --warm-start-chain 3 "
        + "points, so shard 3 would be empty; use at most 2 shards"
    ),
    (
      ["solve", "--svg", "no-such-folder/x.svg"],
      "invalid value 'no-such-folder/x.svg' for --svg: the folder 'no-such-folder' does not exist"
    ),
    (
      ["delay", "--output", "no-such-folder/x.csv"],
      "invalid value 'no-such-folder/x.csv' for --output: the folder 'no-such-folder' does not exist"
    ),
    (["sweep", "--window", "3"], "--window applies with --thresholds only"),
    (
      ["sweep", "--load", "0.2,0.1,0.2"],
      "invalid value '0.2,0.1,0.2' for --load: lists 0.2 twice"
    ),
    // lambda = rho (1 + K) mu0 = 6e308 overflows to inf, and so does nu.
    (
      ["solve", "--load", "1e308"],
      "invalid value inf for arrival rate (lambda = rho (1 + K) mu0): must be finite"
    ),
    // nu = 22.17: nu/(nu + 1e-320) rounds to 1.
    (
      ["solve", "--continuous-discount", "1e-320"],
      "invalid value 1e-320 for continuous discount (beta): must be large enough that "
        + "gamma = nu/(nu + beta) < 1"
    ),
    (
      ["solve", "--buffer", "9223372036854775807"],
      "for buffer limit (B): must be an integer >= 2 with 4(B + 1)(B2 + 1) <= 268435456 states"
    ),
    (
      ["sweep", "--load", "0.1:0.9:1e-300"],
      "invalid value '0.1:0.9:1e-300' for --load: more than 100000 points"
    ),
    (
      ["sweep", "--load", "0.1:inf:0.1"],
      "malformed value '0.1:inf:0.1' for --load: expected start:stop:step with finite numbers"
    ),
    (["sweep", "--load", "0.1,0.2,"], "malformed value '0.1,0.2,' for --load"),
    (["sweep", "--jobs", "-1"], "invalid value -1 for --jobs: must be an integer in 1...1024"),
    (["export", "--output", ""], "invalid value '' for --output: expected a directory path"),
    (
      ["solve", "--uniformization", "tight"],
      "The value 'tight' is invalid for '--uniformization <uniformization>'"
    ),
  ])
  func invalidInputExitsWithUsageError(arguments: [String], message: String) throws {
    let result = try runOffload(["modes"] + arguments)
    #expect(result.exitCode == 64)
    #expect(result.standardError.contains(message), "stderr: \(result.standardError)")
    #expect(result.standardOutput.isEmpty)
  }

  @Test func nonConvergenceExitsWithCodeTwo() throws {
    for command in ["solve", "delay"] {
      let result = try runOffload(["modes", command, "--buffer", "4", "--max-iterations", "3"])
      #expect(result.exitCode == 2, "\(command)")
      #expect(result.standardError.contains("error:"), "\(command)")
    }
    // A sweep names each value whose solve did not converge.
    let sweep = try runOffload([
      "modes", "sweep", "--load", "0.5,0.6", "--buffer", "4", "--max-iterations", "3",
      "--format", "csv",
    ])
    #expect(sweep.exitCode == 2)
    #expect(sweep.standardError.contains("optimal at load = 0.5, optimal at load = 0.6"))
  }

  @Test func failingAssumptionsWarnOnStandardError() throws {
    // f = 0.1 <= 1/K = 0.2 and rho = 1.1 outside the stability region: solved anyway.
    let result = try runOffload([
      "modes", "delay", "--local-fraction", "0.1", "--load", "1.1", "--buffer", "6",
    ])
    #expect(result.exitCode == 0)
    #expect(result.standardError.contains("warning: assumption f > 1/K fails"))
    #expect(result.standardError.contains("warning: assumption lambda < maximal throughput fails"))
  }

  private func json(_ arguments: [String]) throws -> [String: Any] {
    let result = try runOffload(["modes"] + arguments + ["--format", "json"])
    #expect(result.exitCode == 0)
    let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    return try #require(object as? [String: Any])
  }

  @Test func solveJSONKeepsTheContractKeys() throws {
    let document = try json(["solve", "--config", "b", "--buffer", "12"])
    let solver = try #require(document["solver"] as? [String: Any])
    #expect(solver["converged"] as? Bool == true)
    #expect((solver["iterations"] as? Int ?? 0) > 0)
    #expect((solver["errorBound"] as? Double ?? 1) < 1e-6)
    let structure = try #require(document["structure"] as? [String: Any])
    for key in ["cloudFirst", "switchTypeWindow", "urgencyMonotoneWindow", "truncationStable"] {
      #expect(structure[key] as? Bool != nil, "structure.\(key)")
    }
    // W = B/2 = 6: n, T1(n), T0(n) for n = 0...6, equal lengths (T0(0) undefined: null);
    // the x2-direction thresholds for xb = 1...6.
    let thresholds = try #require(document["thresholds"] as? [String: [Any]])
    #expect(thresholds["n"]?.compactMap { $0 as? Int } == Array(0...6))
    #expect(thresholds["cloudBusy"]?.count == 7 && thresholds["cloudIdle"]?.count == 7)
    #expect(thresholds["cloudIdle"]?.first is NSNull)
    let cloudQueue = try #require(document["cloudQueueThresholds"] as? [String: [Any]])
    #expect(cloudQueue["xb"]?.compactMap { $0 as? Int } == Array(1...6))
    #expect(cloudQueue.values.allSatisfy { $0.count == 6 })
    // Every input value, defaults included, with the version; only B is not a placeholder.
    let provenance = try #require(document["provenance"] as? [String: Any])
    #expect(provenance["version"] as? String != nil)
    let parameters = try #require(provenance["parameters"] as? [String: Any])
    #expect(parameters["load"] as? Double == 0.8 && parameters["buffer"] as? Int == 12)
    #expect(parameters["discount"] as? Double == 0.99 && parameters["window"] as? Int == 6)
    let configuration = try #require(document["configuration"] as? [String: Any])
    let placeholders = try #require(configuration["placeholders"] as? [String: Bool])
    #expect(placeholders["load"] == true && placeholders["buffer"] == false)
    #expect(document["warnings"] as? [String] == [])
  }

  @Test func thresholdsAreNullWhereSM2IsNeverChosen() throws {
    // f = 0.95, K = 20: an SM2 job's local stage alone has mean f/mu0 = 0.95, while at
    // (xb, 0, 1, 0) with xb <= B = 8 a job waiting for SM1 is done after at most 9 SM1
    // services of mean 1/20, 0.45 in all; T1(0) is "never".
    let document = try json([
      "solve", "--load", "0.1", "--local-fraction", "0.95", "--cloud-speedup", "20", "--buffer",
      "8",
    ])
    let thresholds = try #require(document["thresholds"] as? [String: Any])
    let busy = try #require(thresholds["cloudBusy"] as? [Any])
    #expect(busy.first as? String == "never")
  }

  @Test func delayJSONKeepsTheContractKeys() throws {
    let document = try json(["delay", "--buffer", "10", "--cloud-busy-thresholds", "3,2,1"])
    let policies = try #require(document["policies"] as? [[String: Any]])
    #expect(
      policies.map { $0["name"] as? String } == [
        "optimal", "optimal-average", "offload-only", "non-idling", "threshold",
      ])
    for policy in policies {
      for key in ["meanDelay", "meanJobs", "blockingProbability", "sm2Share"] {
        #expect(policy[key] as? Double != nil, "\(key)")
      }
    }
    // Offload-Only never uses SM2 (hand fact).
    #expect(policies[2]["sm2Share"] as? Double == 0)
  }

  @Test func heatmapCSVAndSVGFilesAreWritten() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let csv = folder.appendingPathComponent("policy.csv").path
    let svg = folder.appendingPathComponent("policy.svg").path
    let result = try runOffload([
      "modes", "solve", "--buffer", "6", "--heatmap-csv", csv, "--svg", svg,
    ])
    #expect(result.exitCode == 0)
    let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
    // Header plus 4 (B + 1)(B2 + 1) = 4 * 7 * 7 = 196 states.
    #expect(rows.count == 197)
    #expect(rows[0].hasPrefix("xb,xl,x1,x2,action,value,decision_gap,config,load,"))
    #expect(rows[0].hasSuffix(",offload_version"))
    #expect(rows[1].hasPrefix("0,0,0,0,0,"))
    let picture = try String(contentsOfFile: svg, encoding: .utf8)
    #expect(picture.hasPrefix("<svg") && picture.contains("SM1+SM2"))
  }
}
