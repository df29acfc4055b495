import BatchServiceQueue
import Foundation
import Testing

/// Independent methods on the same model: the roots method (Q3.1) against the truncated
/// chain (Q3.2), and the chain's variants (finite capacity, frozen rule) against CTMCs
/// built in the test (Poisson arrivals).
@Suite("Cross-method agreement")
struct CrossMethodTests {
  static let laws = [
    "exp", "det", "erlang:4", "gamma:0.5", "h2:4", "pareto:1.8", "pareto:2.5", "lognormal:4",
  ]
  static let shapes: [(Int, Int, String)] = [
    (1, 5, "linear:1,0.5"), (3, 5, "0.4,0.5,0.6,0.7,0.9"), (2, 4, "3,2.2,1.1,0.7"),
    (4, 4, "linear:0.5,0.2"),
  ]

  /// V4: pmfs at both epochs and the measures agree to 1e-10 (the chain is truncated where
  /// the certified tail is below 1e-17/(1-σ)).
  @Test(arguments: laws)
  func rootsAgreeWithTruncatedChain(law: String) throws {
    for (minimumBatch, maximumBatch, rates) in Self.shapes {
      let parameters = try batchParameters(
        law: law, rate: 1, minimumBatch: minimumBatch, maximumBatch: maximumBatch, rates: rates)
      let roots = try BatchQueueSolver.solve(parameters, method: .roots)
      let chain = try BatchQueueSolver.solve(parameters, method: .truncated())
      let count = chain.preArrival.head.count
      let context = "\(law) L=\(minimumBatch) K=\(maximumBatch)"
      #expect(
        maxAbsDifference(terms(roots.preArrival, count), chain.preArrival.head) < 1e-10,
        "\(context)")
      #expect(
        maxAbsDifference(terms(roots.arbitrary, count), chain.arbitrary.head) < 1e-10, "\(context)")
      let (a, b) = (roots.measures, chain.measures)
      for (x, y) in [
        (a.idleProbability, b.idleProbability), (a.meanInSystem, b.meanInSystem),
        (a.meanQueue, b.meanQueue), (a.meanServedBatch, b.meanServedBatch),
        (a.meanStartBatch, b.meanStartBatch), (a.arrivalJoinsBatch, b.arrivalJoinsBatch),
      ] {
        #expect(abs(x - y) < 1e-9 * max(1, abs(x)), "\(context): \(x) vs \(y)")
      }
      #expect(
        maxAbsDifference(a.serverContentDistribution, b.serverContentDistribution) < 1e-10)
      #expect(maxAbsDifference(a.servedBatchDistribution, b.servedBatchDistribution) < 1e-10)
      #expect(maxAbsDifference(a.startBatchDistribution, b.startBatchDistribution) < 1e-10)
      #expect(roots.status == .converged && chain.status == .converged, "\(context)")
      #expect(try #require(chain.checks.truncationBound) < 1e-12)
    }
  }

  /// Q3.1 Step 4: a rate `μ_n` equal to `c = μ_K(1 - σ^K)` (the removable singularity of
  /// the divided differences, taken at the midpoint derivative) and rates 1e-6 and 1e-4
  /// away (quotient form) agree with the truncated chain (h2:4) and the CTMC (exp).
  @Test(arguments: ["exp", "h2:4"])
  func removableSingularity(law: String) throws {
    let reference = try BatchQueueSolver.solve(
      batchParameters(law: law, minimumBatch: 1, maximumBatch: 3, rates: "1,1,1"))
    let sigma = try #require(reference.sigma)
    let c = 1 - pow(sigma, 3)
    for offset in [0, 1e-6, -1e-4] {
      let rates = "\(c * (1 + offset)),\(1.3),1"
      let parameters = try batchParameters(law: law, minimumBatch: 1, maximumBatch: 3, rates: rates)
      let roots = try BatchQueueSolver.solve(parameters, method: .roots)
      let count = 200
      let independent: [Double]
      if law == "exp" {
        independent = try poissonCTMC(
          lambda: 1, minimumBatch: 1, maximumBatch: 3, rates: parameters.serviceRates,
          capacity: count - 1, rule: .switch)
      } else {
        independent = terms(
          try BatchQueueSolver.solve(parameters, method: .truncated(level: count - 1)).arbitrary,
          count)
      }
      #expect(maxAbsDifference(terms(roots.arbitrary, count), independent) < 1e-10, "\(offset)")
      #expect(roots.status == .converged)
    }
  }

  /// Q2.6 finite capacity and Q0.3b frozen rule, Poisson arrivals: the chain's `π` and `p`
  /// (PASTA) equal the stationary law of the loss CTMC with the same capacity.
  @Test(arguments: [RateRule.switch, .frozen])
  func finiteCapacityMatchesCTMC(rule: RateRule) throws {
    for (minimumBatch, maximumBatch, rates) in Self.shapes {
      for (lambda, capacity) in [(1.0, 2 * maximumBatch + 3), (4.0, 3 * maximumBatch)] {
        let parameters = try batchParameters(
          law: "exp", rate: lambda, minimumBatch: minimumBatch, maximumBatch: maximumBatch,
          rates: rates, capacity: capacity, rule: rule)
        let solution = try BatchQueueSolver.solve(parameters)
        let ctmc = try poissonCTMC(
          lambda: lambda, minimumBatch: minimumBatch, maximumBatch: maximumBatch,
          rates: parameters.serviceRates, capacity: capacity, rule: rule)
        #expect(maxAbsDifference(solution.preArrival.head, ctmc) < 1e-12)
        #expect(maxAbsDifference(solution.arbitrary.head, ctmc) < 1e-12)
        #expect(abs(solution.measures.blockingProbability - ctmc[capacity]) < 1e-12)
        #expect(solution.status == .converged)
      }
    }
  }

  /// Q2.7: the frozen rule's infinite model (automatic level) against a CTMC truncated twice
  /// as far out; the example of Q2.7 (`exp`, λ = 1, L = 1, K = 3, μ = (0.15, 0.6, 0.6))
  /// has tail decay η = A*(0.15) = 1/1.15 > σ.
  @Test func frozenInfiniteModelMatchesCTMC() throws {
    let parameters = try batchParameters(
      law: "exp", rate: 1, minimumBatch: 1, maximumBatch: 3, rates: "0.15,0.6,0.6", rule: .frozen)
    let solution = try BatchQueueSolver.solve(parameters)
    let count = solution.arbitrary.head.count
    let ctmc = try poissonCTMC(
      lambda: 1, minimumBatch: 1, maximumBatch: 3, rates: parameters.serviceRates,
      capacity: 2 * count, rule: .frozen)
    #expect(maxAbsDifference(solution.arbitrary.head, Array(ctmc.prefix(count))) < 1e-12)
    #expect(abs(try #require(solution.checks.truncationTailEstimate)) < 1e-15)
    #expect(solution.sigma.map { abs($0 - 0.734) < 5e-4 } == true)
  }

  /// Q8.4: under decreasing rates the frozen rule (joiners free) is faster than the switch
  /// rule, for the exp and h2:4 laws of the spec's sensitivity table.
  @Test(arguments: ["exp", "h2:4"])
  func frozenRuleIsFasterWithDecreasingRates(law: String) throws {
    for minimumBatch in [1, 3] {
      let switchRule = try BatchQueueSolver.solve(
        batchParameters(law: law, minimumBatch: minimumBatch, maximumBatch: 5))
      let frozen = try BatchQueueSolver.solve(
        batchParameters(law: law, minimumBatch: minimumBatch, maximumBatch: 5, rule: .frozen))
      #expect(frozen.measures.meanSojourn < switchRule.measures.meanSojourn)
    }
  }
}
