import Foundation
import LinearKernels
import MarkovSolvers
import TestSupport
import Testing

/// Puterman (2005) Example 6.2.1 in cost form (see AnalyticMDPTests): s1 has a11 (cost −5,
/// to s1 or s2 with 1/2 each) and a12 (cost −10, to s2); s2 stays at cost 1. By hand,
/// V*(s2) = 1/(1−γ), V*(s1) = min(−(5 − 5.5γ)/((1 − γ/2)(1 − γ)), −(10 − 11γ)/(1 − γ)),
/// a11 optimal exactly when γ > 10/11.
private func putermanProcess() throws -> DecisionProcess {
  try DecisionProcess(stateCount: 2) { state in
    state == 0
      ? [
        Choice(cost: -5, transitions: [(0, 0.5), (1, 0.5)]),
        Choice(cost: -10, transitions: [(1, 1)]),
      ]
      : [Choice(cost: 1, transitions: [(1, 1)])]
  }
}

private func putermanExact(_ gamma: Double) -> (values: [Double], policy: [Int]) {
  let stay = -(5 - 5.5 * gamma) / ((1 - gamma / 2) * (1 - gamma))
  let jump = -(10 - 11 * gamma) / (1 - gamma)
  return ([min(stay, jump), 1 / (1 - gamma)], [gamma > 10 / 11 ? 0 : 1, 0])
}

/// A two-state CTMDP: in state 0 (cost rate 1) "slow" leaves at rate 2 and "fast" at rate
/// 5 for cost rate 1 + 2 = 3; state 1 (cost rate 0) returns at rate 3.
private func twoStateCTMDP() throws -> ContinuousTimeMDP {
  var rates = COOBuilder(rowCount: 3, columnCount: 2)
  rates.append(row: 0, column: 1, value: 2)
  rates.append(row: 1, column: 1, value: 5)
  rates.append(row: 2, column: 0, value: 3)
  return try ContinuousTimeMDP(
    choices: ChoiceMatrix(transitions: rates.build(), groupStart: [0, 2, 3]), costRates: [1, 3, 0])
}

/// By hand, for the policy leaving state 0 at rate λ with cost rate c (state 1: rate μ):
/// `(β + λ) V0 = c + λ V1`, `(β + μ) V1 = μ V0`, so `V0 = c (β + μ) / (β (β + λ + μ))`;
/// average cost `g = c μ / (λ + μ)` (the time fraction in state 0 times c).
private func twoStateDiscounted(c: Double, lambda: Double, beta: Double) -> [Double] {
  let mu = 3.0
  let v0 = c * (beta + mu) / (beta * (beta + lambda + mu))
  return [v0, mu * v0 / (beta + mu)]
}

@Suite("Solver contract")
struct SolverContractTests {
  static let discreteMethods: [SolutionMethod] = [
    .automatic, .valueIteration, .gaussSeidel, .policyIteration, .modifiedPolicyIteration,
  ]

  @Test(arguments: discreteMethods, [0.5, 0.95])
  func discountedMatchesTheClosedForm(method: SolutionMethod, gamma: Double) throws {
    let exact = putermanExact(gamma)
    let solution = try MDPSolver(
      criterion: .discounted(factor: gamma), method: method, tolerance: .absolute(1e-9)
    ).solve(putermanProcess())
    #expect(solution.status == .converged)
    #expect(solution.policy == exact.policy)
    #expect(solution.errorBound <= 1e-9)
    #expect(maxAbsDifference(solution.values, exact.values) <= solution.errorBound + 1e-13)
    #expect(solution.discountFactor == gamma && solution.uniformizationRate == nil)
    #expect(solution.tolerance == .absolute(1e-9) && solution.choiceCount == 3)
    #expect(solution.method != .automatic)
  }

