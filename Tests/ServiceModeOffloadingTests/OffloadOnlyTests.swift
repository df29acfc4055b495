import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

/// Offload-Only is an M/M/1 queue with rate mu_c1 (docs/service-modes.md §S8.2); the expected
/// values here are computed in the test from the birth-death formulas.
@Suite("Offload-Only against the M/M/1 closed forms")
struct OffloadOnlyTests {
  /// M/M/1 with room for `capacity` jobs: p_k ∝ r^k; returns (T, L, p_capacity).
  private func mm1k(lambda: Double, mu: Double, capacity: Int) -> (Double, Double, Double) {
    let r = lambda / mu
    var weights: [Double] = [1]
    for _ in 0..<capacity { weights.append(weights[weights.count - 1] * r) }
    let total = weights.reduce(0, +)
    var jobs = 0.0
    for (k, w) in weights.enumerated() { jobs += Double(k) * w / total }
    let blocking = weights[capacity] / total
    return (jobs / (lambda * (1 - blocking)), jobs, blocking)
  }

  @Test(arguments: [(0.5, 10), (0.8, 12), (0.95, 15), (0.99, 10)])
  func exactChainMatchesTruncatedClosedForm(load: Double, bufferLimit: Int) throws {
    // rho = 0.99 makes Offload-Only unstable without the buffer (rho >= K/(1+K) = 5/6).
    let p = try ServiceModeParameters(load: load, cloudSpeedup: 5, localFraction: 0.6)
    let model = try ServiceModeModel(parameters: p, bufferLimit: bufferLimit)
    let figures = try model.delay(of: .offloadOnly(model.stateSpace))
    let (delay, jobs, blocking) = mm1k(
      lambda: p.arrivalRate, mu: p.sm1CloudRate, capacity: bufferLimit + 1)
    #expect(isClose(figures.meanDelay, delay, relative: 1e-9))
    #expect(isClose(figures.meanJobs, jobs, relative: 1e-9))
    #expect(isClose(figures.blockingProbability, blocking, relative: 1e-9))
    #expect(figures.sm2Share == 0)
    #expect(isClose(figures.sm1Share, 1, relative: 1e-9))
    // The chain visits exactly the B + 2 states with x2 = 0, xl = 0 (hand count).
    #expect(figures.reachableStates == bufferLimit + 2)
    let closedForm = OffloadOnlyClosedForm.truncated(p, bufferLimit: bufferLimit)
    #expect(isClose(closedForm.meanDelay, delay, relative: 1e-12))
    #expect(isClose(closedForm.blockingProbability, blocking, relative: 1e-12))
  }

  @Test func largeBufferReachesTheInfiniteBufferDelay() throws {
    // lambda = 1, mu_c1 = 5: T = 1/(5 - 1) = 0.25; blocking ~ 0.2^(B+1) = 0.2^16 ≈ 7e-12.
    let p = try ServiceModeParameters(
      arrivalRate: 1, sm1CloudRate: 5, sm2LocalRate: 2, sm2CloudRate: 12.5)
    let model = try ServiceModeModel(parameters: p, bufferLimit: 15)
    let figures = try model.delay(of: .offloadOnly(model.stateSpace))
    #expect(isClose(figures.meanDelay, 0.25, relative: 1e-9))
    #expect(OffloadOnlyClosedForm.meanDelay(p) == 0.25)
  }

  @Test func unstableOffloadOnlyHasNoInfiniteBufferDelay() throws {
    // rho = 0.9 >= K/(1+K) = 5/6: lambda = 5.4 > mu_c1 = 5.
    let p = try ServiceModeParameters(load: 0.9, cloudSpeedup: 5, localFraction: 0.6)
    #expect(OffloadOnlyClosedForm.meanDelay(p) == nil)
  }

  @Test func closedFormSurvivesLongBuffersAtOverload() throws {
    // r = lambda/mu_c1 = 2: p_k ∝ 2^k, so P_block -> 1/2 and L -> B + 1 - 1 = B as B grows
    // (geometric tail below the full state: L = (B+1) - Σ_{j>=1} j 2^-j / Σ 2^-j ≈ B).
    let p = try ServiceModeParameters(
      arrivalRate: 10, sm1CloudRate: 5, sm2LocalRate: 2, sm2CloudRate: 12.5)
    let figures = OffloadOnlyClosedForm.truncated(p, bufferLimit: 2000)
    #expect(isClose(figures.blockingProbability, 0.5, relative: 1e-12))
    #expect(isClose(figures.meanJobs, 2000, relative: 1e-12))
  }
}
