import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Warm starts along sweep chains (§S9 Fig. 5)")
struct WarmStartTests {
  /// A Fig. 5-like sweep: configuration (a)'s K and f at `loads`, B = B2 = `bufferLimit`.
  static func fig5Models(bufferLimit: Int, loads: StrideThrough<Double>) throws
    -> [ServiceModeModel]
  {
    let (_, cloudSpeedup, localFraction) = PaperConfiguration.a.values
    return try loads.map {
      try ServiceModeModel(
        parameters: ServiceModeParameters(
          load: $0, cloudSpeedup: cloudSpeedup, localFraction: localFraction),
        bufferLimit: bufferLimit)
    }
  }

  @Test(arguments: OptimalityCriterion.allCases)
  func warmStartedSolvesMatchColdSolves(criterion: OptimalityCriterion) throws {
    let models = try Self.fig5Models(
      bufferLimit: 10, loads: stride(from: 0.3, through: 0.9, by: 0.1))
    let solver = try ServiceModeSolver(criterion: criterion)
    // A chain as the sweep runs it: each solve starts from the previous warm solution.
    var warm = solver.solve(models[0])
    for model in models.dropFirst() {
      warm = solver.solve(model, from: warm.values)
      let cold = solver.solve(model)
      #expect(warm.converged && cold.converged)
      #expect(warm.policy == cold.policy, "load \(model.parameters.load)")
      switch criterion {
      case .discounted:
        // Both values are certified within their bounds of V*.
        let roundOff = 1e-12 * (cold.values.map(abs).max() ?? 1)
        #expect(
          maxAbsDifference(warm.values, cold.values)
            <= warm.errorBound + cold.errorBound + roundOff)
      case .average:
        // Both Odoni brackets contain g*, so they overlap.
        let (w, c) = (try #require(warm.gainBounds), try #require(cold.gainBounds))
        #expect(w.overlaps(c), "load \(model.parameters.load)")
      }
    }
  }

  @Test func warmStartedSweepMatchesFromScratchEvaluation() throws {
    let models = try Self.fig5Models(
      bufferLimit: 10, loads: stride(from: 0.1, through: 0.9, by: 0.1))
    let sweep = try PolicyComparison.sweep(
      models, solver: .default, threads: 2, warmStartChain: 4)
    for (model, rows) in zip(models, sweep) {
      let scratch = try PolicyComparison.evaluate(model, solver: .default)
      #expect(rows.map(\.name) == scratch.map(\.name))
      // The same policies, hence the same chains and bitwise the same figures.
      #expect(rows.map(\.figures) == scratch.map(\.figures), "load \(model.parameters.load)")
      #expect(rows.allSatisfy { $0.converged })
    }
  }

  /// Whether two sweeps have the same figures and solver iterations, row by row.
  private func same(_ a: [[PolicyDelay]], _ b: [[PolicyDelay]]) -> Bool {
    a.map { $0.map(\.figures) } == b.map { $0.map(\.figures) }
      && a.map { $0.map(\.solverIterations) } == b.map { $0.map(\.solverIterations) }
  }

  @Test func resultsDoNotDependOnThreadsOrShards() throws {
    let models = try Self.fig5Models(
      bufferLimit: 8, loads: stride(from: 0.1, through: 0.9, by: 0.1))
    let chainLength = 2
    let full = try PolicyComparison.sweep(
      models, solver: .default, threads: 1, warmStartChain: chainLength)
    let parallel = try PolicyComparison.sweep(
      models, solver: .default, threads: 2, warmStartChain: chainLength)
    #expect(same(full, parallel))
    for shards in [2, 3] {
      var joined = [[PolicyDelay]?](repeating: nil, count: models.count)
      for shard in 0..<shards {
        let positions = PolicyComparison.shardPositions(
          count: models.count, chainLength: chainLength, shard: shard, of: shards)
        // The rule: position k is in chain k / L, which goes to shard (k / L) mod n.
        #expect(positions.allSatisfy { ($0 / chainLength) % shards == shard })
        let rows = try PolicyComparison.sweep(
          positions.map { models[$0] }, solver: .default, threads: 2,
          warmStartChain: chainLength)
        for (position, row) in zip(positions, rows) {
          #expect(joined[position] == nil, "position \(position) in two shards")
          joined[position] = row
        }
      }
      #expect(same(joined.compactMap { $0 }, full), "\(shards) shards")
    }
  }

  @Test(arguments: OptimalityCriterion.allCases)
  func warmStartsSaveSolverIterations(criterion: OptimalityCriterion) throws {
    let models = try Self.fig5Models(
      bufferLimit: 12, loads: stride(from: 0.05, through: 0.95, by: 0.05))
    let chainLength = 4
    let sweep = try PolicyComparison.sweep(
      models, solver: .default, threads: 2, criteria: [criterion], warmStartChain: chainLength)
    let scratch = try models.map {
      try PolicyComparison.evaluate($0, solver: .default, criteria: [criterion])
    }
    let iterations = { (rows: [[PolicyDelay]]) in rows.map { $0[0].solverIterations ?? 0 } }
    let (warm, cold) = (iterations(sweep), iterations(scratch))
    // A chain's first value starts from zero, as a from-scratch solve.
    for position in stride(from: 0, to: models.count, by: chainLength) {
      #expect(warm[position] == cold[position], "position \(position)")
    }
    switch criterion {
    case .discounted:
      #expect(warm.reduce(0, +) < cold.reduce(0, +), "warm \(warm), from scratch \(cold)")
    case .average:
      // Policy iteration starts every value from the discounted-optimal policy: the warm
      // start is not used, so the iterations are the from-scratch ones.
      #expect(warm == cold)
    }
  }
}
