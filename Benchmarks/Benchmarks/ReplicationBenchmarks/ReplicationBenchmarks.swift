// Task replication benchmarks: PJF under each assignment rule and the minimal replication
// factor, on pools of 1e5, 1e6 and 1e7 devices. Pools are Example 2's mix of classes
// (spec replication.md §6) scaled to N devices, drawn once from a fixed seed in `setup`,
// outside the measurement.
import Benchmark
import OffloadLab

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    timeUnits: .milliseconds,
    maxDuration: .seconds(2),
    maxIterations: 1000
  )

  let sizes = [("1e5", 100_000), ("1e6", 1_000_000), ("1e7", 10_000_000)]

  // PJF of m = N/2 tasks on all N devices (r = 2), one rule per benchmark: one call of
  // ReplicationProblem.jointFailure, which lists the devices in descending order and
  // applies the rule (O(N) for the paper's rule and outer-in, O(N log m) for LPT).
  for (label, n) in sizes {
    for rule in AssignmentRule.allCases {
      Benchmark("Replication.PJF \(rule) N=\(label)") { benchmark, problem in
        for _ in benchmark.scaledIterations {
          do {
            blackHole(try problem.jointFailure(copyCount: n, rule: rule))
          } catch {
            benchmark.error("PJF failed: \(error)")
          }
        }
      } setup: {
        try examplePool(deviceCount: n, taskCount: n / 2)
      }
    }
  }

  // Minimal replication for delta = 1 % with m = N/5 tasks on N devices, paper's rule:
  // bisection over M plus the final local scan (about log2(N) + 256 PJF evaluations).
  for (label, n) in sizes {
    Benchmark("Replication.min-r paper N=\(label)") { benchmark, problem in
      for _ in benchmark.scaledIterations {
        do {
          blackHole(try problem.minimalReplication(targetFailureProbability: 0.01))
        } catch {
          benchmark.error("min-r failed: \(error)")
        }
      }
    } setup: {
      try examplePool(deviceCount: n, taskCount: n / 5)
    }
  }
}

/// Example 2's classes in its proportions (7 % at 4 %, 68 % at 0.1 %, 16 % at 0.005 %,
/// 9 % at 30 % +- 13.4 %), `deviceCount` devices in all.
private func examplePool(deviceCount n: Int, taskCount: Int) throws -> ReplicationProblem {
  let classes = try [
    DeviceClass(count: n * 7 / 100, distribution: FaultDistribution(mean: 0.04)),
    DeviceClass(count: n * 68 / 100, distribution: FaultDistribution(mean: 0.001)),
    DeviceClass(count: n * 16 / 100, distribution: FaultDistribution(mean: 0.00005)),
    DeviceClass(
      count: n * 9 / 100, distribution: FaultDistribution(mean: 0.30, standardDeviation: 0.134)),
  ]
  return try ReplicationProblem(
    pool: try DevicePool(classes: classes, seed: 1), taskCount: taskCount)
}
