import BatchServiceQueue
import Foundation
import Testing

/// Spec Q7: closed forms of special cases, each evaluated here independently of the solver.
@Suite("Q7 special cases")
struct SpecialCaseTests {
  /// Q7.2 M/M/1 (exp, L = K = 1): σ = ρ, `p_n = π_n = (1-ρ) ρ^n`, `Ls = ρ/(1-ρ)`.
  @Test func mm1() throws {
    let solution = try BatchQueueSolver.solve(
      batchParameters(law: "exp", rate: 0.7, minimumBatch: 1, maximumBatch: 1, rates: "1"))
    let rho = 0.7
    #expect(abs(try #require(solution.sigma) - rho) < 1e-14)
    for n in 0..<60 {
      let expected = (1 - rho) * pow(rho, Double(n))
      #expect(abs(solution.arbitrary.probability(n) - expected) < 1e-14)
      #expect(abs(solution.preArrival.probability(n) - expected) < 1e-14)
    }
    #expect(abs(solution.measures.meanInSystem - rho / (1 - rho)) < 1e-12)
    #expect(solution.status == .converged)
  }

  /// Q7.1 GI/M/1 with deterministic gaps (D/M/1): σ solves `σ = exp(-μ(1-σ)/λ)` (bisection
  /// here on exp directly), `π_n = (1-σ)σ^n`, `p_0 = 1-ρ`, `p_n = ρ(1-σ)σ^{n-1}`,
  /// `Ls = ρ/(1-σ)`, `W = 1/(μ(1-σ))`, `Wq = σ/(μ(1-σ))`.
  @Test func giM1WithDeterministicGaps() throws {
    let (lambda, mu) = (0.8, 1.0)
    let solution = try BatchQueueSolver.solve(
      batchParameters(law: "det", rate: lambda, minimumBatch: 1, maximumBatch: 1, rates: "1"))
    let sigma = bisect({ exp(-mu * (1 - $0) / lambda) - $0 }, high: 1 - 1e-9)
    let rho = lambda / mu
    #expect(abs(try #require(solution.sigma) - sigma) < 1e-14)
    #expect(abs(solution.arbitrary.probability(0) - (1 - rho)) < 1e-13)
    for n in 1..<40 {
      #expect(abs(solution.preArrival.probability(n) - (1 - sigma) * pow(sigma, Double(n))) < 1e-13)
      #expect(
        abs(solution.arbitrary.probability(n) - rho * (1 - sigma) * pow(sigma, Double(n - 1)))
          < 1e-13)
    }
    #expect(abs(solution.measures.meanInSystem - rho / (1 - sigma)) < 1e-12)
    #expect(abs(solution.measures.meanSojourn - 1 / (mu * (1 - sigma))) < 1e-12)
    #expect(abs(solution.measures.meanWait - sigma / (mu * (1 - sigma))) < 1e-12)
  }

  /// Q7.3 L = 1, constant rate, Poisson arrivals: σ is the root in (0,1) of
  /// `μ r^{K+1} - (λ+μ) r + λ = 0` and `p_n = π_n = (1-σ) σ^n`.
  @Test(arguments: [3, 5, 12])
  func bulkServiceWithLateEntryPoisson(maximumBatch: Int) throws {
    let (lambda, mu) = (1.5, 0.6)
    let solution = try BatchQueueSolver.solve(
      batchParameters(
        law: "exp", rate: lambda, minimumBatch: 1, maximumBatch: maximumBatch, rates: "0.6"))
    let k = Double(maximumBatch)
    let sigma = bisect({ mu * pow($0, k + 1) - (lambda + mu) * $0 + lambda }, high: 1 - 1e-12)
    #expect(abs(try #require(solution.sigma) - sigma) < 1e-13)
    for n in 0..<50 {
      let expected = (1 - sigma) * pow(sigma, Double(n))
      #expect(abs(solution.arbitrary.probability(n) - expected) < 1e-13)
      #expect(abs(solution.preArrival.probability(n) - expected) < 1e-13)
    }
  }

  /// Q7.3 for any law: `π_n = (1-σ)σ^n`, `Ls = κ/(1-σ)`, `Lq = κσ^K/(1-σ)`, `P_idle = 1-κ`
  /// with `κ = λ(1-σ)/(μ(1-σ^K))`, and `Lser = λ/μ` exactly (throughput balance, Q5).
  @Test(arguments: ["det", "h2:4", "pareto:1.8", "lognormal:4"])
  func bulkServiceWithLateEntryAnyLaw(law: String) throws {
    let (lambda, mu, maximumBatch) = (1.0, 0.3, 5)
    let solution = try BatchQueueSolver.solve(
      batchParameters(
        law: law, rate: lambda, minimumBatch: 1, maximumBatch: maximumBatch, rates: "0.3"))
    let sigma = try #require(solution.sigma)
    let kappa = lambda * (1 - sigma) / (mu * (1 - pow(sigma, 5)))
    for n in 0..<40 {
      #expect(abs(solution.preArrival.probability(n) - (1 - sigma) * pow(sigma, Double(n))) < 1e-13)
    }
    let measures = solution.measures
    #expect(abs(measures.meanInSystem - kappa / (1 - sigma)) < 1e-11)
    #expect(abs(measures.meanQueue - kappa * pow(sigma, 5) / (1 - sigma)) < 1e-11)
    #expect(abs(measures.idleProbability - (1 - kappa)) < 1e-13)
    #expect(abs(measures.meanWithServer - lambda / mu) < 1e-11)
  }

  /// Q7.4 L = K: `π_n = (1 - σ^{n+1})/K` below K-1, `P_idle = 1 - ρ` exactly; M/M:
  /// `p_n = (1 - σ^{n+1})/K` for n < K.
  @Test(arguments: ["exp", "erlang:4", "pareto:1.8"])
  func fullBatchesOnly(law: String) throws {
    let maximumBatch = 6
    let parameters = try batchParameters(
      law: law, rate: 1.1, minimumBatch: maximumBatch, maximumBatch: maximumBatch)
    let solution = try BatchQueueSolver.solve(parameters)
    let sigma = try #require(solution.sigma)
    let k = Double(maximumBatch)
    for n in 0..<(maximumBatch - 1) {
      #expect(abs(solution.preArrival.probability(n) - (1 - pow(sigma, Double(n + 1))) / k) < 1e-13)
    }
    for n in (maximumBatch - 1)..<40 {
      let tail = (1 - pow(sigma, k)) * pow(sigma, Double(n - maximumBatch + 1)) / k
      #expect(abs(solution.preArrival.probability(n) - tail) < 1e-13)
    }
    #expect(abs(solution.measures.idleProbability - (1 - parameters.load)) < 1e-13)
    #expect(solution.measures.arrivalJoinsBatch == 0)
    if law == "exp" {
      for n in 0..<maximumBatch {
        #expect(
          abs(solution.arbitrary.probability(n) - (1 - pow(sigma, Double(n + 1))) / k) < 1e-13)
      }
    }
  }

  /// Q7.5 Poisson arrivals, general L, K and rates: the roots method's `p` and `π` (PASTA)
  /// equal the stationary law of the CTMC built in the test and solved by the core's GTH,
  /// truncated where the tail is below 1e-20.
  @Test(arguments: [
    (1, 5, "linear:1,0.5"), (3, 5, "linear:1,0.5"), (2, 4, "0.2,0.5,0.9,1.4"),
    (4, 7, "3,2.5,2,1.5,1,0.8,0.6"), (1, 1, "2"),
  ])
  func poissonArrivalsMatchCTMC(minimumBatch: Int, maximumBatch: Int, rates: String) throws {
    let lambda = 1.0
    let parameters = try batchParameters(
      law: "exp", rate: lambda, minimumBatch: minimumBatch, maximumBatch: maximumBatch,
      rates: rates)
    let solution = try BatchQueueSolver.solve(parameters, method: .roots)
    let sigma = try #require(solution.sigma)
    let capacity = Int((log(1e-20) / log(sigma)).rounded(.up)) + 2 * maximumBatch
    let ctmc = try poissonCTMC(
      lambda: lambda, minimumBatch: minimumBatch, maximumBatch: maximumBatch,
      rates: parameters.serviceRates, capacity: capacity, rule: .switch)
    #expect(maxAbsDifference(terms(solution.arbitrary, capacity + 1), ctmc) < 1e-12)
    #expect(maxAbsDifference(terms(solution.preArrival, capacity + 1), ctmc) < 1e-12)
  }

  /// Q8.1 remark: Poisson input, L = 1, `μ_r = 1/(1 + 0.5 r)`: `Lq = 3.5` (K = 5) and
  /// `2.25` (K = 10) exactly.
  @Test func exactQueueLengthsOfTheRemark() throws {
    let five = try BatchQueueSolver.solve(
      batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 5))
    let ten = try BatchQueueSolver.solve(
      batchParameters(law: "exp", minimumBatch: 1, maximumBatch: 10))
    #expect(abs(five.measures.meanQueue - 3.5) < 1e-11)
    #expect(abs(ten.measures.meanQueue - 2.25) < 1e-11)
  }

  /// L = K in the Q8.1 table: `P_idle = 1 - ρ` = 0.3 (K = 5) and 0.4 (K = 10) for every law.
  @Test(arguments: ["det", "h2:4", "lognormal:4", "pareto:1.8"])
  func idleProbabilityOfFullBatches(law: String) throws {
    let five = try BatchQueueSolver.solve(
      batchParameters(law: law, minimumBatch: 5, maximumBatch: 5))
    let ten = try BatchQueueSolver.solve(
      batchParameters(law: law, minimumBatch: 10, maximumBatch: 10))
    #expect(abs(five.measures.idleProbability - 0.3) < 1e-12)
    #expect(abs(ten.measures.idleProbability - 0.4) < 1e-12)
  }
}

/// Largest absolute entrywise difference.
func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
  zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
