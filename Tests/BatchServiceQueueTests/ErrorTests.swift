import BatchServiceQueue
import MarkovSolvers
import Testing

/// Spec Q9: every invalid input throws a `ParameterError` whose message names the
/// parameter, the value and the valid range.
@Suite("Q9 errors")
struct ErrorTests {
  func message(_ body: () throws -> Void) -> String {
    do {
      try body()
      return "no error"
    } catch let error as ParameterError {
      return error.description
    } catch {
      return "unexpected \(error)"
    }
  }

  @Test func arrivalRate() {
    for bad in [0.0, -1, .nan, .infinity] {
      let text = message { _ = try InterarrivalDistribution(law: .exponential, arrivalRate: bad) }
      #expect(text.contains("arrival rate (lambda)") && text.contains("finite and > 0"), "\(text)")
    }
  }

  @Test func batchSizes() {
    #expect(
      message { _ = try batchParameters(law: "exp", minimumBatch: 0, maximumBatch: 3) }
        .contains("minimum batch size (L): must be an integer with 1 <= L <= K = 3"))
    #expect(
      message { _ = try batchParameters(law: "exp", minimumBatch: 4, maximumBatch: 3) }
        .contains("invalid value 4 for minimum batch size (L)"))
    #expect(
      message { _ = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 0) }
        .contains("maximum batch size (K): must be an integer with 1 <= K <= 100000"))
    #expect(
      message { _ = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 100_001) }
        .contains("invalid value 100001 for maximum batch size (K)"))
  }

  @Test func serviceRates() {
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 3, rates: "1,2")
      }
      .contains("give 1 value or K = 3 values"))
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 2, maximumBatch: 3, rates: "1,0,2")
      }
      .contains("invalid value 0 for service rate mu_2: must be finite and > 0"))
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 2, maximumBatch: 3, rates: "1,inf,2")
      }
      .contains("service rate mu_2"))
    // Below L: ignored but finite and >= 0.
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 2, maximumBatch: 3, rates: "0,1,2")
      } == "no error")
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 2, maximumBatch: 3, rates: "-1,1,2")
      }
      .contains("service rate mu_1: must be finite and >= 0"))
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 3, rates: "linear:0,0")
      }
      .contains("a + b must be > 0"))
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 3, rates: "linear:-1,1")
      }
      .contains("linear set-up time (a)"))
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 3, rates: "fast")
      }
      .contains("malformed value 'fast' for service rates"))
  }

  @Test func unstableInfiniteBuffer() {
    let text = message {
      _ = try batchParameters(law: "exp", rate: 5, minimumBatch: 1, maximumBatch: 2, rates: "1")
    }
    #expect(
      text.contains("rho = lambda/(K mu_K)") && text.contains("2.5") && text.contains("unstable"))
    // With a finite capacity the same load is fine.
    #expect(
      message {
        _ = try batchParameters(
          law: "exp", rate: 5, minimumBatch: 1, maximumBatch: 2, rates: "1", capacity: 10)
      } == "no error")
  }

  /// ρ = 1 - 2^-53 with h2:4 gaps: `1 - σ ≈ 2(1 - ρ)/(1 + c²)` is below the spacing of
  /// doubles under 1, so σ cannot be bracketed.
  @Test func tooCloseToOne() {
    let text = message {
      _ = try BatchQueueSolver.solve(
        batchParameters(
          law: "h2:4", rate: 1.0.nextDown, minimumBatch: 1, maximumBatch: 1, rates: "1"))
    }
    #expect(text.contains("too close to rho = 1"), "\(text)")
  }

  @Test func laws() {
    let cases = [
      ("h2:1", "h2 SCV (c2): must be finite and > 1"),
      ("gamma:0", "gamma SCV (c2): must be finite and > 0"),
      ("erlang:2.5", "erlang phases (k)"), ("erlang:0", "erlang phases (k)"),
      ("pareto:1", "pareto shape (a): must be finite and > 1"),
      ("lognormal:-1", "lognormal SCV (c2)"), ("weibull:2", "exp, det, erlang:k"),
      ("exp:2", "exp, det, erlang:k"), ("h2", "h2:NUMBER"),
    ]
    for (law, expected) in cases {
      let text = message { _ = try InterarrivalLaw(parsing: law) }
      #expect(text.contains(expected), "\(law): \(text)")
    }
  }

  @Test func capacity() {
    #expect(
      message { _ = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 5, capacity: 4) }
        .contains("capacity (N_cap): must be an integer with K = 5 <= N_cap <= 200000, or inf"))
    #expect(
      message {
        _ = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 5, capacity: 200_001)
      }
      .contains("invalid value 200001 for capacity"))
  }

  @Test func methodsAndTruncation() throws {
    let finite = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 5, capacity: 20)
    #expect(
      message { _ = try BatchQueueSolver.solve(finite, method: .roots) }.contains(
        "use the truncated solver"))
    let frozen = try batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 5, rule: .frozen)
    #expect(
      message { _ = try BatchQueueSolver.solve(frozen, method: .roots) }.contains(
        "use the truncated solver"))
    // rho = 0.999999: the automatic level would need far more than 20000 states.
    let heavy = try batchParameters(
      law: "h2:4", rate: 0.999_999 * 5 / 3.5, minimumBatch: 2, maximumBatch: 5,
      rates: "linear:1,0.5")
    #expect(
      message { _ = try BatchQueueSolver.solve(heavy, method: .truncated()) }.contains(
        "more than 20000"))
    #expect(
      message { _ = try BatchQueueSolver.solve(finite, method: .truncated(level: 30)) }.contains(
        "infinite buffer only"))
  }

  @Test func simulationSettings() {
    #expect(
      message { _ = try BatchQueueSimulationSettings(replications: 1) }
        .contains("replications: must be an integer in 2...10000"))
    #expect(
      message { _ = try BatchQueueSimulationSettings(arrivals: 999) }
        .contains("arrivals per replication: must be an integer in 1000...100000000"))
    #expect(message { _ = try BatchQueueSimulationSettings(confidence: 1) }.contains("confidence"))
    #expect(
      message { _ = try BatchQueueSimulationSettings(replications: 10_000, arrivals: 100_000_000) }
        .contains("more than 2000000000 simulated arrivals"))
  }

  /// ρ = 0.999999 (spec Q9 example, h2:4, L = 2, K = 5): solvable by the roots method,
  /// σ = 0.99999977777766 and Ls ≈ 4.499995e6.
  @Test func loadVeryCloseToOne() throws {
    let parameters = try batchParameters(
      law: "h2:4", rate: 0.999_999 * 5 / 3.5, minimumBatch: 2, maximumBatch: 5,
      rates: "linear:1,0.5")
    let solution = try BatchQueueSolver.solve(parameters)
    #expect(abs(try #require(solution.sigma) - 0.999_999_777_777_66) < 1e-13)
    #expect(abs(solution.measures.meanInSystem / 4.499995e6 - 1) < 1e-6)
  }
}
