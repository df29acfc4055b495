// Collaborative-inference benchmarks (docs/collaborative-inference.md §5, spec G14): the
// event-calendar simulation (the CLI's default engine) of the paper instance at 1 000 and
// 10 000 users over 100 000 steps (28 h, uniform scheduler, 10x server), the exact build +
// stationary law of T1 under the uniform
// scheduler, and the Def. 3.1 MDP of M1 (build + average-cost policy iteration to a
// bracket 1e-10 wide, no heuristic chains). Each run is long: keep the sample counts at 1-3.
// Run: `cd Benchmarks && swift package benchmark --target InferenceBenchmarks --no-progress`.
import Benchmark
import OffloadLab

let benchmarks: @Sendable () -> Void = {
  for users in [1_000, 10_000] {
    Benchmark(
      "Inference.simulate calendar paper N=\(users) 100000 steps uniform",
      configuration: .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident], timeUnits: .milliseconds,
        warmupIterations: 0, maxDuration: .seconds(600), maxIterations: 1)
    ) { benchmark, input in
      for _ in benchmark.scaledIterations {
        blackHole(EventCalendarSimulation.run(input.0, policy: .uniform, settings: input.1))
      }
    } setup: {
      (
        try InferenceInstance.paper.parameters(users: users, serverMultiple: 10),
        try InferenceSimulationSettings(steps: 100_000, warmup: 3_600, seed: 1, batches: 10)
      )
    }
  }

  Benchmark(
    "Inference.exact T1 uniform (15730 states)",
    configuration: .init(
      metrics: [.wallClock, .cpuTotal, .peakMemoryResident], timeUnits: .milliseconds,
      warmupIterations: 0, maxDuration: .seconds(300), maxIterations: 3)
  ) { benchmark, parameters in
    for _ in benchmark.scaledIterations {
      blackHole(try? ExactAnalysis.performance(parameters, policy: .uniform))
    }
  } setup: {
    try InferenceInstance.t1.parameters()
  }

  Benchmark(
    "Inference.optimal M1 (Def. 3.1 MDP + policy iteration)",
    configuration: .init(
      metrics: [.wallClock, .cpuTotal, .peakMemoryResident], timeUnits: .milliseconds,
      warmupIterations: 0, maxDuration: .seconds(600), maxIterations: 1)
  ) { benchmark, parameters in
    for _ in benchmark.scaledIterations {
      blackHole(try? OptimalScheduler.solve(parameters, heuristics: []))
    }
  } setup: {
    try InferenceInstance.m1.parameters()
  }
}