  @Test func automaticPicksPolicyIterationForSmallModelsAndGaussSeidelAbove() throws {
    var solver = MDPSolver(criterion: .discounted(factor: 0.9))
    #expect(try solver.resolvedMethod(stateCount: 2) == .policyIteration)
    solver.tuning.automaticPolicyIterationLimit = 1
    #expect(try solver.resolvedMethod(stateCount: 2) == .gaussSeidel)
    #expect(try solver.solve(putermanProcess()).method == .gaussSeidel)
  }

  /// Relative tolerance: the bound meets ε · max(1, ‖V‖∞), and ‖V‖∞ = 1/(1 − γ) = 20.
  @Test func relativeToleranceScalesWithTheValues() throws {
    let solution = try MDPSolver(
      criterion: .discounted(factor: 0.95), method: .valueIteration, tolerance: .relative(1e-6)
    ).solve(putermanProcess())
    #expect(solution.status == .converged)
    #expect(solution.errorBound <= 20 * 1e-6)
    #expect(solution.tolerance.description == "1e-06 (relative)")
  }

  /// A chain 0 ⇄ 1 with P = [[1/2, 1/2], [1/4, 3/4]] and costs (1, 3): π = (1/3, 2/3) by
  /// the balance π0/2 = π1/4, so g = 1/3 + 2 = 7/3.
  @Test(arguments: [
    (SolutionMethod.automatic, SolutionMethod.policyIteration),
    (.policyIteration, .policyIteration), (.relativeValueIteration, .relativeValueIteration),
  ])
  func averageBracketsTheStationaryGain(method: SolutionMethod, resolved: SolutionMethod) throws {
    let process = try DecisionProcess(stateCount: 2) { state in
      state == 0
        ? [Choice(cost: 1, transitions: [(0, 0.5), (1, 0.5)])]
        : [Choice(cost: 3, transitions: [(0, 0.25), (1, 0.75)])]
    }
    let solution = try MDPSolver(criterion: .average, method: method, tolerance: .absolute(1e-10))
      .solve(process)
    #expect(solution.status == .converged && solution.method == resolved)
    let lower = try #require(solution.gainLower)
    let upper = try #require(solution.gainUpper)
    #expect(lower <= 7.0 / 3 + 1e-14 && 7.0 / 3 <= upper + 1e-14)
    #expect(upper - lower <= 1e-10)
    #expect(solution.discountFactor == nil)
  }

  @Test(arguments: [nil, 10.0])
  func continuousDiscountedValuesAreTheContinuousTimeValues(rate: Double?) throws {
    var solver = MDPSolver(
      criterion: .continuousDiscounted(rate: 0.5), method: .valueIteration,
      tolerance: .absolute(1e-10))
    solver.uniformizationRate = rate
    let solution = try solver.solve(twoStateCTMDP())
    let slow = twoStateDiscounted(c: 1, lambda: 2, beta: 0.5)
    let fast = twoStateDiscounted(c: 3, lambda: 5, beta: 0.5)
    let best = slow[0] <= fast[0] ? slow : fast
    #expect(solution.policy == [slow[0] <= fast[0] ? 0 : 1, 0])
    #expect(maxAbsDifference(solution.values, best) <= solution.errorBound + 1e-13)
    #expect(solution.uniformizationRate == (rate ?? 5))
    let lambda = rate ?? 5
    #expect(isClose(try #require(solution.discountFactor), lambda / (lambda + 0.5)))
  }

  /// Average cost per unit time: slow gives 1·3/(2 + 3) = 0.6, fast 3·3/8 = 1.125, so slow
  /// is optimal with g* = 0.6 (the bracket is per unit time, not per uniformized step).
  @Test(arguments: [SolutionMethod.automatic, .relativeValueIteration])
  func continuousAverageGainIsPerUnitTime(method: SolutionMethod) throws {
    let solution = try MDPSolver(criterion: .average, method: method, tolerance: .absolute(1e-9))
      .solve(twoStateCTMDP())
    let lower = try #require(solution.gainLower)
    let upper = try #require(solution.gainUpper)
    #expect(lower <= 0.6 + 1e-14 && 0.6 <= upper + 1e-14 && upper - lower <= 1e-9)
    #expect(solution.policy == [0, 0])
    #expect(solution.uniformizationRate == 5)
  }

