import LinearKernels
import MarkovSolvers
import TestSupport
import Testing

/// One state that stays put at cost `cost`: `V* = cost / (1 − γ)`.
private func selfLoop(cost: Double, discountFactor: Double) throws -> DiscountedMDP {
  try DiscountedMDP(
    process: DecisionProcess(stateCount: 1) { _ in [Choice(cost: cost, transitions: [(0, 1)])] },
    discountFactor: discountFactor)
}

/// `|v − cost/(1 − γ)|` for γ in [1/2, 1), where `1 − γ` is exact (Sterbenz): the residual
/// `v (1 − γ) − cost` is rounded once by the fused multiply-add, so the result is a lower
/// bound of the true distance to within a factor 1 − 2⁻⁵².
private func distanceToSelfLoopValue(_ v: Double, cost: Double, discountFactor: Double) -> Double {
  let oneMinus = 1 - discountFactor
  return abs((-cost).addingProduct(v, oneMinus)) * (1 - 0x1p-52) / oneMinus
}

/// Discount factors in [1/2, 1) and costs whose quotients `cost / (1 − γ)` are not exact
/// doubles (1/3-like fractions), so that every solver's values carry round-off.
private let selfLoopCases: [(cost: Double, discountFactor: Double)] = [
  (1, 0.7), (1, 0.9), (3, 0.9), (0.1, 0.95), (7, 0.99), (1, 0.55), (10, 0.6),
]

@Suite("Certificates at the floating-point floor and on degenerate input")
struct CertificateEdgeCaseTests {
  /// With a tolerance far below round-off, the MacQueen–Porteus bracket of a one-state
  /// chain closes exactly after one step (T V − V is the same in every state), yet the
  /// returned values still differ from c/(1 − γ) by round-off: the bound must cover it.
  @Test(arguments: [ValueIteration.Ordering.jacobi, .gaussSeidel])
  func valueIterationBoundCoversRoundOff(ordering: ValueIteration.Ordering) throws {
    for (cost, gamma) in selfLoopCases {
      let solution = ValueIteration(
        tolerance: .absolute(1e-300), maxIterations: 40, ordering: ordering
      ).solve(try selfLoop(cost: cost, discountFactor: gamma))
      let distance = distanceToSelfLoopValue(
        solution.values[0], cost: cost, discountFactor: gamma)
      #expect(distance <= solution.errorBound, "c = \(cost), γ = \(gamma): \(solution)")
    }
  }

  @Test func modifiedPolicyIterationBoundCoversRoundOff() throws {
    for (cost, gamma) in selfLoopCases {
      let solution = ModifiedPolicyIteration(tolerance: .absolute(1e-300), maxIterations: 40)
        .solve(try selfLoop(cost: cost, discountFactor: gamma))
      let distance = distanceToSelfLoopValue(
        solution.values[0], cost: cost, discountFactor: gamma)
      #expect(distance <= solution.errorBound, "c = \(cost), γ = \(gamma): \(solution)")
    }
  }

  /// V* = (10⁶/3)/(1 − 0.99) ≈ 3.3e7, so round-off in T V costs about
  /// 8 ε V* / (1 − γ) ≈ 6e-6 of certificate: 1e-9 is out of reach and must be given up
  /// quickly with the honest status, 1e-4 must be met.
  @Test func toleranceBelowTheFloorIsGivenUpAsRoundOffLimited() throws {
    let cost = 1e6 / 3
    let gamma = 0.99
    let mdp = try selfLoop(cost: cost, discountFactor: gamma)
    let solvers: [any DiscountedSolver] = [
      ValueIteration(tolerance: .absolute(1e-9), maxIterations: 100_000, ordering: .jacobi),
      ValueIteration(tolerance: .absolute(1e-9), maxIterations: 100_000, ordering: .gaussSeidel),
      ModifiedPolicyIteration(tolerance: .absolute(1e-9), maxIterations: 100_000),
    ]
    for solver in solvers {
      let solution = solver.solve(mdp)
      #expect(solution.status == .roundOffLimited, "\(solution.method)")
      #expect(solution.iterations <= 100, "\(solution.method)")
      let distance = distanceToSelfLoopValue(solution.values[0], cost: cost, discountFactor: gamma)
      #expect(distance <= solution.errorBound, "\(solution.method)")
      #expect(solution.errorBound > 1e-9 && solution.errorBound < 1e-4, "\(solution.method)")
    }
    let evaluated = try PolicyEvaluation.discounted(
      mdp, policy: [0], method: .gaussSeidel(tolerance: 1e-9, maxSweeps: 100_000))
    #expect(evaluated.status == .roundOffLimited && evaluated.sweeps <= 100)
    let reachable: [any DiscountedSolver] = [
      ValueIteration(tolerance: .absolute(1e-4), ordering: .jacobi),
      ValueIteration(tolerance: .absolute(1e-4), ordering: .gaussSeidel),
      ModifiedPolicyIteration(tolerance: .absolute(1e-4)),
    ]
    for solver in reachable {
      #expect(solver.solve(mdp).status == .converged)
    }
  }

