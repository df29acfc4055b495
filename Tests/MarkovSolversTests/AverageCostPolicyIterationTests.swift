import LinearKernels
import MarkovSolvers
import PropertyBased
import TestSupport
import Testing

@Suite("Average cost: policy iteration with a sparse LU and its Odoni certificate")
struct AverageCostPolicyIterationTests {
  /// `twoStateProcess` (AverageCostTests.swift): by hand, action 0 has gain 7 and action 1
  /// gain 8.25; under action 0 with h(0) = 0, h(0) = 2 − 7 + (h(0) + h(1))/2 gives
  /// h(1) = 10. Started from the worse action.
  @Test(arguments: [0, 2])
  func handExample(relaxationSweeps: Int) throws {
    let solution = AverageCostPolicyIteration(
      tolerance: .absolute(1e-12), relaxationSweeps: relaxationSweeps
    ).solve(try twoStateProcess(), initialPolicy: [1, 0])
    #expect(solution.status == .converged)
    #expect(solution.policy == [0, 0])
    #expect(solution.gainLowerBound <= 7 && 7 <= solution.gainUpperBound)
    #expect(solution.gainUpperBound - solution.gainLowerBound <= 1e-12)
    #expect(solution.bias[0] == 0 && abs(solution.bias[1] - 10) <= 1e-12)
    #expect(solution.iterations == 2)
  }

  /// A period-2 chain (0 → 1 → 0, costs 1 and 3): by hand g = 2, h(1) = 1 − 2 + ... so
  /// h(0) = 1 − 2 + h(1) gives h(1) = 1. Policy evaluation needs no aperiodicity transform
  /// (plain relative value iteration oscillates on this chain).
  @Test func periodicChainNeedsNoTransform() throws {
    let process = try DecisionProcess(stateCount: 2) { state in
      [Choice(cost: state == 0 ? 1 : 3, transitions: [(1 - state, 1)])]
    }
    let solution = AverageCostPolicyIteration(tolerance: .absolute(1e-13)).solve(process)
    #expect(solution.status == .converged && solution.iterations == 1)
    #expect(abs(solution.gain - 2) <= 1e-13)
    #expect(abs(solution.bias[1] - 1) <= 1e-15)
  }

  /// State 0 transient (0 → 1 → 2, 2 → 1 or 2 with probability 1/2 each), costs (4, 1, 3).
  /// By hand: g = 7/3; with h(0) = 0, row 0 gives h(1) = g − 4 = −5/3 and row 1 gives
  /// h(2) = h(1) + g − 1 = −1/3. The solver pins a recurrent state internally and still
  /// reports h(referenceState = 0) = 0.
  @Test func transientReferenceState() throws {
    let successors: [[(Int, Double)]] = [[(1, 1)], [(2, 1)], [(1, 0.5), (2, 0.5)]]
    let costs: [Double] = [4, 1, 3]
    let process = try DecisionProcess(stateCount: 3) { state in
      [Choice(cost: costs[state], transitions: successors[state])]
    }
    let solution = AverageCostPolicyIteration(tolerance: .absolute(1e-13)).solve(process)
    #expect(solution.status == .converged)
    #expect(abs(solution.gain - 7.0 / 3) <= 1e-13)
    #expect(maxAbsDifference(solution.bias, [0, -5.0 / 3, -1.0 / 3]) <= 1e-14)
  }

  /// Two absorbing states with costs 1 and 3 (a multichain model: g* is 1 from state 0 and
  /// 3 from state 1). Policy iteration must say so; its bracket still holds in every state.
  @Test func multichainModelIsReported() throws {
    let process = try DecisionProcess(stateCount: 2) { state in
      [Choice(cost: state == 0 ? 1 : 3, transitions: [(state, 1)])]
    }
    let solution = AverageCostPolicyIteration().solve(process)
    #expect(solution.status == .multichain)
    #expect(solution.gainLowerBound <= 1 && 3 <= solution.gainUpperBound)
  }

  /// A unichain model (both states may move to 0) whose start policy "both stay" has two
  /// recurrent classes: reported, not evaluated. From a unichain start the gain is 1.
  @Test func multichainStartPolicyIsReported() throws {
    let process = try DecisionProcess(stateCount: 2) { state in
      [Choice(cost: 1, transitions: [(state, 1)]), Choice(cost: 1, transitions: [(0, 1)])]
    }
    let stuck = AverageCostPolicyIteration().solve(process, initialPolicy: [0, 0])
    #expect(stuck.status == .multichain && stuck.iterations == 1)
    let solved = AverageCostPolicyIteration().solve(process, initialPolicy: [0, 1])
    #expect(solved.status == .converged && abs(solved.gain - 1) <= 1e-12)
  }

