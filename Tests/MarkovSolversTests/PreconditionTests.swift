import MarkovSolvers
import Testing

/// The two-state swap process (each state one action, cost 1) at γ = 1/2.
private func swapMDP() throws -> DiscountedMDP {
  try DiscountedMDP(
    process: DecisionProcess(stateCount: 2) { [Choice(cost: 1, transitions: [(1 - $0, 1)])] },
    discountFactor: 0.5)
}

/// Programmer errors stop the process with a precondition failure (exit tests run the body
/// in a child process). A starting vector of the wrong length would otherwise be read and
/// written out of bounds by the unsafe-buffer kernels in release builds, or come back with
/// the wrong length.
@Suite("Preconditions on caller-supplied starting vectors and settings")
struct PreconditionTests {
  @Test func startingVectorsOfTheWrongLengthStopTheProcess() async {
    await #expect(processExitsWith: .failure) {
      _ = ValueIteration(initialValues: [0, 0, 0]).solve(try swapMDP())
    }
    await #expect(processExitsWith: .failure) {
      _ = ModifiedPolicyIteration(initialValues: [0, 0, 0]).solve(try swapMDP())
    }
    await #expect(processExitsWith: .failure) {
      _ = RelativeValueIteration(initialBias: [0, 0, 0]).solve(try swapMDP().process)
    }
    await #expect(processExitsWith: .failure) {
      _ = try PolicyEvaluation.discounted(
        try swapMDP(), policy: [0, 0], method: .gaussSeidel(tolerance: 1e-9),
        initialValues: [0, 0, 0])
    }
  }

  /// A NaN or infinite start would otherwise run every sweep up to the iteration limit on
  /// NaN values.
  @Test func nonFiniteStartingVectorsStopTheProcess() async {
    await #expect(processExitsWith: .failure) {
      _ = ValueIteration(initialValues: [0, .nan]).solve(try swapMDP())
    }
    await #expect(processExitsWith: .failure) {
      _ = ModifiedPolicyIteration(initialValues: [.infinity, 0]).solve(try swapMDP())
    }
    await #expect(processExitsWith: .failure) {
      _ = RelativeValueIteration(initialBias: [0, -.infinity]).solve(try swapMDP().process)
    }
    await #expect(processExitsWith: .failure) {
      _ = try PolicyEvaluation.discounted(
        try swapMDP(), policy: [0, 0], method: .gaussSeidel(tolerance: 1e-9),
        initialValues: [.nan, 0])
    }
  }

  /// Settings are `var`s: one set out of range after `init` is caught when the solver runs
  /// (policy iteration with no round would otherwise read its empty value vector).
  @Test func settingsOutOfRangeAfterInitStopTheProcess() async {
    await #expect(processExitsWith: .failure) {
      var solver = PolicyIteration()
      solver.maxIterations = 0
      _ = solver.solve(try swapMDP())
    }
    await #expect(processExitsWith: .failure) {
      var solver = ValueIteration()
      solver.tolerance = .absolute(0)
      _ = solver.solve(try swapMDP())
    }
    await #expect(processExitsWith: .failure) {
      var solver = ModifiedPolicyIteration()
      solver.evaluationSweeps = -1
      _ = solver.solve(try swapMDP())
    }
    await #expect(processExitsWith: .failure) {
      var solver = RelativeValueIteration()
      solver.aperiodicity = 0
      _ = solver.solve(try swapMDP().process)
    }
  }
}