  /// The dense LU evaluation is exact only up to round-off, so its bound cannot be 0.
  @Test func denseEvaluationBoundCoversRoundOff() throws {
    for (cost, gamma) in selfLoopCases {
      let evaluated = try PolicyEvaluation.discounted(
        try selfLoop(cost: cost, discountFactor: gamma), policy: [0], method: .dense)
      let distance = distanceToSelfLoopValue(
        evaluated.values[0], cost: cost, discountFactor: gamma)
      #expect(distance <= evaluated.errorBound, "c = \(cost), γ = \(gamma): \(evaluated)")
    }
  }
}

@Suite("Degenerate input to the discounted and average-cost solvers")
struct DegenerateInputTests {
  /// Values that overflow (V* = 1e308 / (1 − 0.9) is beyond the largest double) turn into
  /// infinities and then NaN; no solver may call that converged, whether the tolerance is
  /// absolute or relative to the (infinite) value scale.
  @Test(arguments: [Tolerance.absolute(1e-8), .relative(1e-10)])
  func overflowingValuesAreNeverConverged(tolerance: Tolerance) throws {
    let mdp = try selfLoop(cost: 1e308, discountFactor: 0.9)
    for ordering in ValueIteration.Ordering.allCases {
      let solution = ValueIteration(tolerance: tolerance, maxIterations: 30, ordering: ordering)
        .solve(mdp)
      #expect(solution.status == .iterationLimitReached, "\(ordering): \(solution)")
      #expect(!(solution.errorBound < .infinity), "\(ordering): \(solution)")
    }
    let modified = ModifiedPolicyIteration(tolerance: tolerance, maxIterations: 30).solve(mdp)
    #expect(modified.status == .iterationLimitReached, "\(modified)")
    #expect(!(modified.errorBound < .infinity), "\(modified)")
  }

  /// The relative values of a two-state swap with costs ±1e308 differ by 2e308 (beyond
  /// the largest double); the gain bracket then holds infinities and NaN, never a
  /// "converged" gain.
  @Test func overflowingBiasIsNeverConverged() throws {
    let process = try DecisionProcess(stateCount: 2) { state in
      [Choice(cost: state == 0 ? 1e308 : -1e308, transitions: [(1 - state, 1)])]
    }
    for tolerance in [Tolerance.absolute(1e-8), .relative(1e-10)] {
      let solution = RelativeValueIteration(
        tolerance: tolerance, maxIterations: 30, aperiodicity: 1
      ).solve(process)
      #expect(solution.status == .iterationLimitReached, "\(tolerance): \(solution)")
    }
  }

  /// A process without states has nothing to compute: every solver returns at once with
  /// a finite non-negative bound (not −∞ or NaN).
  @Test func emptyProcessHasAZeroBound() throws {
    let empty = try DiscountedMDP(
      process: DecisionProcess(stateCount: 0) { _ in [] }, discountFactor: 0.9)
    for configuration in SolverConfiguration.allCases {
      let solution = configuration.solver().solve(empty)
      #expect(solution.status == .converged, "\(configuration)")
      #expect(solution.errorBound >= 0 && solution.errorBound.isFinite, "\(configuration)")
      #expect(solution.values.isEmpty && solution.policy.isEmpty, "\(configuration)")
    }
  }
}
