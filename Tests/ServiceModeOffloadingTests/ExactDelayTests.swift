import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Exact delay against an independent chain and a job-level simulation (§S7)")
struct ExactDelayTests {
  /// The policies checked: optimal, the two baselines and a threshold policy.
  private func policies(_ model: ServiceModeModel) throws -> [(String, ServiceModePolicy)] {
    let space = model.stateSpace
    let thresholds = try ServiceModeThresholds(
      extending: [3, 2], cloudIdle: [4, 2], cloudBufferLimit: space.cloudBufferLimit)
    return [
      ("optimal", ServiceModeSolver.default.solve(model).policy),
      ("non-idling", .nonIdling(space)), ("offload-only", .offloadOnly(space)),
      ("threshold", .thresholdPolicy(thresholds, in: space)),
    ]
  }

  @Test(arguments: [PaperConfiguration.a, .b, .c])
  func exactFiguresMatchANaiveDenseChain(configuration: PaperConfiguration) throws {
    let model = try ServiceModeModel(
      parameters: configuration.parameters, bufferLimit: 9, cloudBufferLimit: 7)
    for (name, policy) in try policies(model) {
      let exact = try model.delay(of: policy)
      let naive = try naiveStationaryFigures(policy, model.parameters)
      #expect(exact.reachableStates == naive.states, "\(name)")
      #expect(isClose(exact.meanJobs, naive.meanJobs, relative: 1e-10), "\(name)")
      #expect(isClose(exact.meanDelay, naive.meanDelay, relative: 1e-10), "\(name)")
      #expect(isClose(exact.blockingProbability, naive.blocking, relative: 1e-9), "\(name)")
      #expect(isClose(exact.sm2Share, naive.sm2Share, absolute: 1e-12, relative: 1e-10), "\(name)")
    }
  }

  /// The error bounds of the sparse-LU figures hold against GTH (dense, subtraction-free:
  /// an independent method accurate to a few ulps), at a high load where the chain is
  /// nearly decomposable, and they are small.
  @Test(arguments: [0.6, 0.95])
  func errorBoundsHoldAgainstGTH(load: Double) throws {
    let model = try ServiceModeModel(
      parameters: ServiceModeParameters(load: load, cloudSpeedup: 5, localFraction: 0.6),
      bufferLimit: 14)
    for (name, policy) in try policies(model) {
      let lu = try model.delay(of: policy)
      let gth = try model.delay(of: policy, method: .gth)
      let bounds = try #require(lu.errorBounds, "\(name)")
      #expect(gth.errorBounds == nil)
      // GTH's own error: a few ulps of each figure.
      let slack = 64 * Double.ulpOfOne
      #expect(abs(lu.meanJobs - gth.meanJobs) <= bounds.meanJobs + slack * gth.meanJobs, "\(name)")
      #expect(
        abs(lu.blockingProbability - gth.blockingProbability)
          <= bounds.blockingProbability + slack * gth.blockingProbability, "\(name)")
      let delayBound = bounds.meanDelay
      #expect(abs(lu.meanDelay - gth.meanDelay) <= delayBound + slack * gth.meanDelay, "\(name)")
      #expect(bounds.meanJobs <= 1e-10 * max(1, lu.meanJobs) && delayBound <= 1e-10 * lu.meanDelay)
    }
  }

  @Test func exactDelayLiesInsideTheSimulationConfidenceInterval() throws {
    // (b) at B = 8, B2 = 6: rho = 0.8, so arrivals are lost and SM2 completions blocked
    // often enough to exercise the truncation.
    let model = try ServiceModeModel(
      parameters: PaperConfiguration.b.parameters, bufferLimit: 8, cloudBufferLimit: 6)
    for (offset, (name, policy)) in try policies(model).enumerated() {
      let exact = try model.delay(of: policy)
      let simulation = JobLevelSimulation(parameters: model.parameters, policy: policy)
      let runs = (0..<4).map {
        simulation.run(seed: UInt64(1000 * offset + $0 + 1), departures: 80_000)
      }
      let interval = confidenceInterval95(runs.flatMap(\.batchMeans))
      #expect(interval.contains(exact.meanDelay), "\(name): \(exact.meanDelay) outside \(interval)")
      // Arrivals see time averages: the lost fraction estimates P_block (binomial error).
      let arrivals = Double(runs.map(\.arrivals).reduce(0, +))
      let lostFraction = Double(runs.map(\.lost).reduce(0, +)) / arrivals
      let standardError = (exact.blockingProbability * (1 - exact.blockingProbability) / arrivals)
        .squareRoot()
      #expect(abs(lostFraction - exact.blockingProbability) <= 4 * standardError + 1e-4, "\(name)")
    }
  }
}

@Suite("Exact delay of policies that admit no job in the long run (§S7.1)")
struct NoAdmittedJobTests {
  /// A policy that never assigns: by hand, from the empty state the base queue fills to B
  /// and stays there (the recurrent class is the single state (B,0,0,0)), so L = B,
  /// P_block = 1, λ_eff = 0 and the B queued jobs never leave: T = +∞. No job is admitted,
  /// so no job is served in either mode: both shares are 0 (not 0/0). The figures must say
  /// so instead of returning ∞ and NaN silently.
  @Test func alwaysIdlePolicyIsReportedWithAWarning() throws {
    let model = try ServiceModeModel(
      parameters: PaperConfiguration.a.parameters, bufferLimit: 3, cloudBufferLimit: 2)
    let idle = ServiceModePolicy(stateSpace: model.stateSpace) { _ in .idle }
    let figures = try model.delay(of: idle)
    #expect(figures.reachableStates == 4)
    #expect(figures.meanJobs == 3)
    #expect(figures.blockingProbability == 1)
    #expect(figures.effectiveArrivalRate == 0)
    #expect(figures.meanDelay == .infinity)
    #expect(figures.sm1Share == 0 && figures.sm2Share == 0)
    #expect(figures.warnings.map(\.assumption) == ["jobs admitted in the long run"])
  }

  /// Overload with a tiny buffer (λ = 1.35 above the maximal throughput 5/9, B = 2): the
  /// discounted-optimal policy of the truncated model idles with a full base buffer, which
  /// turns every arrival away (the truncation artefact of docs/service-modes.md §S2.3). Its figures
  /// carry the warning and no NaN; policies that do serve carry none.
  @Test func overloadedOptimalPolicyThatIdlesIsFlagged() throws {
    let parameters = try ServiceModeParameters(load: 0.9, cloudSpeedup: 0.5, localFraction: 0.1)
    let model = try ServiceModeModel(parameters: parameters, bufferLimit: 2, cloudBufferLimit: 1)
    for row in try PolicyComparison.evaluate(model, solver: .default) {
      let f = row.figures
      #expect(!f.sm1Share.isNaN && !f.sm2Share.isNaN && !f.meanDelay.isNaN, "\(row.name)")
      #expect(f.meanDelay.isFinite == f.warnings.isEmpty, "\(row.name)")
    }
  }
}
