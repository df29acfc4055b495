// Markov-machine scheduling benchmarks (spec markov-machine.md): the closed forms of
// Theorems 1-4 against the exact evaluation of the same policy (A5 vs A6), the subset
// optimisation of problems (12)/(16) (A8) and the optimal-policy MDP at N = 2 (A10).
// Parameters are the paper's Fig. 4 setting at q = 0.5 (A11): s = 0.5, L = 5.
import Benchmark
import OffloadLab

let benchmarks: @Sendable () -> Void = {
  for rule in SchedulingRule.allCases {
    // One policy of each rule on all N = 4 users, μ = 0.8 (φ1 with the uniform schedule):
    // the closed forms, then the exact phase chains truncated where the age error is
    // <= 1e-12 (A6.1, A6.3).
    let name = rule.rawValue
    evaluationBenchmark("Machine.closed form \(name) N=4", rule: rule, .nanoseconds) {
      ClosedForms.performance($0.parameters, subset: $0.subset, policy: $0.policy)
    }
    evaluationBenchmark("Machine.exact evaluation \(name) N=4", rule: rule, .microseconds) {
      ExactEvaluation.evaluate($0.parameters, subset: $0.subset, policy: $0.policy)
    }

    // The whole table: problem (12) or (16) on each of the 15 subsets ((12): seeded
    // Nelder-Mead multistart; (16): grid + Brent on μ alone).
    let units: BenchmarkTimeUnits = rule == .randomized ? .milliseconds : .microseconds
    Benchmark(
      "Machine.table \(name) N=4", configuration: configuration(units, samples: 20)
    ) { benchmark, parameters in
      let optimizer = SubsetOptimizer()
      for _ in benchmark.scaledIterations {
        blackHole(optimizer.table(parameters, rule: rule))
      }
    } setup: {
      try figure4Parameters()
    }
  }

  // The A10 MDP, N = 2, q_i = (0.4, 0.9): best φ1 and max-age pairs evaluated in the
  // MDP, then the optimal policy by relative value iteration (`analyze`). Age caps as
  // chosen automatically by `offload machine optimal` (33 at q = 0.5, 54 at q = 0.3).
  for (flip, ageCap) in [(0.5, 33), (0.3, 54)] {
    Benchmark(
      "Machine.optimal MDP N=2 q=\(flip)", configuration: configuration(.milliseconds, samples: 10)
    ) { benchmark, model in
      for _ in benchmark.scaledIterations {
        blackHole(model.analyze())
      }
    } setup: {
      try optimalModel(flipProbability: flip, ageCap: ageCap)
    }
  }
}

/// Wall clock, throughput and malloc count, at most `samples` samples in 2 s.
private func configuration(_ units: BenchmarkTimeUnits, samples: Int) -> Benchmark.Configuration {
  .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: units,
    maxDuration: .seconds(2), maxIterations: samples)
}

/// A benchmark of `evaluate` on `policyOnAllUsers(rule)`.
private func evaluationBenchmark<Result>(
  _ name: String, rule: SchedulingRule, _ units: BenchmarkTimeUnits,
  _ evaluate: @escaping @Sendable (PolicyOnAllUsers) -> Result
) {
  Benchmark(name, configuration: configuration(units, samples: 10_000)) {
    benchmark, input in
    for _ in benchmark.scaledIterations {
      blackHole(evaluate(input))
    }
  } setup: {
    try policyOnAllUsers(rule)
  }
}

/// N = 4, q = 0.5, s = 0.5, q_i = (0.1, 0.4, 0.6, 0.9), L = 5 (Fig. 4, low arrivals).
private func figure4Parameters() throws -> MachineParameters {
  try MachineParameters(
    flipProbability: 0.5, busyAfterCompletionProbability: 0.5,
    serviceProbabilities: [0.1, 0.4, 0.6, 0.9], arrivalProbabilities: [0.01, 0.02, 0.05, 0.06],
    samplingCost: 5)
}

private typealias PolicyOnAllUsers = (
  parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy
)

/// A policy of `rule` with μ = 0.8 on all users of `figure4Parameters()`.
private func policyOnAllUsers(_ rule: SchedulingRule) throws -> PolicyOnAllUsers {
  let parameters = try figure4Parameters()
  let subset = parameters.allUsers
  let policy: SubsetPolicy =
    switch rule {
    case .randomized:
      try .randomized(
        samplingProbability: 0.8, schedule: SubsetPolicy.uniformSchedule(subset), subset: subset)
    case .maxAge: try .maxAge(samplingProbability: 0.8)
    }
  return (parameters, subset, policy)
}

/// The A10 MDP with N = 2, q_i = (0.4, 0.9), s = 0.5, L = 5.
private func optimalModel(flipProbability: Double, ageCap: Int) throws -> OptimalSchedulingModel {
  let parameters = try MachineParameters(
    flipProbability: flipProbability, busyAfterCompletionProbability: 0.5,
    serviceProbabilities: [0.4, 0.9], samplingCost: 5)
  return try OptimalSchedulingModel(parameters: parameters, ageCap: ageCap)
}
