// Service-mode offloading benchmarks (spec service-modes.md S4, S7): the optimal-policy
// solve and the exact delay of one policy, at B = B2 = 50, 100, 200, 400 (10,404 to
// 643,204 states), the bare certified solve up to B = 1000 and the Fig. 5 sweep (issue 6,
// from scratch and warm-started), configuration (a) (PLACEHOLDER values: rho = 0.5,
// K = 5, f = 0.6, gamma = 0.99). Models are built in `setup`, outside the measurement.
import Benchmark
import OffloadLab

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    timeUnits: .milliseconds,
    warmupIterations: 0,
    maxDuration: .seconds(10),
    maxIterations: 10
  )

  for bufferLimit in [50, 100, 200, 400] {
    // A B = 400 solve takes seconds (tens with the sparse Jacobi iteration of spec S4.1):
    // keep the sample count small so that a run takes minutes.
    let samples = Benchmark.Configuration(maxIterations: bufferLimit >= 200 ? 2 : 10)

    // The default solver: discounted criterion, certified relative bound 1e-12 (S4.1).
    Benchmark("ServiceModes.solve discounted B=\(bufferLimit)", configuration: samples) {
      benchmark, model in
      for _ in benchmark.scaledIterations {
        blackHole(ServiceModeSolver.default.solve(model))
      }
    } setup: {
      try configurationA(bufferLimit: bufferLimit)
    }

    // Exact figures of Non-Idling (S7.1): reachable post-decision chain, stationary
    // distribution (Gauss-Seidel above 1500 states), Little's law. Non-Idling reaches about
    // as many states as the optimal policy (5254 vs 5276 at B = 50) and needs no solve in
    // setup.
    Benchmark("ServiceModes.delay non-idling B=\(bufferLimit)", configuration: samples) {
      benchmark, input in
      for _ in benchmark.scaledIterations {
        do {
          blackHole(try input.model.delay(of: input.policy))
        } catch {
          benchmark.error("delay failed: \(error)")
        }
      }
    } setup: {
      try nonIdlingInConfigurationA(bufferLimit: bufferLimit)
    }
  }

  // Issue 6: the certified 1e-8 (absolute) matrix-free solve alone, as `offload modes
  // bench`, on one and two threads (identical results), B = 100, 400 and 1000 (4,008,004
  // states; one sample, about 10-20 s).
  for bufferLimit in [100, 400, 1000] {
    for threads in [1, 2] {
      Benchmark(
        "ServiceModes.bench grid B=\(bufferLimit) threads=\(threads)",
        configuration: .init(maxDuration: .seconds(60), maxIterations: bufferLimit >= 400 ? 1 : 10)
      ) { (benchmark: Benchmark, grid: ServiceModeGridOperator) in
        var solver = try ServiceModeSolver(tolerance: 1e-8)
        solver.toleranceMode = .absolute
        let contract = solver.contract(
          stateCount: grid.stateCount, discountFactor: grid.discountFactor)
        for _ in benchmark.scaledIterations {
          blackHole(try contract.solve(operator: grid))
        }
      } setup: {
        var grid = try ServiceModeGridOperator(
          parameters: PaperConfiguration.a.parameters, bufferLimit: bufferLimit)
        grid.threads = threads
        return grid
      }
    }
  }

  // Issue 6: the Fig. 5 sweep (19 loads, discounted-optimal, Offload-Only and Non-Idling
  // with exact delays, B = 50) on two threads, as `offload modes sweep`: every value from
  // scratch (chain 1) and with warm starts along chains of 3 values (the CLI default).
  // Issue 13: the same sweep under the average criterion (`offload modes sweep --criterion
  // average`, goal 2 s).
  let sweeps: [(criterion: OptimalityCriterion, chain: Int)] = [
    (.discounted, 1), (.discounted, 3), (.average, 3),
  ]
  for (criterion, chain) in sweeps {
    let name = criterion == .average ? "fig5 sweep average" : "fig5 sweep"
    Benchmark("ServiceModes.\(name) B=50 jobs=2 chain=\(chain)") {
      (benchmark: Benchmark, models: [ServiceModeModel]) in
      let solver = try ServiceModeSolver(criterion: criterion)
      for _ in benchmark.scaledIterations {
        blackHole(
          try PolicyComparison.sweep(
            models, solver: solver, threads: 2, criteria: [criterion], warmStartChain: chain))
      }
    } setup: {
      try (1...19).map { step in
        try ServiceModeModel(
          parameters: ServiceModeParameters(
            load: 0.05 * Double(step), cloudSpeedup: 5, localFraction: 0.6),
          bufferLimit: 50)
      }
    }
  }

  // Issue 13: the delay-optimal (average-cost) solve alone, as `offload modes bench
  // --criterion average`: policy iteration with a sparse LU per policy, certified bracket
  // 1e-9 relative (docs/average-cost.md §2), configuration (a) at rho = 0.95, the peer
  // table's load (Benchmarks/peers/average.py).
  for bufferLimit in [50, 100, 200] {
    Benchmark(
      "ServiceModes.solve average rho=0.95 B=\(bufferLimit)",
      configuration: .init(maxIterations: bufferLimit >= 200 ? 2 : 10)
    ) { benchmark, model in
      let solver = try ServiceModeSolver(criterion: .average)
      for _ in benchmark.scaledIterations {
        blackHole(solver.solve(model))
      }
    } setup: {
      try configurationA(bufferLimit: bufferLimit, load: 0.95)
    }
  }

  // Issue 13's wall-clock goal for `offload modes delay --buffer 200 --load 0.9` on two
  // threads: both optimal solves and four exact delays, goal 5 s.
  Benchmark(
    "ServiceModes.delay all policies rho=0.9 B=200 jobs=2",
    configuration: .init(maxDuration: .seconds(60), maxIterations: 2)
  ) { (benchmark: Benchmark, model: ServiceModeModel) in
    let solver = try ServiceModeSolver()
    for _ in benchmark.scaledIterations {
      blackHole(try PolicyComparison.evaluate(model, solver: solver, threads: 2))
    }
  } setup: {
    try configurationA(bufferLimit: 200, load: 0.9)
  }
}

/// Configuration (a) of spec S9 (placeholder values) truncated at B = B2 = `bufferLimit`,
/// at its own load (0.5) or `load`.
private func configurationA(bufferLimit: Int, load: Double? = nil) throws -> ServiceModeModel {
  var parameters = PaperConfiguration.a.parameters
  if let load {
    parameters = try ServiceModeParameters(
      load: load, cloudSpeedup: parameters.cloudSpeedup, localFraction: parameters.localFraction)
  }
  return try ServiceModeModel(parameters: parameters, bufferLimit: bufferLimit)
}

/// `configurationA(bufferLimit:)` with its Non-Idling policy (spec S6).
private func nonIdlingInConfigurationA(bufferLimit: Int) throws -> (
  model: ServiceModeModel, policy: ServiceModePolicy
) {
  let model = try configurationA(bufferLimit: bufferLimit)
  return (model, .nonIdling(model.stateSpace))
}
