import MarkovSolvers
import TestSupport
import Testing

/// Puterman (2005) §3.1 in cost form (cost = −reward): state s1 has a11 (cost −5, then s1
/// or s2 with probability 1/2 each) and a12 (cost −10, then s2); s2 has one action (cost 1,
/// stays in s2).
private func putermanTwoState(discountFactor: Double) throws -> DiscountedMDP {
  let process = try DecisionProcess(stateCount: 2) { state in
    state == 0
      ? [
        Choice(cost: -5, transitions: [(0, 0.5), (1, 0.5)]),
        Choice(cost: -10, transitions: [(1, 1)]),
      ]
      : [Choice(cost: 1, transitions: [(1, 1)])]
  }
  return try DiscountedMDP(process: process, discountFactor: discountFactor)
}

/// Puterman (2005) Example 6.2.1, derived by hand for every β in [0, 1): V*(s2) = 1/(1−β);
/// in s1, a11 alone gives V = (0.5·β·V(s2) − 5)/(1 − β/2) = −(5 − 5.5β)/((1 − β/2)(1 − β))
/// and a12 gives −10 + β·V(s2) = −(10 − 11β)/(1 − β). Their difference has the sign of
/// (5.5β − 5)(β − 1), so a11 is optimal exactly when β > 10/11.
private func example621(discountFactor beta: Double) -> (values: [Double], policy: [Int]) {
  let stay = -(5 - 5.5 * beta) / ((1 - beta / 2) * (1 - beta))
  let jump = -(10 - 11 * beta) / (1 - beta)
  return ([min(stay, jump), 1 / (1 - beta)], [beta > 10 / 11 ? 0 : 1, 0])
}

/// Checks a solution against exact values: same policy, and the distance to the exact
/// values within the reported bound (plus round-off).
private func expectSolution(
  _ solution: MDPSolution, values: [Double], policy: [Int],
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(solution.status == .converged, sourceLocation: sourceLocation)
  #expect(solution.policy == policy, sourceLocation: sourceLocation)
  #expect(
    maxAbsDifference(solution.values, values) <= solution.errorBound + roundOff(values),
    "\(solution.method): values \(solution.values), bound \(solution.errorBound)",
    sourceLocation: sourceLocation)
  #expect(solution.errorBound <= 1e-8, sourceLocation: sourceLocation)
}

@Suite("Discounted MDPs with closed-form solutions")
struct AnalyticMDPTests {
  @Test(arguments: SolverConfiguration.allCases)
  func putermanSection31(_ configuration: SolverConfiguration) throws {
    let solution = configuration.solver().solve(try putermanTwoState(discountFactor: 0.95))
    expectSolution(solution, values: [60.0 / 7, 20], policy: [0, 0])
  }

  @Test(arguments: SolverConfiguration.allCases, [0, 0.5, 0.9, 0.92, 0.95, 0.99])
  func putermanExample621(_ configuration: SolverConfiguration, discountFactor: Double) throws {
    let expected = example621(discountFactor: discountFactor)
    let solution = configuration.solver().solve(
      try putermanTwoState(discountFactor: discountFactor))
    expectSolution(solution, values: expected.values, policy: expected.policy)
  }

  /// At β = 10/11 both actions of s1 are worth exactly 0 (see `example621`); the tie goes
  /// to the lower action index.
  @Test(arguments: SolverConfiguration.allCases)
  func putermanTieAtTenElevenths(_ configuration: SolverConfiguration) throws {
    let solution = configuration.solver().solve(try putermanTwoState(discountFactor: 10.0 / 11))
    expectSolution(solution, values: [0, 11], policy: [0, 0])
  }

  /// State 0 has a0 (cost 5, to state 2) and two identical actions a1, a2 (cost 1, to
  /// states 1 and 2 with probability 1/2). State 1 costs 2 and stays; state 2 costs 0 and
  /// moves to 1. With γ = 1/2: V(1) = 2/(1 − 1/2) = 4, V(2) = 4/2 = 2, and in state 0
  /// a0 gives 5 + 2/2 = 6 while a1 = a2 give 1 + (4 + 2)/4 = 2.5. The optimal policy must
  /// be the lowest tied index, a1.
  static func identicalActions() throws -> DiscountedMDP {
    let process = try DecisionProcess(stateCount: 3) { state in
      switch state {
      case 0:
        let tied = Choice(cost: 1, transitions: [(1, 0.5), (2, 0.5)])
        return [Choice(cost: 5, transitions: [(2, 1)]), tied, tied]
      case 1: return [Choice(cost: 2, transitions: [(1, 1)])]
      default: return [Choice(cost: 0, transitions: [(1, 1)])]
      }
    }
    return try DiscountedMDP(process: process, discountFactor: 0.5)
  }

  @Test(arguments: SolverConfiguration.allCases)
  func exactTieGoesToTheLowestIndex(_ configuration: SolverConfiguration) throws {
    let solution = configuration.solver().solve(try Self.identicalActions())
    expectSolution(solution, values: [2.5, 4, 2], policy: [1, 0, 0])
  }

  /// Policy iteration started on either tied action, or on the worse one, ends on a1 and
  /// stops (a tie never counts as an improvement, so it cannot cycle).
  @Test(arguments: [0, 1, 2], [EvaluationMethod.dense, .gaussSeidel(tolerance: 1e-13)])
  func policyIterationStopsOnExactTies(initialAction: Int, evaluation: EvaluationMethod) throws {
    let solver = PolicyIteration(evaluation: evaluation, initialPolicy: [initialAction, 0, 0])
    let solution = solver.solve(try Self.identicalActions())
    expectSolution(solution, values: [2.5, 4, 2], policy: [1, 0, 0])
    #expect(solution.iterations <= 2)
  }

  /// The values of a fixed policy from both evaluation methods, against the hand values:
  /// a0 in state 0 is worth 6 (see `identicalActions`).
  @Test(arguments: [EvaluationMethod.dense, .gaussSeidel(tolerance: 1e-13)])
  func policyEvaluationOfAFixedPolicy(_ method: EvaluationMethod) throws {
    let evaluated = try PolicyEvaluation.discounted(
      try Self.identicalActions(), policy: [0, 0, 0], method: method)
    #expect(evaluated.status == .converged)
    #expect(maxAbsDifference(evaluated.values, [6, 4, 2]) <= evaluated.errorBound + 1e-14)
  }

  /// An evaluation cut short by its sweep limit must not let policy iteration report
  /// convergence, even though its single policy is stable: on two states that swap at
  /// cost 1 with γ = 1/2 (V* = 2), Gauss–Seidel from V = 0 gives (1, 1.5), (1.75, 1.875),
  /// (1.9375, 1.96875): three one-sweep evaluations end with a bound of 0.09375 > 1e-13.
  @Test func policyIterationWithAnUnfinishedEvaluationIsNotConverged() throws {
    let swap = try DiscountedMDP(
      process: DecisionProcess(stateCount: 2) { [Choice(cost: 1, transitions: [(1 - $0, 1)])] },
      discountFactor: 0.5)
    let solver = PolicyIteration(
      evaluation: .gaussSeidel(tolerance: 1e-13, maxSweeps: 1), maxIterations: 3)
    let solution = solver.solve(swap)
    #expect(solution.status == .iterationLimitReached)
    #expect(solution.iterations == 3)
  }
}
