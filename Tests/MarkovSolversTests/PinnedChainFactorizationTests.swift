import LinearKernels
import MarkovSolvers
import PropertyBased
import TestSupport
import Testing

@Suite("Pinned chain factorisation: stationary law and policy evaluation from one sparse LU")
struct PinnedChainFactorizationTests {
  /// P = [[0.7, 0.3], [0.1, 0.9]], c = (1, 5). By hand: π = (b, a)/(a + b) = (1/4, 3/4),
  /// g = π c = 4; pinned at 0, row 1 reads 0.1 h(1) + g = 5, so h(1) = 10; pinned at 1,
  /// row 0 reads 0.3 h(0) + g = 1, so h(0) = −10 (the same h up to a constant).
  @Test(arguments: [0, 1])
  func twoStateChainByHand(reference: Int) throws {
    let p = CSRMatrix(
      rowCount: 2, columnCount: 2, rowStart: [0, 2, 4], columnIndex: [0, 1, 0, 1],
      values: [0.7, 0.3, 0.1, 0.9])
    let pinned = try PinnedChainFactorization(p, reference: reference)
    let (pi, residual) = try pinned.stationaryDistribution()
    #expect(maxAbsDifference(pi, [0.25, 0.75]) <= 1e-15 && residual <= 1e-15)
    let evaluation = try pinned.evaluate(costs: [1, 5])
    #expect(abs(evaluation.gain - 4) <= 1e-14)
    #expect(maxAbsDifference(evaluation.bias, reference == 0 ? [0, 10] : [-10, 0]) <= 1e-13)
    #expect(evaluation.residual <= 1e-14)
  }

  /// State 0 is transient (0 → 1 → 2, 2 → 1 or 2 with probability 1/2 each), costs
  /// (4, 1, 3). By hand: π = (0, 1/3, 2/3), g = 7/3; with h(1) = 0, row 1 gives
  /// h(2) = g − 1 = 4/3 and row 0 gives h(0) = 4 − g + h(1) = 5/3. Pinned at the recurrent
  /// state 1; the transient state 0 cannot be pinned (Ã singular).
  @Test func transientStatesGetZeroProbability() throws {
    let p = CSRMatrix(
      rowCount: 3, columnCount: 3, rowStart: [0, 1, 2, 4], columnIndex: [1, 2, 1, 2],
      values: [1, 1, 0.5, 0.5])
    let pinned = try PinnedChainFactorization(p, reference: 1)
    let (pi, _) = try pinned.stationaryDistribution()
    #expect(maxAbsDifference(pi, [0, 1.0 / 3, 2.0 / 3]) <= 1e-15)
    let evaluation = try pinned.evaluate(costs: [4, 1, 3])
    #expect(abs(evaluation.gain - 7.0 / 3) <= 1e-14)
    #expect(maxAbsDifference(evaluation.bias, [5.0 / 3, 0, 4.0 / 3]) <= 1e-14)
    #expect(throws: SparseLUError.singular(dimension: 3)) {
      try PinnedChainFactorization(p, reference: 0)
    }
  }

  /// Random chains whose rows all reach state 0, pinned at a random state: the stationary
  /// law equals GTH's (dense, subtraction-free), and (h, g) solve the bordered system as
  /// LAPACK's dense LU does (two independent methods).
  @Test func randomChainsMatchDenseMethods() async {
    await propertyCheck(count: 40, input: Gen.int(in: 1...40), Gen.uint64()) { n, seed in
      var rng = SeededGenerator(seed: seed)
      var builder = COOBuilder(rowCount: n, columnCount: n)
      for row in 0..<n {
        for (state, probability) in randomTransitions(
          stateCount: n, successors: rng.integer(1...min(4, n)), including: 0, using: &rng)
        {
          builder.append(row: row, column: state, value: probability)
        }
      }
      let p = builder.build()
      let chain = try DiscreteTimeMarkovChain(transitions: p)
      // State 0 is reached from every state: one recurrent class, where GTH is positive.
      let gth = try chain.stationaryDistribution(method: .gth).probabilities
      let recurrent = gth.indices.filter { gth[$0] > 0 }
      let reference = recurrent[rng.integer(0...(recurrent.count - 1))]
      let pinned = try PinnedChainFactorization(p, reference: reference)
      let (pi, residual) = try pinned.stationaryDistribution()
      #expect(maxAbsDifference(pi, gth) <= 1e-13 && residual <= 1e-13)
      let costs = (0..<n).map { _ in rng.uniform(0...10) }
      let evaluation = try pinned.evaluate(costs: costs)
      // Dense bordered system: (I − P) with column `reference` replaced by ones.
      var dense = Matrix(rowCount: n, columnCount: n)
      for i in 0..<n {
        dense[i, i] = 1
        for k in p.rowStart[i]..<p.rowStart[i + 1] {
          dense[i, Int(p.columnIndex[k])] -= p.values[k]
        }
        dense[i, reference] = 1
      }
      var expected = try LAPACK.solve(dense, costs)
      let gain = expected[reference]
      expected[reference] = 0
      #expect(abs(evaluation.gain - gain) <= 1e-10 * max(1, abs(gain)))
      let scale = max(1, expected.reduce(0) { max($0, abs($1)) })
      #expect(maxAbsDifference(evaluation.bias, expected) <= 1e-10 * scale)
      #expect(abs(gain - zip(gth, costs).reduce(0) { $0 + $1.0 * $1.1 }) <= 1e-10 * max(1, gain))
    }
  }

  /// A chain that differs from the factored one in one row is evaluated by GMRES on the
  /// old factors to the direct evaluation's answer (its own factorisation); a tolerance
  /// out of reach in one step gives nil, so the caller factors instead.
  @Test func nearbyChainByGMRES() throws {
    let n = 50
    func ring(_ changed: Bool) -> CSRMatrix {
      var builder = COOBuilder(rowCount: n, columnCount: n)
      for state in 0..<n {
        let stay = changed && state == 7 ? 0.1 : 0.5
        builder.append(row: state, column: state, value: stay)
        builder.append(row: state, column: (state + 1) % n, value: 1 - stay)
      }
      return builder.build()
    }
    let costs = (0..<n).map { Double($0 % 7) }
    let old = try PinnedChainFactorization(ring(false), reference: 0)
    let direct = try PinnedChainFactorization(ring(true), reference: 0).evaluate(costs: costs)
    let nearby = try #require(
      old.evaluate(costs: costs, nearby: ring(true), tolerance: 1e-11, maxSteps: 5))
    #expect(nearby.residual <= 1e-11)
    #expect(abs(nearby.gain - direct.gain) <= 1e-11)
    #expect(maxAbsDifference(nearby.bias, direct.bias) <= 1e-9)
    #expect(old.evaluate(costs: costs, nearby: ring(true), tolerance: 1e-300, maxSteps: 1) == nil)
  }
}
