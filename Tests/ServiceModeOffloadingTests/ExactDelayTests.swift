import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Exact delay against an independent chain and a job-level simulation (spec S7)")
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
