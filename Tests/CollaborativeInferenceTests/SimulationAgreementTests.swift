import CollaborativeInference
import GenerativeMarkov
import MarkovSolvers
import TestSupport
import Testing

/// Spec G11: an independent seeded simulation against the exact stationary values, batch
/// means with 50 batches, every |t| below the family-wise 1 % Bonferroni critical value of
/// t_49.
@Suite struct SimulationAgreementTests {
  /// The per-step sampler and the event-calendar simulator (clocks by inverse transform,
  /// G1.6) against the exact chains of T1 (processor sharing at the server) and T4
  /// (server levels, executor aborts at the server).
  @Test(arguments: [(InferenceInstance.t1, false), (.t1, true), (.t4, true)])
  func simulationAgreesWithTheExactChain(instance: InferenceInstance, calendar: Bool) throws {
    let parameters = try instance.parameters()
    let exact = try ExactAnalysis.performance(parameters, policy: .centralized)
    let settings = try InferenceSimulationSettings(
      steps: calendar ? 120_000 : 60_000, warmup: 1_000, seed: 2026, batches: 50)
    let simulated =
      calendar
      ? EventCalendarSimulation.run(parameters, policy: .centralized, settings: settings)
      : InferenceSimulation.run(parameters, policy: .centralized, settings: settings)
    let pairs: [(String, Double, IntervalEstimate)] = [
      ("active requests", exact.activeRequests, simulated.activeRequests),
      ("start rate", exact.startRate, simulated.startRate),
      ("completion rate", exact.completionRate, simulated.completionRate),
      ("abandon rate", exact.abandonRate, simulated.abandonRate),
      ("drop rate", exact.dropRate, simulated.dropRate),
      ("server cpu", exact.serverCpuPercent, simulated.serverCpuPercent),
      ("server memory", exact.serverMemory, simulated.serverMemory),
      ("server assignments", exact.serverAssignmentRate, simulated.serverAssignmentRate),
      ("aborts", exact.abortRate, simulated.abortRate),
      ("mean latency", exact.latency.mean ?? 0, simulated.meanLatency ?? simulated.startRate),
    ]
    // Family-wise 1 %: two-sided per-check level 0.01 / pairs.count; the half-widths are
    // 95 % t_49 intervals, so |t| = |diff| / (halfWidth / t_{49,0.975}).
    let t975 = 2.009575
    let critical = 3.35  // t_49 upper 0.01/(2·10) quantile ≈ 3.31
    var squares = 0.0
    for (name, exactValue, estimate) in pairs {
      let standardError = estimate.halfWidth / t975
      let t = standardError > 0 ? (estimate.value - exactValue) / standardError : 0
      squares += t * t
      #expect(
        abs(t) < critical,
        "\(name): exact \(exactValue), simulated \(estimate.value) ± \(estimate.halfWidth)")
    }
    #expect((squares / Double(pairs.count)).squareRoot() <= 1.5 + 0.5)
  }

  @Test func simulationIsReproducible() throws {
    let parameters = try InferenceInstance.t1.parameters()
    let settings = try InferenceSimulationSettings(steps: 3_000, warmup: 100, seed: 5, batches: 10)
    let first = InferenceSimulation.run(parameters, policy: .uniform, settings: settings)
    let second = InferenceSimulation.run(parameters, policy: .uniform, settings: settings)
    #expect(first.latencyHistogramByType == second.latencyHistogramByType)
    #expect(first.serverCpuPercent == second.serverCpuPercent)
  }

  /// Every element factor of the instance draws from its own exact distribution
  /// (chi-square at false-alarm level 1e-3 per factor, fixed seeds), at states visited by
  /// a seeded uniform-policy trajectory of T2 (levels, pauses, age-dependent downloads).
  @Test func everyElementFactorSamplesItsDistribution() throws {
    let model = InferenceModel(parameters: try InferenceInstance.t2.parameters(), policy: .uniform)
    let streams = RandomStreams(seed: 99)
    var state = try InferenceInstance.t2.parameters().initialState
    var checked = 0
    for time in 0..<400 {
      if time % 40 == 39 {
        var partial = StepWork(state: state)
        let previous = partial
        for variable in model.factored.order {
          let factor = model.factored.factors[variable]
          for element in 0..<factor.elementCount {
            let factorElement = factor.element(element)
            let law = factorElement.distribution(previous: previous, next: partial)
            if law.count > 1 {
              var counts = [Int](repeating: 0, count: law.count)
              for draw in 0..<4_000 {
                let value = factorElement.sample(
                  previous: previous, next: partial,
                  using: streams.generator(kind: 77, element: UInt64(draw), counter: UInt64(time)))
                if let index = law.firstIndex(where: { $0.value == value }) { counts[index] += 1 }
              }
              #expect(
                counts.reduce(0, +) == 4_000, "a sample outside the support of \(factor.name)")
              let statistic = chiSquareStatistic(observed: counts, expected: law.map(\.probability))
              #expect(statistic < chiSquareCritical(degrees: law.count - 1, alpha: 1e-3))
              checked += 1
            }
            partial = factorElement.sample(
              previous: previous, next: partial,
              using: streams.generator(kind: 78, element: UInt64(variable), counter: UInt64(time)))
          }
        }
      }
      state = model.sampleStep(state, streams: streams, time: UInt64(time)).0
    }
    #expect(checked >= 10)
  }
}
