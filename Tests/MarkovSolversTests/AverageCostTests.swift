import MarkovSolvers
import PropertyBased
import TestSupport
import Testing

/// State 0: action 0 (cost 2, leave with probability a = 0.5) or action 1 (cost 3, leave
/// with a = 0.9); state 1: cost 10, return with b = 0.3. A two-state chain has
/// π = (b, a)/(a + b): action 0 gives π = (0.375, 0.625) and gain 0.75 + 6.25 = 7, action 1
/// gives π = (0.25, 0.75) and gain 0.75 + 7.5 = 8.25.
func twoStateProcess() throws -> DecisionProcess {
  try DecisionProcess(stateCount: 2) { state in
    state == 0
      ? [
        Choice(cost: 2, transitions: [(0, 0.5), (1, 0.5)]),
        Choice(cost: 3, transitions: [(0, 0.1), (1, 0.9)]),
      ]
      : [Choice(cost: 10, transitions: [(0, 0.3), (1, 0.7)])]
  }
}

/// A period-2 chain (0 → 1 → 0) with costs 1 and 3: π = (1/2, 1/2), gain 2.
private func periodicProcess() throws -> DecisionProcess {
  try DecisionProcess(stateCount: 2) { state in
    [Choice(cost: state == 0 ? 1 : 3, transitions: [(1 - state, 1)])]
  }
}

/// Every deterministic policy of a small process, by enumeration.
private func allPolicies(_ process: DecisionProcess) -> [[Int]] {
  (0..<process.stateCount).reduce([[]]) { partial, state in
    partial.flatMap { prefix in (0..<process.actionCount(of: state)).map { prefix + [$0] } }
  }
}

@Suite("Average cost: relative value iteration and policy gains")
struct AverageCostTests {
  /// `twoStateProcess` with every cost times 1e18: by hand the optimal gain is 7e18. An
  /// absolute tolerance of 1e-6 is far below the ulp of such values (a fuzz finding ran
  /// to the iteration limit): the iteration stops at its floating-point floor, says so,
  /// and its bracket still holds 7e18.
  @Test func toleranceBelowTheRoundOffFloorStopsEarly() throws {
    let scaled = try DecisionProcess(stateCount: 2) { state in
      state == 0
        ? [
          Choice(cost: 2e18, transitions: [(0, 0.5), (1, 0.5)]),
          Choice(cost: 3e18, transitions: [(0, 0.1), (1, 0.9)]),
        ]
        : [Choice(cost: 10e18, transitions: [(0, 0.3), (1, 0.7)])]
    }
    let solution = RelativeValueIteration(tolerance: .absolute(1e-6), maxIterations: 1_000_000)
      .solve(scaled)
    #expect(solution.status == .roundOffLimited)
    #expect(solution.iterations < 1_000)
    #expect(solution.gainLowerBound <= 7e18 * (1 + 1e-14))
    #expect(7e18 * (1 - 1e-14) <= solution.gainUpperBound)
  }

  @Test func handExampleGains() throws {
    let process = try twoStateProcess()
    let first = try PolicyEvaluation.averageCost(process, policy: [0, 0])
    let second = try PolicyEvaluation.averageCost(process, policy: [1, 0])
    #expect(isClose(first.gain, 7) && isClose(second.gain, 8.25))
    #expect(maxAbsDifference(first.stationary.probabilities, [0.375, 0.625]) <= 1e-15)
    #expect(maxAbsDifference(second.stationary.probabilities, [0.25, 0.75]) <= 1e-15)
  }

