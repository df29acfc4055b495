import LinearKernels
import MarkovSolvers
import PropertyBased
import TestSupport
import Testing

/// A two-state CTMDP solved by hand. State 0: action 0 (cost rate 1, rate 2 to state 1) or
/// action 1 (cost rate 3, rate 5 to state 1); state 1: one action (cost rate 4, rate 1 to
/// state 0). The largest exit rate is 5.
private func handCTMDP() throws -> ContinuousTimeMDP {
  var rates = COOBuilder(rowCount: 3, columnCount: 2)
  rates.append(row: 0, column: 1, value: 2)
  rates.append(row: 1, column: 1, value: 5)
  rates.append(row: 2, column: 0, value: 1)
  return try ContinuousTimeMDP(
    choices: ChoiceMatrix(transitions: rates.build(), groupStart: [0, 2, 3]),
    costRates: [1, 3, 4])
}

@Suite("Uniformization of continuous-time models")
struct UniformizationTests {
  /// With β = 1/2, V(x)(β + q) = c + Σ Q V. Under action 0: 2.5 V0 = 1 + 2 V1 and
  /// 1.5 V1 = 4 + V0, so V0 = 38/7, V1 = 44/7. Under action 1: 5.5 V0 = 3 + 5 V1 gives
  /// V0 = 98/13 > 38/7, so action 0 is optimal. The values do not depend on Λ.
  @Test(arguments: [5.0, 7.5, 20])
  func handCTMDPHasTheSameValuesAtEveryRate(rate: Double) throws {
    let mdp = try Uniformization.discretize(try handCTMDP(), rate: rate, continuousDiscount: 0.5)
    #expect(mdp.discountFactor == rate / (rate + 0.5))
    for configuration in [SolverConfiguration.policyIterationDense, .jacobiValueIteration] {
      let solution = configuration.solver().solve(mdp)
      #expect(solution.status == .converged)
      #expect(solution.policy == [0, 0])
      #expect(
        maxAbsDifference(solution.values, [38.0 / 7, 44.0 / 7]) <= solution.errorBound + 1e-12)
    }
  }

  /// Average cost by hand: under action 0 the CTMC 0 →(2) 1 →(1) 0 has π = (1/3, 2/3) and
  /// gain 1/3 + 8/3 = 3; under action 1, π = (1/6, 5/6) and gain 23/6. The continuous gain
  /// is Λ times the discrete one.
  @Test(arguments: [5.0, 12])
  func handCTMDPAverageCost(rate: Double) throws {
    let (process, usedRate) = try Uniformization.discretizeForAverageCost(
      try handCTMDP(), rate: rate)
    #expect(usedRate == rate)
    let solution = RelativeValueIteration(tolerance: .absolute(1e-12)).solve(process)
    #expect(solution.status == .converged)
    #expect(solution.policy == [0, 0])
    #expect(solution.gainLowerBound * rate <= 3 + 1e-12)
    #expect(solution.gainUpperBound * rate >= 3 - 1e-12)
    let evaluations = try [0, 1].map {
      try PolicyEvaluation.averageCost(process, policy: [$0, 0]).gain * rate
    }
    #expect(isClose(evaluations[0], 3) && isClose(evaluations[1], 23.0 / 6))
  }

  /// The default rate is the largest exit rate (5), so γ = 5/5.5.
  @Test func defaultRateIsTheLargestExitRate() throws {
    let model = try handCTMDP()
    #expect(model.exitRates == [2, 5, 1] && model.maximumExitRate == 5)
    let mdp = try Uniformization.discretize(model, continuousDiscount: 0.5)
    #expect(mdp.discountFactor == 5 / 5.5)
    // Row 0 at Λ = 5: stays with 1 − 2/5, leaves with 2/5; costs scale by 1/(Λ + β).
    #expect(mdp.process.transitions.row(0).map(\.value) == [0.6, 0.4])
    let expectedCosts: [Double] = [1 / 5.5, 3 / 5.5, 4 / 5.5]
    #expect(maxAbsDifference(mdp.process.costs, expectedCosts) <= 1e-16)
  }

  /// γ = Λ/(Λ + β) = 4/5 at Λ = 4, β = 1, and back.
  @Test func discountConversions() {
    #expect(Uniformization.discountFactor(rate: 4, continuousDiscount: 1) == 0.8)
    #expect(isClose(Uniformization.continuousDiscount(rate: 4, discountFactor: 0.8), 1))
  }

  @Test(arguments: [4.999, 1, 0, -5, Double.infinity, Double.nan])
  func rateBelowTheLargestExitRateIsRejected(rate: Double) throws {
    let model = try handCTMDP()
    let error = #expect(throws: ModelError.self) {
      try Uniformization.discretize(model, rate: rate, continuousDiscount: 0.5)
    }
    guard case .uniformizationRateTooSmall(let reported, let maximum) = error else {
      Issue.record("expected uniformizationRateTooSmall, got \(String(describing: error))")
      return
    }
    #expect(reported == rate || (rate.isNaN && reported.isNaN))
    #expect(maximum == 5)
  }

  /// The optimal policy and the values of a CTMDP do not depend on Λ ≥ max exit rate at
  /// fixed β (choice form, and post-decision form with transitive candidate sets).
  @Test(arguments: [DecisionProcess.Form.choice, .postDecision])
  func optimumDoesNotDependOnTheRate(form: DecisionProcess.Form) async {
    await propertyCheck(
      count: 60, input: Gen.int(in: 2...10), Gen.double(in: 0.05...2), Gen.double(in: 1...4),
      Gen.uint64()
    ) { stateCount, beta, factor, seed in
      let model =
        form == .choice
        ? try randomChoiceCTMDP(stateCount: stateCount, maxActions: 3, maxSuccessors: 3, seed: seed)
        : try randomPostDecisionCTMDP(stateCount: stateCount, maxSuccessors: 3, seed: seed)
      let rates = [model.maximumExitRate, model.maximumExitRate * factor]
      let solutions = try rates.map { rate in
        PolicyIteration(evaluation: .dense).solve(
          try Uniformization.discretize(model, rate: rate, continuousDiscount: beta))
      }
      #expect(solutions[0].policy == solutions[1].policy)
      #expect(
        maxAbsDifference(solutions[0].values, solutions[1].values)
          <= roundOff(solutions[0].values, relative: 1e-10))
    }
  }
}
