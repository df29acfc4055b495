import Foundation
import Testing

@Suite("offload modes: loud about what it cannot determine")
struct ModesHonestyTests {
  /// With ε = 0.5 relative to values near 1e2 the certified bound may be tens, and the tie
  /// tolerance (10 bounds, docs/service-modes.md §S4.3) far above every decision margin of
  /// configuration (a) (docs/service-modes.md §S4.3: about 1e-2): the command must say that
  /// decisions are not determined.
  @Test func looseToleranceWarnsAboutTiedDecisions() throws {
    let result = try runOffload(["modes", "solve", "--tolerance", "0.5"])
    #expect(result.exitCode == 0)
    #expect(result.standardError.contains("is within the tie tolerance"))
    // --strict turns the warning into exit code 2, and JSON carries it.
    let strict = try runOffload([
      "modes", "solve", "--tolerance", "0.5", "--strict", "--format", "json",
    ])
    #expect(strict.exitCode == 2)
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(strict.standardOutput.utf8)) as? [String: Any])
    let warnings = try #require(document["warnings"] as? [String])
    #expect(warnings.contains { $0.contains("is within the tie tolerance") })
  }

  /// The truncation check of the issue: rho = 0.6, K = 1, f = 0.4, B = 60. The window
  /// policy at B = 60 differs from that at B = 120 (the check solves both), so the command
  /// warns on stderr and in JSON; with --skip-truncation-check it says the check was skipped.
  @Test func failedTruncationCheckIsAWarning() throws {
    let arguments = [
      "modes", "solve", "--load", "0.6", "--cloud-speedup", "1", "--local-fraction", "0.4",
      "--buffer", "60", "--format", "json",
    ]
    let result = try runOffload(arguments)
    #expect(result.exitCode == 0)
    #expect(result.standardError.contains("warning: truncation check fails"))
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    #expect(
      (document["warnings"] as? [String])?.contains { $0.hasPrefix("truncation check") } == true)
    let structure = try #require(document["structure"] as? [String: Any])
    #expect(structure["truncationStable"] as? Bool == false)
    let skipped = try runOffload(arguments.dropLast(2) + ["--skip-truncation-check"])
    #expect(skipped.exitCode == 0)
    #expect(skipped.standardOutput.contains("skipped (--skip-truncation-check)"))
    #expect(!skipped.standardError.contains("truncation check fails"))
  }

  /// Values of configuration (a) reach about 2e3 at B = 20 and 6.3e3 at B = 50. Storing
  /// them in doubles alone leaves Jacobi differences whose span certifies no better than
  /// about γ/(1 − γ) · ε · ‖V‖∞ (5e-11 at B = 20, 1.4e-10 at B = 50), and the sparse rows'
  /// round-off adds 8 ε ‖V‖∞ / (1 − γ) (4e-10 at B = 20): 1e-13 absolute cannot be
  /// certified by either sweep. The solve must stop early, exit 2 and say why, not spin to
  /// its limit. At B = 50 the rounded Gauss–Seidel iterate settles on a fixed point of the
  /// rounded map above the round-off of the differences; before the floor test counted the
  /// rounding of V itself, it spun there (the time limit turns a relapse into a failure,
  /// not a hung run: a million sweeps take about an hour).
  @Test(
    .timeLimit(.minutes(5)),
    arguments: [("jacobi", 20), ("gauss-seidel", 50)])
  func toleranceBelowTheRoundOffFloorExitsWith2(method: String, buffer: Int) throws {
    let result = try runOffload([
      "modes", "bench", "--buffer", "\(buffer)", "--method", method, "--tolerance", "1e-13",
      "--tolerance-mode", "absolute", "--format", "json",
    ])
    #expect(result.exitCode == 2)
    #expect(result.standardOutput.contains("\"status\" : \"roundOffLimited\""))
    #expect(result.standardError.contains("stopped at its floating-point floor"))
  }

  /// The default tolerance resolves every decision of configuration (a).
  @Test func defaultToleranceDoesNotWarn() throws {
    let result = try runOffload(["modes", "solve"])
    #expect(!result.standardError.contains("warning"))
  }

  /// A model far beyond the machine is refused before anything is allocated: B = B2 = 8000
  /// has 4 · 8001² ≈ 2.6e8 states, and the truncation check would also need B = 16000
  /// (1e9 states, beyond the 2^28 limit of the state space), so the refusal says so.
  @Test func hugeModelIsRefusedWithExitCode64() throws {
    let result = try runOffload(["modes", "solve", "--buffer", "8000"])
    #expect(result.exitCode == 64)
    #expect(result.standardError.contains("invalid value 8000 for buffer limit (B)"))
    #expect(result.standardError.contains("the truncation check"))
  }

  /// ρ = 0.9, K = 0.5, f = 0.1, B = 2 is far outside the stability region (λ = 1.35 against a
  /// maximal throughput of K μ0/(1 − f) ≈ 0.56, docs/service-modes.md §S8.1). Lost jobs cost
  /// nothing, so the optimum of this small truncation idles with a full base buffer
  /// (docs/service-modes.md §S2.3): nothing is admitted in the long run. The delay must say so on
  /// stderr and print no NaN or inf: an undefined T (L > 0 jobs that never leave: an empty CSV
  /// cell, JSON null with a reason) and SM1/SM2 shares of 0.
  @Test func policyAdmittingNoJobWarnsInsteadOfPrintingNaN() throws {
    let arguments = [
      "modes", "delay", "--load", "0.9", "--cloud-speedup", "0.5", "--local-fraction", "0.1",
      "--buffer", "2",
    ]
    let result = try runOffload(arguments + ["--format", "csv"])
    #expect(result.exitCode == 0)
    #expect(!result.standardOutput.contains("nan") && !result.standardOutput.contains("inf"))
    let optimal = result.standardOutput.split(separator: "\n").first { $0.hasPrefix("optimal,") }
    #expect(
      optimal?.split(separator: ",", omittingEmptySubsequences: false).dropFirst().first == "")
    #expect(result.standardError.contains("warning: optimal: assumption jobs admitted"))
    let json = try runOffload(arguments + ["--format", "json"])
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
    let policies = try #require(document["policies"] as? [[String: Any]])
    #expect(policies[0]["meanDelay"] is NSNull)
    #expect(policies[2]["meanDelay"] as? Double != nil)
    #expect(policies[0]["meanDelayUndefined"] as? String != nil)
    for token in [": inf", ": nan", "\"inf\"", "\"nan\"", ": -inf"] {
      #expect(!json.standardOutput.contains(token))
    }
  }

  /// The same point in a sweep (with a second, ordinary load): the table says `undefined`,
  /// the CSV cell is empty, JSON has null with the reason, and no format prints a
  /// non-finite number (the fuzz oracle's pattern).
  @Test func sweepPointAdmittingNoJobIsUndefinedInEveryFormat() throws {
    let arguments = [
      "modes", "sweep", "--load", "0.3,0.9", "--cloud-speedup", "0.5", "--local-fraction", "0.1",
      "--buffer", "2", "--jobs", "1",
    ]
    var outputs: [String: String] = [:]
    for format in ["table", "csv", "json"] {
      let result = try runOffload(arguments + ["--format", format])
      #expect(result.exitCode == 0, "\(result.standardError)")
      #expect(result.standardError.contains("warning: optimal at load = 0.9: assumption jobs"))
      let output = result.standardOutput
      #expect(
        FuzzOracle.nonFinite?.firstMatch(
          in: output, range: NSRange(output.startIndex..., in: output))
          == nil)
      outputs[format] = output
    }
    let rows = try #require(outputs["table"]).split(separator: "\n")
    #expect(rows.contains { $0.contains("0.9") && $0.contains("optimal   undefined") })
    let csv = try #require(outputs["csv"]).split(separator: "\n")
    #expect(csv.contains { $0.hasPrefix("0.9,optimal,,") })
    let json = try #require(outputs["json"])
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let points = try #require(document["points"] as? [[String: Any]])
    let policies = try #require(points.last?["policies"] as? [[String: Any]])
    #expect(policies[0]["meanDelay"] is NSNull)
    #expect(policies[0]["meanDelayUndefined"] as? String != nil)
  }

  /// A result that cannot be written (a full disk: /dev/full accepts no byte) exits with
  /// code 1 and says so, and the output path is written in place, never replaced: the
  /// device stays a device. (Runs only where /dev/full is the device: a program that
  /// replaces it by a file, as this one did before, breaks the premise for everyone.)
  @Test(.enabled(if: Self.fullDeviceIsADevice))
  func failedWriteExitsWithOneAndKeepsTheDevice() throws {
    let result = try runOffload(["modes", "delay", "--buffer", "4", "--output", "/dev/full"])
    #expect(result.exitCode == 1)
    #expect(result.standardError.contains("cannot write the result to '/dev/full' (--output)"))
    let type = try FileManager.default.attributesOfItem(atPath: "/dev/full")[.type]
    #expect(type as? FileAttributeType == .typeCharacterSpecial)
  }

  static var fullDeviceIsADevice: Bool {
    let type = try? FileManager.default.attributesOfItem(atPath: "/dev/full")[.type]
    return type as? FileAttributeType == .typeCharacterSpecial
  }
}