  /// Two states that may each stay put: the policy "both stay" has two recurrent classes,
  /// so its long-run average depends on the start.
  @Test func policyWithTwoRecurrentClassesHasNoGain() throws {
    let process = try DecisionProcess(stateCount: 2) { state in
      [
        Choice(cost: 1, transitions: [(state, 1)]),
        Choice(cost: 1, transitions: [(0, 1)]),
      ]
    }
    #expect(throws: ChainError.multipleRecurrentClasses(count: 2, representatives: [0, 1])) {
      try PolicyEvaluation.averageCost(process, policy: [0, 0])
    }
    #expect(try PolicyEvaluation.averageCost(process, policy: [0, 1]).gain == 1)
  }

  @Test(arguments: [Tolerance.absolute(1e-9), .relative(1e-12)])
  func relativeValueIterationBracketsTheHandGain(tolerance: Tolerance) throws {
    let solution = RelativeValueIteration(tolerance: tolerance).solve(try twoStateProcess())
    #expect(solution.status == .converged)
    #expect(solution.policy == [0, 0])
    #expect(solution.gainLowerBound <= 7 && 7 <= solution.gainUpperBound)
    #expect(solution.gainUpperBound - solution.gainLowerBound <= tolerance.threshold(scale: 7))
    #expect(abs(solution.gain - 7) <= solution.errorBound)
    #expect(solution.bias[0] == 0)
  }

  /// The relative values of `twoStateProcess` under its optimal policy, by hand (g = 7,
  /// h(0) = 0): h(0) = 2 − 7 + (h(0) + h(1))/2 gives h(1) = 10, and state 1 checks,
  /// 10 − 7 + 0.3·0 + 0.7·10 = 10. Started at h + 5, the bracket closes at once; the bias
  /// must still be reported with h(reference) = 0.
  @Test func warmStartWithAnOffsetReportsBiasRelativeToTheReference() throws {
    let solution = RelativeValueIteration(
      tolerance: .absolute(1e-9), initialBias: [5, 15]
    ).solve(try twoStateProcess())
    #expect(solution.status == .converged && solution.iterations == 1)
    #expect(solution.bias[0] == 0)
    #expect(abs(solution.bias[1] - 10) <= 1e-12)
    #expect(solution.gainLowerBound <= 7 && 7 <= solution.gainUpperBound)
  }

  /// τ < 1 closes the bracket on a periodic chain; τ = 1 (plain RVI) oscillates, stops at
  /// its limit, and its bracket still contains the gain.
  @Test func aperiodicityTransformHandlesAPeriodicChain() throws {
    let process = try periodicProcess()
    let damped = RelativeValueIteration(tolerance: .absolute(1e-12)).solve(process)
    #expect(damped.status == .converged)
    #expect(abs(damped.gain - 2) <= 1e-12)

    let plain = RelativeValueIteration(
      tolerance: .absolute(1e-12), maxIterations: 50, aperiodicity: 1
    ).solve(process)
    #expect(plain.status == .iterationLimitReached && plain.iterations == 50)
    #expect(plain.gainLowerBound <= 2 && 2 <= plain.gainUpperBound)
    #expect(plain.gainUpperBound - plain.gainLowerBound >= 1)
  }

  /// On random unichain MDPs (every row reaches state 0), the RVI bracket contains the
  /// optimal gain found by enumerating every policy's stationary distribution, is no wider
  /// than the tolerance, and RVI's policy attains that gain.
  @Test func bracketContainsTheEnumeratedOptimalGain() async {
    await propertyCheck(count: 60, input: Gen.int(in: 1...4), Gen.uint64()) { stateCount, seed in
      let process = try randomChoiceProcess(
        stateCount: stateCount, maxActions: 3, maxSuccessors: 3, commonSuccessor: 0, seed: seed)
      let tolerance = 1e-9
      let solution = RelativeValueIteration(tolerance: .absolute(tolerance)).solve(process)
      #expect(solution.status == .converged)
      #expect(solution.gainUpperBound - solution.gainLowerBound <= tolerance)
      let gains = try allPolicies(process).map {
        try PolicyEvaluation.averageCost(process, policy: $0).gain
      }
      let optimalGain = gains.min() ?? .nan
      let slack = roundOff([optimalGain])
      #expect(solution.gainLowerBound - slack <= optimalGain)
      #expect(optimalGain <= solution.gainUpperBound + slack)
      let attained = try PolicyEvaluation.averageCost(process, policy: solution.policy).gain
      #expect(attained - optimalGain <= 3 * tolerance + slack)
    }
  }
}
