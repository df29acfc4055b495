import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Policy comparison and parallel sweep")
struct PolicyComparisonTests {
  @Test func sweepDoesNotDependOnTheThreadCount() throws {
    let models = try [0.3, 0.6, 0.9].map {
      try ServiceModeModel(
        parameters: ServiceModeParameters(load: $0, cloudSpeedup: 5, localFraction: 0.6),
        bufferLimit: 8)
    }
    let serial = try PolicyComparison.sweep(models, solver: .default, threads: 1)
    let parallel = try PolicyComparison.sweep(models, solver: .default, threads: 3)
    #expect(serial.map { $0.map(\.figures) } == parallel.map { $0.map(\.figures) })
    #expect(serial[0].map(\.name) == ["optimal", "optimal-average", "offload-only", "non-idling"])
    // Row by row the same as evaluating each model alone, with its rows in parallel or not.
    for (model, rows) in zip(models, parallel) {
      for threads in [1, 4] {
        let alone = try PolicyComparison.evaluate(model, solver: .default, threads: threads)
        #expect(alone.map(\.figures) == rows.map(\.figures))
        #expect(alone.map(\.name) == rows.map(\.name))
      }
    }
  }

  @Test func averageOptimalHasTheFewestJobs() throws {
    // The average-optimal policy minimises L over all policies of the truncated model,
    // so no other row can have fewer jobs (up to the solver tolerance).
    let model = try ServiceModeModel(parameters: PaperConfiguration.b.parameters, bufferLimit: 12)
    let thresholds = try ServiceModeThresholds(extending: [2], cloudIdle: [2], cloudBufferLimit: 12)
    let rows = try PolicyComparison.evaluate(
      model, solver: .default,
      extra: [("threshold", .thresholdPolicy(thresholds, in: model.stateSpace))])
    #expect(rows.map(\.name).last == "threshold")
    let best = try #require(rows.first { $0.name == "optimal-average" }).figures.meanJobs
    for row in rows { #expect(best <= row.figures.meanJobs + 1e-9, "\(row.name)") }
    #expect(rows.allSatisfy { $0.converged })
  }
}