  /// Independent methods agree on random models: policy iteration (exact evaluation) and
  /// Gauss–Seidel value iteration, within the sum of their bounds.
  @Test(arguments: 0..<4)
  func policyIterationAndValueIterationAgree(seed: Int) throws {
    let process = try randomChoiceProcess(
      stateCount: 60, maxActions: 3, maxSuccessors: 4, seed: UInt64(seed))
    func solve(_ method: SolutionMethod) throws -> CertifiedSolution {
      try MDPSolver(criterion: .discounted(factor: 0.9), method: method, tolerance: .absolute(1e-9))
        .solve(process)
    }
    let exact = try solve(.policyIteration)
    let iterated = try solve(.gaussSeidel)
    #expect(exact.converged && iterated.converged)
    #expect(
      maxAbsDifference(exact.values, iterated.values)
        <= exact.errorBound + iterated.errorBound + 1e-12)
  }

  /// An absolute tolerance below round-off: policy iteration stops on a stable policy, and
  /// the contract reports that its bound does not meet the tolerance.
  @Test func aToleranceBelowRoundOffIsNotReportedConverged() throws {
    let solution = try MDPSolver(
      criterion: .discounted(factor: 0.95), method: .policyIteration, tolerance: .absolute(1e-300)
    ).solve(putermanProcess())
    #expect(solution.status == .roundOffLimited)
    #expect(solution.errorBound > 1e-300 && solution.errorBound < 1e-12)
  }

  @Test func warmStartGivesTheSameSolutionWithinTheBound() throws {
    let process = try randomChoiceProcess(
      stateCount: 40, maxActions: 3, maxSuccessors: 4, seed: 7)
    var solver = MDPSolver(
      criterion: .discounted(factor: 0.9), method: .gaussSeidel, tolerance: .absolute(1e-9))
    let cold = try solver.solve(process)
    solver.initialValues = cold.values
    let warm = try solver.solve(process)
    #expect(warm.iterations < cold.iterations)
    #expect(maxAbsDifference(warm.values, cold.values) <= warm.errorBound + cold.errorBound)
  }

  @Test func summaryCarriesTheDocumentedKeys() throws {
    let solution = try MDPSolver(criterion: .discounted(factor: 0.5), tolerance: .absolute(1e-9))
      .solve(putermanProcess())
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = try #require(String(data: encoder.encode(solution.summary), encoding: .utf8))
    for key in [
      "\"status\":\"converged\"", "\"iterations\":", "\"errorBound\":", "\"values\":[",
      "\"policy\":[1,0]", "\"states\":2", "\"choices\":3", "\"toleranceKind\":\"absolute\"",
      "\"method\":\"policy-iteration\"", "\"criterion\":\"discounted\"",
    ] {
      #expect(json.contains(key), "\(key) missing from \(json)")
    }
    let decoded = try JSONDecoder().decode(
      CertifiedSolution.Summary.self, from: Data(json.utf8))
    #expect(decoded == solution.summary)
  }

  @Test func averageSummaryHasTheGainBracket() throws {
    let solution = try MDPSolver(criterion: .average).solve(putermanProcess())
    let summary = solution.summary
    #expect(summary.gain != nil && summary.gainLower != nil && summary.gainUpper != nil)
    #expect(summary.discountFactor == nil && summary.criterion == "average")
    // Under the average criterion the states' own costs decide: s2 costs 1 forever, and
    // s1 is transient under both actions, so g* = 1.
    #expect(abs(try #require(solution.gain) - 1) <= solution.errorBound + 1e-12)
  }

  // MARK: Average criterion: policy iteration

  /// Random unichain models (every choice may reach state 0): automatic (policy iteration
  /// with a sparse LU) and relative value iteration, two independent methods, certify
  /// brackets that overlap, so their gains agree within the two half-widths.
  @Test(arguments: [1, 2, 3, 4] as [UInt64])
  func averagePolicyIterationAgreesWithRelativeValueIteration(seed: UInt64) throws {
    let process = try randomChoiceProcess(
      stateCount: 40, maxActions: 3, maxSuccessors: 4, commonSuccessor: 0, seed: seed)
    let automatic = try MDPSolver(criterion: .average, tolerance: .absolute(1e-9)).solve(process)
    let relative = try MDPSolver(
      criterion: .average, method: .relativeValueIteration, tolerance: .absolute(1e-9)
    ).solve(process)
    #expect(automatic.converged && relative.converged)
    #expect(automatic.method == .policyIteration && relative.method == .relativeValueIteration)
    let lower = max(try #require(automatic.gainLower), try #require(relative.gainLower))
    let upper = min(try #require(automatic.gainUpper), try #require(relative.gainUpper))
    #expect(lower <= upper, "brackets do not overlap")
    #expect(
      abs(try #require(automatic.gain) - (try #require(relative.gain)))
        <= automatic.errorBound + relative.errorBound)
  }

  /// Two absorbing states with costs 1 and 3: g* is 1 from state 0 and 3 from state 1, a
  /// multichain model. The contract reports `.multichain` (not converged) with a bracket
  /// that still holds in every state.
  @Test func multichainModelIsReportedThroughTheContract() throws {
    let process = try DecisionProcess(stateCount: 2) { state in
      [Choice(cost: state == 0 ? 1 : 3, transitions: [(state, 1)])]
    }
    let solution = try MDPSolver(criterion: .average).solve(process)
    #expect(solution.status == .multichain && !solution.converged)
    #expect(solution.summary.status == .multichain)
    #expect(try #require(solution.gainLower) <= 1 && 3 <= (try #require(solution.gainUpper)))
  }

  /// `twoStateProcess` (AverageCostTests.swift): by hand action 0 of state 0 has gain 7,
  /// action 1 gain 8.25. From the optimal policy one evaluation certifies g* = 7; from the
  /// other action, one improvement is needed.
  @Test func averagePolicyIterationStartsFromTheInitialPolicy() throws {
    var solver = MDPSolver(criterion: .average, tolerance: .absolute(1e-12))
    for (start, iterations) in [([0, 0], 1), ([1, 0], 2)] {
      solver.initialPolicy = start
      let solution = try solver.solve(try twoStateProcess())
      #expect(solution.converged && solution.iterations == iterations, "start \(start)")
      #expect(solution.policy == [0, 0])
      #expect(try #require(solution.gainLower) <= 7 && 7 <= (try #require(solution.gainUpper)))
    }
  }

  /// Discounted policy iteration takes `initialPolicy` too: from the optimal policy of
  /// Puterman's example (γ = 0.5 <= 10/11: a12) the first evaluation is already stable.
  @Test func discountedPolicyIterationStartsFromTheInitialPolicy() throws {
    var solver = MDPSolver(
      criterion: .discounted(factor: 0.5), method: .policyIteration, tolerance: .absolute(1e-12))
    solver.initialPolicy = [1, 0]
    let solution = try solver.solve(putermanProcess())
    let exact = putermanExact(0.5)
    #expect(solution.iterations == 1 && solution.policy == exact.policy)
    #expect(maxAbsDifference(solution.values, exact.values) <= solution.errorBound + 1e-13)
  }

  // MARK: Errors

  private static func message(_ body: () throws(SolverError) -> CertifiedSolution) -> String? {
    do {
      _ = try body()
      return nil
    } catch {
      return error.description
    }
  }

  @Test func invalidSettingsNameTheSettingAndTheRange() throws {
    let process = try putermanProcess()
    let ctmdp = try twoStateCTMDP()
    func solve(_ solver: MDPSolver) -> String? {
      Self.message { () throws(SolverError) in try solver.solve(process) }
    }
    #expect(
      solve(MDPSolver(criterion: .discounted(factor: 1)))
        == "invalid value 1 for discount factor (γ): must be in [0, 1)")
    #expect(
      solve(MDPSolver(criterion: .discounted(factor: 0.9), tolerance: .relative(0)))
        == "invalid value 0 for relative tolerance: must be finite and > 0")
    #expect(
      solve(MDPSolver(criterion: .discounted(factor: 0.9), maxIterations: 0))
        == "invalid value 0 for maximum iterations: must be an integer in 1...100000000")
    #expect(
      solve(MDPSolver(criterion: .average, method: .modifiedPolicyIteration))
        == "invalid value modified-policy-iteration for method: is not available for the "
        + "average criterion: use policy-iteration or relative-value-iteration")
    #expect(
      solve(MDPSolver(criterion: .discounted(factor: 0.9), method: .relativeValueIteration))
        == "invalid value relative-value-iteration for method: applies to the average criterion only"
    )
    #expect(
      solve(MDPSolver(criterion: .continuousDiscounted(rate: 1)))?.hasPrefix(
        "invalid value continuous-discounted (β = 1) for criterion") == true)
    var warm = MDPSolver(criterion: .discounted(factor: 0.9))
    warm.initialValues = [0]
    #expect(solve(warm) == "invalid value 1 entries for initial values: the model has 2 states")
    warm.initialValues = [0, .nan]
    #expect(solve(warm) == "invalid value nan for initial value of state 1: must be finite")
    var started = MDPSolver(criterion: .average)
    started.initialPolicy = [0]
    #expect(solve(started) == "invalid value 1 entries for initial policy: the model has 2 states")
    started.initialPolicy = [0, 1]  // state 1 has one choice
    #expect(solve(started) == "invalid value 1 for initial policy of state 1: must be in 0..<1")
    started.initialPolicy = nil
    started.tuning.relaxationSweeps = -1
    #expect(solve(started) == "invalid value -1 for relaxation sweeps: must be in 0...100")
    let empty = try DecisionProcess(stateCount: 0) { _ in [] }
    for method in [SolutionMethod.automatic, .relativeValueIteration] {
      #expect(
        Self.message { () throws(SolverError) in
          try MDPSolver(criterion: .average, method: method).solve(empty)
        } == "dimension mismatch: the model has no states, so no average cost")
    }
    #expect(
      Self.message { () throws(SolverError) in
        try MDPSolver(criterion: .discounted(factor: 0.9)).solve(ctmdp)
      }?.hasPrefix("invalid value discounted (γ = 0.9) for criterion") == true)
    var slow = MDPSolver(criterion: .continuousDiscounted(rate: 1))
    slow.uniformizationRate = 4
    #expect(
      Self.message { () throws(SolverError) in try slow.solve(ctmdp) }
        == "uniformization rate 4.0 is below the largest exit rate 5.0")
    let bellman = try DiscountedMDP(process: process, discountFactor: 0.5)
    #expect(
      Self.message { () throws(SolverError) in
        try MDPSolver(criterion: .discounted(factor: 0.5), method: .policyIteration)
          .solve(operator: bellman)
      }
        == "invalid value policy-iteration for method: needs a tabular model, not a matrix-free "
        + "operator")
    var policyStart = MDPSolver(criterion: .discounted(factor: 0.5))
    policyStart.initialPolicy = [0, 0]
    #expect(
      Self.message { () throws(SolverError) in try policyStart.solve(operator: bellman) }
        == "invalid value 2 entries for initial policy: a matrix-free operator is solved by "
        + "value iteration, which starts from values")
  }
}
