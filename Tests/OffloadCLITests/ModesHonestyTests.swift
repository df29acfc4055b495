import Testing

@Suite("offload modes: loud about what it cannot determine")
struct ModesHonestyTests {
  /// With ε = 0.5 relative to values near 1e2 the certified bound may be tens, and the tie
  /// tolerance (10 bounds, spec S4.3) far above every decision margin of configuration (a)
  /// (spec S4.3: about 1e-2): the command must say that decisions are not determined.
  @Test func looseToleranceWarnsAboutTiedDecisions() throws {
    let result = try runOffload(["modes", "solve", "--tolerance", "0.5"])
    #expect(result.exitCode == 0)
    #expect(result.standardError.contains("is within the tie tolerance"))
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
    #expect(result.standardError.contains("invalid value 8000 for --buffer"))
    #expect(result.standardError.contains("the truncation check"))
  }

  /// ρ = 0.9, K = 0.5, f = 0.1, B = 2 is far outside the stability region (λ = 1.35 against
  /// a maximal throughput of K μ0/(1 − f) ≈ 0.56, spec S8.1). Lost jobs cost nothing, so the
  /// optimum of this small truncation idles with a full base buffer (spec S2.3): nothing is
  /// admitted in the long run. The delay must say so on stderr and print no NaN: an infinite
  /// T (L > 0 jobs that never leave) and SM1/SM2 shares of 0.
  @Test func policyAdmittingNoJobWarnsInsteadOfPrintingNaN() throws {
    let result = try runOffload([
      "modes", "delay", "--load", "0.9", "--cloud-speedup", "0.5", "--local-fraction", "0.1",
      "--buffer", "2", "--format", "csv",
    ])
    #expect(result.exitCode == 0)
    #expect(!result.standardOutput.contains("nan"))
    let optimal = result.standardOutput.split(separator: "\n").first { $0.hasPrefix("optimal,") }
    #expect(optimal?.split(separator: ",").dropFirst().first == "inf")
    #expect(result.standardError.contains("optimal: warning: assumption jobs admitted"))
  }
}
