import GenerativeMarkov
import MarkovSolvers
import TestSupport
import Testing

@testable import CollaborativeInference

@Suite struct SizingTests {
  /// Student t quantiles against published table values (Abramowitz & Stegun, Table 26.10).
  @Test(arguments: [
    (1, 0.025, 12.706205), (9, 0.025, 2.262157), (49, 0.025, 2.009575),
    (4, 0.0005, 8.610302), (7, 0.005, 3.499483),
  ])
  func studentQuantilesMatchTables(degrees: Int, tail: Double, expected: Double) {
    #expect(abs(StudentT.quantile(upperTail: tail, degrees: degrees) - expected) < 1e-5)
  }

  /// The exact Def. 3.2 grid (G10.2) picks the cheapest point whose exact success meets the
  /// target; recomputed here from `ExactAnalysis` point by point.
  @Test func exactGridPicksTheCheapestFeasiblePoint() throws {
    let parameters = try InferenceInstance.t1.parameters()
    let sized = try ServerSizing.exactGrid(
      parameters, policy: .centralized, cpuGrid: [0.5, 1], memoryGrid: [1, 2],
      thresholds: [4], violationLevels: [0.45])
    var cheapest: (Double, Double, Double)?
    for point in sized.points {
      var candidate = parameters
      candidate.serverCpu = point.cpu
      candidate.serverMemory = point.memory
      let exact = try ExactAnalysis.performance(candidate, policy: .centralized)
      let success = try #require(exact.success(type: 0, threshold: 4))
      #expect(point.success[0] == success)
      if success >= 0.55, cheapest.map({ point.cost < $0.0 }) ?? true {
        cheapest = (point.cost, point.cpu, point.memory)
      }
    }
    #expect(sized.optimum?.cpu == cheapest?.1 && sized.optimum?.memory == cheapest?.2)
  }

  /// The simulated search of G10.3 (event-calendar runs as replications) finds the same
  /// minimal capacity as the exact success fractions of each grid point, with the target
  /// set midway between two grid points' exact values.
  @Test func sequentialSearchAgreesWithTheExactGrid() throws {
    let base = try InferenceInstance.t1.parameters()
    let grid = [1.0, 2, 3, 4]
    func scaled(_ m: Double) -> InferenceParameters {
      var parameters = base
      parameters.serverCpu = 0.5 * m
      parameters.serverMemory = m
      return parameters
    }
    let exact = try grid.map { m in
      try #require(
        try ExactAnalysis.performance(scaled(m), policy: .centralized)
          .success(type: 0, threshold: 3))
    }
    // Monotone here; the largest jump separates the feasible from the infeasible points.
    #expect(zip(exact, exact.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 })
    let jumps = zip(exact, exact.dropFirst()).map { $1 - $0 }
    let cut = try #require(jumps.indices.max { jumps[$0] < jumps[$1] })
    let target = (exact[cut] + exact[cut + 1]) / 2
    let result = try ServerSizing.sequentialSearch(
      grid: grid, typeCount: 1, violationLevels: [1 - target], looks: [4, 8]
    ) { m, replication in
      let settings = try? InferenceSimulationSettings(
        steps: 4_000, warmup: 200, seed: UInt64(1000 * m) + UInt64(replication), batches: 2)
      guard let settings else { return [nil] }
      return [
        EventCalendarSimulation.run(scaled(m), policy: .centralized, settings: settings)
          .success(type: 0, threshold: 3)
      ]
    }
    #expect(result.minimalCapacity == grid[cut + 1])
    #expect(result.monotonicityViolations.isEmpty)
    #expect(result.looks.first?.capacity == 4)
  }

  @Test func sequentialSearchRejectsBadInput() {
    #expect(throws: ParameterError.self) {
      try ServerSizing.sequentialSearch(grid: [2, 1], typeCount: 1, violationLevels: [0.1]) {
        _, _ in [nil]
      }
    }
    #expect(throws: ParameterError.self) {
      try ServerSizing.sequentialSearch(
        grid: [1], typeCount: 1, violationLevels: [0.1], looks: [1]
      ) { _, _ in [nil] }
    }
  }
}
