import MarkovSolvers
import PropertyBased
import TestSupport
import Testing

/// A random discounted MDP in either form, from generated sizes and a seed.
private func randomMDP(
  form: DecisionProcess.Form, stateCount: Int, discountFactor: Double, seed: UInt64
) throws -> DiscountedMDP {
  let process =
    form == .choice
    ? try randomChoiceProcess(stateCount: stateCount, maxActions: 4, maxSuccessors: 4, seed: seed)
    : try randomPostDecisionProcess(
      stateCount: stateCount, maxCandidates: 4, maxSuccessors: 4, seed: seed)
  #expect(process.form == form)
  return try DiscountedMDP(process: process, discountFactor: discountFactor)
}

/// The reference optimum: policy iteration with dense LU evaluation, certified here
/// independently of every solver by its Bellman residual, computed with plain loops over
/// the rows: `‖V − V*‖∞ <= ‖T V − V‖∞ / (1 − γ)`. (Policy iteration is itself one of the
/// configurations under test, so its own `errorBound` is not trusted.)
private func exactSolution(_ mdp: DiscountedMDP) -> (solution: MDPSolution, bound: Double) {
  let solution = PolicyIteration(evaluation: .dense).solve(mdp)
  let process = mdp.process
  var residual = 0.0
  for state in 0..<process.stateCount {
    var best = Double.infinity
    for action in 0..<process.actionCount(of: state) {
      let row = process.row(state: state, action: action)
      var expected = 0.0
      for (column, probability) in process.transitions.row(row) {
        expected += probability * solution.values[column]
      }
      best = min(best, process.costs[row] + mdp.discountFactor * expected)
    }
    residual = max(residual, abs(best - solution.values[state]))
  }
  return (solution, residual / (1 - mdp.discountFactor))
}

@Suite("Cross-method agreement on random MDPs")
struct CrossMethodTests {
  @Test(arguments: [DecisionProcess.Form.choice, .postDecision])
  func everySolverFindsTheSameOptimum(form: DecisionProcess.Form) async {
    await propertyCheck(
      count: 100, input: Gen.int(in: 1...12), Gen.double(in: 0.3...0.95), Gen.uint64()
    ) { stateCount, discountFactor, seed in
      let mdp = try randomMDP(
        form: form, stateCount: stateCount, discountFactor: discountFactor, seed: seed)
      let (exact, exactBound) = exactSolution(mdp)
      #expect(exact.status == .converged)
      #expect(exactBound <= 1e-9)
      for configuration in SolverConfiguration.allCases {
        let solution = configuration.solver().solve(mdp)
        #expect(solution.status == .converged, "\(configuration)")
        #expect(solution.policy == exact.policy, "\(configuration)")
        #expect(
          maxAbsDifference(solution.values, exact.values)
            <= solution.errorBound + exactBound + roundOff(exact.values),
          "\(configuration): bound \(solution.errorBound)")
        #expect(solution.errorBound <= SolverConfiguration.tolerance, "\(configuration)")
      }
    }
  }

  /// Stopped after 1...4 outer iterations with an unreachable tolerance, every solver still
  /// reports a bound on its distance to V*.
  @Test(arguments: [DecisionProcess.Form.choice, .postDecision])
  func errorBoundHoldsAtTheIterationLimit(form: DecisionProcess.Form) async {
    await propertyCheck(
      count: 100, input: Gen.int(in: 2...12), Gen.double(in: 0.8...0.99), Gen.int(in: 1...4),
      Gen.uint64()
    ) { stateCount, discountFactor, limit, seed in
      let mdp = try randomMDP(
        form: form, stateCount: stateCount, discountFactor: discountFactor, seed: seed)
      let (exact, exactBound) = exactSolution(mdp)
      for configuration in SolverConfiguration.allCases {
        let solution = configuration.solver(maxIterations: limit, tolerance: 1e-300).solve(mdp)
        if !configuration.isPolicyIteration {
          // Converging would need a zero bound (only possible when V* is reached exactly);
          // a solver may stop early at its round-off floor.
          #expect(solution.status != .converged || solution.errorBound == 0)
        }
        #expect(solution.iterations == limit || solution.status != .iterationLimitReached)
        #expect(
          maxAbsDifference(solution.values, exact.values)
            <= solution.errorBound * (1 + 1e-12) + exactBound + roundOff(exact.values),
          "\(configuration) after \(limit): bound \(solution.errorBound)")
      }
    }
  }
}
