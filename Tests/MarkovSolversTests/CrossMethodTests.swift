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

/// The exact optimum: policy iteration with dense LU evaluation (every value is V_π of the
/// final policy up to round-off).
private func exactSolution(_ mdp: DiscountedMDP) -> MDPSolution {
  PolicyIteration(evaluation: .dense).solve(mdp)
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
      let exact = exactSolution(mdp)
      #expect(exact.status == .converged)
      for configuration in SolverConfiguration.allCases {
        let solution = configuration.solver().solve(mdp)
        #expect(solution.status == .converged, "\(configuration)")
        #expect(solution.policy == exact.policy, "\(configuration)")
        #expect(
          maxAbsDifference(solution.values, exact.values)
            <= solution.errorBound + exact.errorBound + roundOff(exact.values),
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
      let exact = exactSolution(mdp)
      for configuration in SolverConfiguration.allCases {
        let solution = configuration.solver(maxIterations: limit, tolerance: 1e-300).solve(mdp)
        if !configuration.isPolicyIteration {
          // Converging would need a zero bound (only possible when V* is reached exactly).
          #expect(solution.status == .iterationLimitReached || solution.errorBound == 0)
        }
        #expect(solution.iterations == limit || solution.status == .converged)
        #expect(
          maxAbsDifference(solution.values, exact.values)
            <= solution.errorBound * (1 + 1e-12) + roundOff(exact.values),
          "\(configuration) after \(limit): bound \(solution.errorBound)")
      }
    }
  }
}
