import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Service-mode solvers: cross-checks of §S4, §S7.2, §S7.4, §S8.4")
struct SolverTests {
  static let configurations = PaperConfiguration.allCases

  @Test(arguments: configurations)
  func valueIterationAgreesWithPolicyIteration(configuration: PaperConfiguration) throws {
    let model = try ServiceModeModel(parameters: configuration.parameters, bufferLimit: 12)
    let vi = ServiceModeSolver.default.solve(model)
    // Policy iteration with exact (dense LU) evaluation, started from Non-Idling (S4.2).
    let pi = PolicyIteration(
      evaluation: .dense, tieRule: ServiceModeSolver.tieRule,
      initialPolicy: ServiceModePolicy.nonIdling(model.stateSpace).candidateIndices
    ).solve(model.discountedMDP)
    #expect(vi.converged && pi.status == .converged)
    let roundOff = 1e-12 * (vi.values.map(abs).max() ?? 1)
    #expect(maxAbsDifference(vi.values, pi.values) <= vi.errorBound + pi.errorBound + roundOff)
    #expect(ServiceModePolicy(candidateIndices: pi.policy, of: model) == vi.policy)
  }

  /// At γ = 0.999999 Gauss–Seidel's bound stagnates far above its floating-point floor (at
  /// B = 50 it was called "round-off limited" at 1.6e6 while Jacobi certifies 4.7e-3). The
  /// default solver must not blame round-off there: it finishes with Jacobi steps, and its
  /// diagnosis and bound must agree with the independent sparse Jacobi solve (the same
  /// status, a bound within a factor 10, values within the sum of the two bounds).
  @Test func nearOneDiscountIsNotCalledRoundOffLimitedFarAboveTheFloor() throws {
    let model = try ServiceModeModel(
      parameters: PaperConfiguration.a.parameters, bufferLimit: 30,
      discount: .discrete(0.999999))
    let standard = ServiceModeSolver.default.solve(model)
    var jacobiSolver = ServiceModeSolver.default
    jacobiSolver.discountedMethod = .jacobi
    let jacobi = jacobiSolver.solve(model)
    #expect(jacobi.status == .roundOffLimited && jacobi.errorBound < 0.1)
    #expect(standard.status == jacobi.status)
    #expect(standard.errorBound <= 10 * jacobi.errorBound)
    #expect(
      maxAbsDifference(standard.values, jacobi.values) <= standard.errorBound + jacobi.errorBound)
  }

  @Test func policyEvaluationReproducesTheOptimalValues() throws {
    let model = try ServiceModeModel(parameters: PaperConfiguration.b.parameters, bufferLimit: 10)
    let vi = ServiceModeSolver.default.solve(model)
    let evaluated = try PolicyEvaluation.discounted(
      model.discountedMDP, policy: vi.policy.candidateIndices, method: .dense)
    let roundOff = 1e-12 * (vi.values.map(abs).max() ?? 1)
    #expect(maxAbsDifference(evaluated.values, vi.values) <= vi.errorBound + roundOff)
  }

  @Test func atFixedBetaThePolicyAndScaledValuesDoNotDependOnNu() throws {
    let p = PaperConfiguration.c.parameters
    let beta = 0.3
    let models = try UniformizationConvention.allCases.map {
      try ServiceModeModel(
        parameters: p, bufferLimit: 10, uniformization: $0, discount: .continuous(beta))
    }
    let solutions = models.map { ServiceModeSolver.default.solve($0) }
    #expect(models[0].uniformizationRate != models[1].uniformizationRate)
    #expect(solutions[0].policy == solutions[1].policy)
    // V_CT = V_DT / (nu + beta), the same for every nu (docs/service-modes.md §S3.2).
    let scaled = zip(models, solutions).map { model, solution in
      (
        solution.values.map { $0 / (model.uniformizationRate + beta) },
        solution.errorBound / (model.uniformizationRate + beta)
      )
    }
    #expect(maxAbsDifference(scaled[0].0, scaled[1].0) <= scaled[0].1 + scaled[1].1 + 1e-12)
  }

  /// S7.4: V/(nu + beta) satisfies the continuous-time Bellman equation written without
  /// uniformization, `V(x) = min_y [ |y| + Σ_e r_e V(e(y)) ] / (beta + Σ_e r_e)`, summing over
  /// the events enabled and not blocked in y. The operator is written here from the event
  /// table, independently of the model's compiled matrix.
  @Test(arguments: configurations)
  func valuesSatisfyTheContinuousTimeBellmanEquation(configuration: PaperConfiguration) throws {
    let p = configuration.parameters
    let (b, b2) = (10, 8)
    let model = try ServiceModeModel(parameters: p, bufferLimit: b, cloudBufferLimit: b2)
    let solution = ServiceModeSolver.default.solve(model)
    let space = model.stateSpace
    let beta = model.continuousDiscount
    let v = solution.values.map { $0 / (model.uniformizationRate + beta) }
    func value(_ x: ServiceModeState) -> Double { v[space.index(of: x)] }
    func postValue(_ y: ServiceModeState) -> Double {
      var rates = 0.0
      var flow = 0.0
      func event(_ rate: Double, _ target: ServiceModeState) {
        rates += rate
        flow += rate * value(target)
      }
      var next = y
      if y.baseQueue < b {
        next.baseQueue += 1
        event(p.arrivalRate, next)
      }
      next = y
      if y.cloudSM2 >= 1 {
        next.cloudSM2 -= 1
        event(p.sm2CloudRate, next)
      } else if y.cloudSM1 == 1 {
        next.cloudSM1 = 0
        event(p.sm1CloudRate, next)
      }
      next = y
      if y.localBusy == 1 && y.cloudSM2 < b2 {
        next.localBusy = 0
        next.cloudSM2 += 1
        event(p.sm2LocalRate, next)
      }
      return (Double(y.jobCount) + flow) / (beta + rates)
    }
    var residual = 0.0
    for index in 0..<space.stateCount {
      let x = space.state(at: index)
      let best = ServiceModeAction.allCases.filter(x.admits).map { postValue(x.applying($0)) }
        .min()!
      residual = max(residual, abs(best - v[index]))
    }
    let scale = v.map(abs).max()!
    #expect(residual <= 1e-11 * scale + solution.errorBound / model.uniformizationRate)
  }

  @Test(arguments: configurations)
  func averageCostGainEqualsStationaryMeanJobs(configuration: PaperConfiguration) throws {
    let model = try ServiceModeModel(parameters: configuration.parameters, bufferLimit: 12)
    let solver = try ServiceModeSolver(criterion: .average, tolerance: 1e-11)
    let solution = solver.solve(model)
    #expect(solution.converged)
    let gain = try #require(solution.gainBounds)
    // L of the policy from its stationary distribution (GTH on the post-decision chain).
    let figures = try model.delay(of: solution.policy, method: .gth)
    #expect(
      figures.meanJobs >= gain.lowerBound - 1e-9 && figures.meanJobs <= gain.upperBound + 1e-9)
    // The average-optimal policy is at least as good as any baseline (S9 claim).
    for baseline in [ServiceModePolicy.nonIdling(model.stateSpace), .offloadOnly(model.stateSpace)]
    {
      let baselineJobs = try model.delay(of: baseline, method: .gth).meanJobs
      #expect(figures.meanJobs <= baselineJobs + 1e-9)
    }
  }

  /// The default tolerances of the brief (1e-12 discounted, 1e-9 average) follow the
  /// criterion unless a tolerance is given explicitly.
  @Test func defaultToleranceFollowsTheCriterion() throws {
    var solver = try ServiceModeSolver()
    #expect(solver.tolerance == 1e-12)
    solver.criterion = .average
    #expect(solver.tolerance == 1e-9)
    var explicit = try ServiceModeSolver(criterion: .average, tolerance: 1e-7)
    explicit.criterion = .discounted
    #expect(explicit.tolerance == 1e-7)
  }

  /// At B = 50 and loads 0.55, 0.6 relative value iteration stalled at its round-off floor
  /// with ε = 1e-12; with the default ε it converges, and its gain bracket holds the mean
  /// number of jobs of its policy (independent stationary solve).
  @Test(arguments: [0.55, 0.6])
  func averageCriterionConvergesAtMidLoads(load: Double) throws {
    let parameters = try ServiceModeParameters(load: load, cloudSpeedup: 5, localFraction: 0.6)
    let model = try ServiceModeModel(parameters: parameters, bufferLimit: 50)
    let solution = try ServiceModeSolver(criterion: .average).solve(model)
    #expect(solution.converged)
    let gain = try #require(solution.gainBounds)
    let meanJobs = try model.delay(of: solution.policy).meanJobs
    #expect(meanJobs >= gain.lowerBound - 1e-9 && meanJobs <= gain.upperBound + 1e-9)
  }

  @Test func gaussSeidelAndGTHGiveTheSameFigures() throws {
    let model = try ServiceModeModel(parameters: PaperConfiguration.b.parameters, bufferLimit: 12)
    let policy = ServiceModeSolver.default.solve(model).policy
    let gth = try model.delay(of: policy, method: .gth)
    let gaussSeidel = try model.delay(of: policy, method: .gaussSeidel(tolerance: 1e-13))
    #expect(isClose(gth.meanDelay, gaussSeidel.meanDelay, relative: 1e-10))
    #expect(isClose(gth.blockingProbability, gaussSeidel.blockingProbability, relative: 1e-8))
    // Flow conservation: every admitted job leaves through SM1 or SM2.
    #expect(isClose(gth.sm1Share + gth.sm2Share, 1, relative: 1e-10))
  }
}