  /// On random unichain MDPs (every row reaches state 0) of both forms, policy iteration
  /// and relative value iteration (an independent method) certify overlapping brackets,
  /// each within its tolerance, and PI's policy attains the gain by its stationary law.
  @Test(arguments: [DecisionProcess.Form.choice, .postDecision])
  func agreesWithRelativeValueIteration(form: DecisionProcess.Form) async {
    await propertyCheck(count: 60, input: Gen.int(in: 1...40), Gen.uint64()) {
      stateCount, seed in
      let process =
        form == .choice
        ? try randomChoiceProcess(
          stateCount: stateCount, maxActions: 4, maxSuccessors: 4, commonSuccessor: 0,
          seed: seed)
        : try Self.unichainPostDecisionProcess(stateCount: stateCount, seed: seed)
      let tolerance = 1e-9
      let rvi = RelativeValueIteration(tolerance: .absolute(tolerance)).solve(process)
      for sweeps in [0, 2] {
        let pi = AverageCostPolicyIteration(
          tolerance: .absolute(tolerance), relaxationSweeps: sweeps
        ).solve(process)
        #expect(rvi.status == .converged && pi.status == .converged)
        #expect(pi.gainUpperBound - pi.gainLowerBound <= tolerance)
        #expect(pi.gainLowerBound <= rvi.gainUpperBound)
        #expect(rvi.gainLowerBound <= pi.gainUpperBound)
        let attained = try PolicyEvaluation.averageCost(process, policy: pi.policy).gain
        #expect(attained - pi.gainUpperBound <= 3 * tolerance + roundOff([attained]))
      }
    }
  }

  /// Started from the optimal policy, one evaluation certifies it.
  @Test func warmStartFromTheOptimalPolicyTakesOneIteration() throws {
    let process = try randomChoiceProcess(
      stateCount: 30, maxActions: 3, maxSuccessors: 4, commonSuccessor: 0, seed: 7)
    let cold = AverageCostPolicyIteration(relaxationSweeps: 0).solve(process)
    let warm = AverageCostPolicyIteration().solve(process, initialPolicy: cold.policy)
    #expect(cold.status == .converged && warm.status == .converged)
    #expect(warm.iterations == 1)
    #expect(warm.gainLowerBound <= cold.gainUpperBound)
    #expect(cold.gainLowerBound <= warm.gainUpperBound)
  }

  /// The sparse-LU stationary law equals GTH's (an independent, subtraction-free method) on
  /// random chains with transient states.
  @Test func sparseLUStationaryLawMatchesGTH() async {
    await propertyCheck(count: 40, input: Gen.int(in: 1...30), Gen.uint64()) { stateCount, seed in
      let process = try randomChoiceProcess(
        stateCount: stateCount, maxActions: 1, maxSuccessors: 3, commonSuccessor: 0, seed: seed)
      let chain = process.inducedChain(policy: [Int](repeating: 0, count: stateCount))
      let direct = try chain.stationaryDistribution(method: .sparseLU)
      let gth = try chain.stationaryDistribution(method: .gth)
      #expect(direct.status == .converged)
      #expect(maxAbsDifference(direct.probabilities, gth.probabilities) <= 1e-13)
      #expect(direct.residual <= 1e-13)
    }
  }

  /// Post-decision rows that all reach state 0, so every policy is unichain.
  private static func unichainPostDecisionProcess(stateCount: Int, seed: UInt64) throws
    -> DecisionProcess
  {
    var rng = SeededGenerator(seed: seed)
    let rowCount = rng.integer(stateCount...(2 * stateCount))
    var builder = COOBuilder(rowCount: rowCount, columnCount: stateCount)
    for row in 0..<rowCount {
      for (state, probability) in randomTransitions(
        stateCount: stateCount, successors: rng.integer(1...min(3, stateCount)), including: 0,
        using: &rng)
      {
        builder.append(row: row, column: state, value: probability)
      }
    }
    let costs = (0..<rowCount).map { _ in rng.uniform(0...10) }
    let candidates = (0..<stateCount).map { _ in
      Array((0..<rowCount).shuffled(using: &rng).prefix(rng.integer(1...3)))
    }
    return try DecisionProcess(
      postDecisionTransitions: builder.build(), costs: costs, candidates: candidates)
  }
}
