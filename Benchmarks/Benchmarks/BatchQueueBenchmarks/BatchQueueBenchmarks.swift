// Batch offloading queue benchmarks (docs/batch-queue.md §9): the roots method of Q3.1 at
// K = 10, 1000 and 100000 with light- and heavy-tailed gaps (O(K) transform evaluations
// plus the root), and the embedded chain of Q3.2 at its automatic truncation (the frozen
// rule's only solver). Parameters are the anchor setting: lambda = 1, mu_r = 1/(1 + 0.5 r)
// scaled so that rho = 0.7 for every K.
import Benchmark
import OffloadLab

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    timeUnits: .milliseconds,
    maxDuration: .seconds(2),
    maxIterations: 1000
  )

  /// λ = 1, L = K/2 (at least 1), rates `1/(a + 0.5 r)` with the set-up `a` chosen so that
  /// `ρ = λ/(K μ_K) = 0.7`.
  func parameters(law: String, maximumBatch: Int, rule: RateRule = .switch) throws
    -> BatchQueueParameters
  {
    let k = Double(maximumBatch)
    let setUp = 0.7 * k - 0.5 * k
    return try BatchQueueParameters(
      arrivals: InterarrivalDistribution(law: InterarrivalLaw(parsing: law), arrivalRate: 1),
      minimumBatch: max(1, maximumBatch / 2), maximumBatch: maximumBatch,
      serviceRates: (1...maximumBatch).map { 1 / (setUp + 0.5 * Double($0)) }, rateRule: rule)
  }

  for law in ["exp", "h2:4", "pareto:1.8", "lognormal:4"] {
    for maximumBatch in [10, 1000, 100_000] {
      Benchmark("BatchQueue.roots \(law) K=\(maximumBatch)") { benchmark, model in
        for _ in benchmark.scaledIterations {
          do {
            blackHole(try BatchQueueSolver.solve(model, method: .roots))
          } catch {
            benchmark.error("solve failed: \(error)")
          }
        }
      } setup: {
        try parameters(law: law, maximumBatch: maximumBatch)
      }
    }
  }

  for (law, rule) in [("exp", RateRule.switch), ("pareto:1.8", .switch), ("h2:4", .frozen)] {
    Benchmark("BatchQueue.chain \(law) \(rule) K=10") { benchmark, model in
      for _ in benchmark.scaledIterations {
        do {
          blackHole(try BatchQueueSolver.solve(model, method: .truncated()))
        } catch {
          benchmark.error("solve failed: \(error)")
        }
      }
    } setup: {
      try parameters(law: law, maximumBatch: 10, rule: rule)
    }
  }
}