@Suite("Average-cost policy iteration on a stiff model (a fuzz finding)")
struct StiffAverageCostTests {
  /// f = 1e-9 makes mu_l2 = 1e9 and nu = 1e9, so relative values reach 5e10 per-step costs.
  /// Relaxed improvement steps then raised the gain and policy iteration cycled between three
  /// policies until the iteration limit (1e6 in the CLI). It must stop within a few
  /// iterations, and its bracket must overlap classical policy iteration's (no relaxation:
  /// Howard's monotone steps, an independent variant).
  @Test func relaxedStepsNeverMakePolicyIterationCycle() throws {
    let model = try ServiceModeModel(
      parameters: ServiceModeParameters(load: 0.5, cloudSpeedup: 5, localFraction: 1e-9),
      bufferLimit: 10)
    var solver = try ServiceModeSolver(criterion: .average)
    solver.maxIterations = 1_000
    let relaxed = solver.solve(model)
    #expect(relaxed.iterations <= 20)
    #expect(relaxed.status != .iterationLimitReached)
    let bounds = try #require(relaxed.gainBounds)
    let classical = AverageCostPolicyIteration(tolerance: .relative(1e-9), relaxationSweeps: 0)
      .solve(model.process)
    #expect(classical.status != .iterationLimitReached)
    #expect(
      bounds.lowerBound <= classical.gainUpperBound
        && classical.gainLowerBound <= bounds.upperBound)
  }
}
