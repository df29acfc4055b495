import MarkovSolvers

/// The optimality criterion of a solve.
public enum OptimalityCriterion: String, Sendable, CaseIterable {
  /// Minimise `E Σ γ^k |x_k|` on the uniformized chain (the paper's criterion).
  case discounted
  /// Minimise the long-run mean number of jobs (equivalently the mean delay, by Little's
  /// law, when nothing is lost).
  case average
}

/// Computes an optimal policy of a `ServiceModeModel` with the core's solvers.
///
/// - Discounted: value iteration from `V = 0` (or a warm start, `solve(_:from:)`) with
///   MacQueen–Porteus bounds (docs/service-modes.md §S4.1), stopped when the certified bound `‖V −
///   V*‖∞` is at most `tolerance · max(1, ‖V‖∞)` (or `tolerance` with `toleranceMode = .absolute`).
///   The default sweep is matrix-free symmetric Gauss–Seidel (`ServiceModeGridOperator`,
///   Anderson-accelerated on models that fit in cache, certified by a Jacobi step every 20
///   sweeps); `.jacobi` is the plain sparse iteration of docs/service-modes.md §S4.1.
/// - Average: the contract's average-cost policy iteration (a sparse LU per policy,
///   `H(empty) = 0`), started from the discounted-optimal policy (`averageStartPolicy`),
///   stopped when the certified Odoni bracket `min(TH − H) <= g* <= max(TH − H)` is at most
///   `tolerance · max(1, |g|)` wide (docs/service-modes.md §S7.2; default ε = 1e-9, see
///   `defaultTolerance(for:)`; docs/average-cost.md §2).
///
/// In both cases the policy is read off the final values with the tie rule of docs/service-modes.md
/// §S4.3: candidates within `max(10 · bound, 1e-10 · max|W|)` of the minimum are ties, won by the
/// first of idle, SM1, SM2, SM1+SM2.
///
/// Docs: docs/service-modes.md §S4.
public struct ServiceModeSolver: Sendable {
  /// How the discounted criterion is iterated.
  public enum DiscountedMethod: String, Sendable, CaseIterable {
    /// Matrix-free symmetric Gauss–Seidel with diagonal elimination (default; about 4
    /// times fewer sweeps than Jacobi, each without a stored matrix).
    case gaussSeidel = "gauss-seidel"
    /// Jacobi value iteration on the sparse model (docs/service-modes.md §S4.1 as written).
    case jacobi
  }

  /// Whether `tolerance` bounds the error relative to `max(1, ‖V‖∞)` or absolutely (the
  /// contract's `Tolerance.Kind`).
  public typealias ToleranceMode = Tolerance.Kind

  /// The tie rule of docs/service-modes.md §S4.3.
  public static let tieRule = TieRule(boundMultiple: 10, relativeFloor: 1e-10)

  /// The discounted criterion with ε = 1e-12 (docs/service-modes.md §S4.1).
  public static let `default`: ServiceModeSolver = {
    do { return try ServiceModeSolver() } catch { preconditionFailure("default solver: \(error)") }
  }()

  /// The default ε of a criterion: 1e-12 for discounted value iteration (docs/service-modes.md
  /// §S4.1), 1e-9 for the average criterion. Its bracket `max(TH − H) − min(TH − H)` is a
  /// difference of O(B)-sized values, so its round-off floor is about 1e-13 · max|H|,
  /// which at B = 50 and mid loads stays above 1e-12 · |g|.
  public static func defaultTolerance(for criterion: OptimalityCriterion) -> Double {
    switch criterion {
    case .discounted: 1e-12
    case .average: 1e-9
    }
  }

  public var criterion: OptimalityCriterion
  /// ε, relative to `max(1, ‖V‖∞)` (discounted) or `max(1, |g|)` (average). Unless set
  /// explicitly it is `defaultTolerance(for: criterion)`, and so follows `criterion`.
  public var tolerance: Double {
    get { explicitTolerance ?? Self.defaultTolerance(for: criterion) }
    set { explicitTolerance = newValue }
  }
  private var explicitTolerance: Double?
  public var maxIterations: Int
  public var discountedMethod: DiscountedMethod = .gaussSeidel
  public var toleranceMode: ToleranceMode = .relative
  /// Threads of the matrix-free Gauss–Seidel sweep (1 or 2 are used); the result is the
  /// same for every value.
  public var threads = 1
  /// Passed to value iteration (discounted criterion): sweeps so far and current bound.
  public var progress: (@Sendable (_ iterations: Int, _ errorBound: Double) -> Void)?

  /// The stopping threshold of the certified bound.
  public var certifiedTolerance: Tolerance {
    toleranceMode == .relative ? .relative(tolerance) : .absolute(tolerance)
  }

  /// The solver contract's settings this preset stands for, for a model of `stateCount`
  /// states with discount factor γ (discounted): `method` Gauss–Seidel or Jacobi value
  /// iteration, or average-cost policy iteration; the tie rule of docs/service-modes.md
  /// §S4.3; a Jacobi certification every 20 Gauss–Seidel sweeps; Anderson memory 1 up to
  /// `andersonStateLimit` states.
  public func contract(stateCount: Int, discountFactor: Double) -> MDPSolver {
    var solver: MDPSolver
    switch criterion {
    case .discounted:
      solver = MDPSolver(
        criterion: .discounted(factor: discountFactor),
        method: discountedMethod == .jacobi ? .valueIteration : .gaussSeidel,
        tolerance: certifiedTolerance, maxIterations: maxIterations)
    case .average:
      solver = MDPSolver(
        criterion: .average, method: .policyIteration, tolerance: certifiedTolerance,
        maxIterations: maxIterations)
    }
    solver.tieRule = Self.tieRule
    solver.progress = progress
    solver.tuning.certificationInterval = 20
    if discountedMethod == .gaussSeidel && stateCount <= Self.andersonStateLimit {
      solver.tuning.andersonMemory = 1
    }
    return solver
  }

  /// The contract's settings for `model`. Discounted: warm-started from the values `start`.
  /// Average: `start` is not used; policy iteration starts from the discounted-optimal
  /// policy (`averageStartPolicy`), which this call computes (a value iteration to 1e-6).
  public func contract(for model: ServiceModeModel, from start: [Double]? = nil) -> MDPSolver {
    var solver = contract(
      stateCount: model.stateSpace.stateCount, discountFactor: model.discountFactor)
    switch criterion {
    case .discounted: solver.initialValues = start
    case .average: solver.initialPolicy = averageStartPolicy(model)
    }
    return solver
  }

  /// Gauss–Seidel is Anderson-accelerated (memory 1) up to this many states, where the
  /// value vectors stay in cache: measured on configuration (a) at 1e-8, sweeps fall from
  /// 620 to 294 at B = 100 (1.6 times faster) but only from 780 to 525 at B = 400 (1.1
  /// times) and 980 to 735 at B = 1000 (no faster), where the extra vector passes are
  /// memory bound.
  public static let andersonStateLimit = 200_000

  /// - Parameter tolerance: ε; nil (the default) selects `defaultTolerance(for:)` of the
  ///   criterion in force at solve time.
  /// - Throws: `ParameterError` unless `0 < tolerance < 1` and
  ///   `1 <= maxIterations <= MDPSolver.maximumIterationLimit`.
  public init(
    criterion: OptimalityCriterion = .discounted, tolerance: Double? = nil,
    maxIterations: Int = 1_000_000
  ) throws(ParameterError) {
    if let tolerance, !(tolerance > 0 && tolerance < 1) {
      throw .outOfRange("tolerance", tolerance, valid: "in (0, 1)")
    }
    guard maxIterations >= 1 else {
      throw .outOfRange("maximum iterations", maxIterations, valid: "an integer >= 1")
    }
    guard maxIterations <= MDPSolver.maximumIterationLimit else {
      throw .outOfRange(
        "maximum iterations", maxIterations,
        valid: "an integer in 1...\(MDPSolver.maximumIterationLimit)")
    }
    self.criterion = criterion
    self.explicitTolerance = tolerance
    self.maxIterations = maxIterations
  }

  /// The matrix-free operator of `model` with this solver's thread count.
  public func gridOperator(_ model: ServiceModeModel) -> ServiceModeGridOperator {
    var grid = ServiceModeGridOperator(model)
    grid.threads = threads
    return grid
  }

  /// Solves the model under `criterion`, from zero values.
  /// - Complexity: O(states) per iteration (at most 5 transitions and 4 candidates per
  ///   state).
  public func solve(_ model: ServiceModeModel) -> ServiceModeSolution {
    solve(model, from: nil)
  }

  /// Solves the model under `criterion` starting from `start` (a warm start): discounted V
  /// in the convention of `ServiceModeSolution.values`, one entry per state of
  /// `model.stateSpace`; nil starts from zero. The stopping rule and certificate do not
  /// depend on `start`: a start close to the solution saves iterations, and the result
  /// differs from a cold start's only within the certified bound. The average criterion
  /// does not use `start` (see `averageStartPolicy`), so its result is the cold one.
  /// - Complexity: O(states) per iteration.
  public func solve(_ model: ServiceModeModel, from start: [Double]?) -> ServiceModeSolution {
    let settings = contract(for: model, from: start)
    let solution: CertifiedSolution
    do {
      solution =
        criterion == .discounted && discountedMethod == .gaussSeidel
        ? try settings.solve(operator: gridOperator(model)) : try settings.solve(model.process)
    } catch {
      preconditionFailure("the service-mode solver's settings were validated: \(error)")
    }
    return ServiceModeSolution(model: model, criterion: criterion, solution: solution)
  }
}

extension ServiceModeSolver {
  /// The first policy of average-cost policy iteration: the discounted-optimal policy of
  /// the model's own discount factor, from a value iteration to 1e-6 (relative) that costs
  /// a fraction of one policy evaluation. Measured on configuration (a), rho = 0.95
  /// (docs/average-cost.md §3): 3 policy iterations at B = 50 and 4 at B = 100 from this
  /// start. A warm start's relative values are not used: the greedy policy of the previous
  /// sweep value's H took more iterations (42 against 37 on the 19-load Fig. 5 sweep at
  /// B = 12), so the average criterion solves every value from this start.
  func averageStartPolicy(_ model: ServiceModeModel) -> [Int] {
    var discounted = self
    discounted.criterion = .discounted
    discounted.tolerance = 1e-6
    discounted.toleranceMode = .relative
    discounted.progress = nil
    return discounted.solve(model).policy.candidateIndices
  }
}

/// An optimal policy with its values and the facts needed to trust them.
public struct ServiceModeSolution: Sendable {
  public let model: ServiceModeModel
  public let criterion: OptimalityCriterion
  public let policy: ServiceModePolicy
  /// Discounted: V on the discrete-time scale of docs/service-modes.md §S3.4 (`V_DT = (ν + β)
  /// V_CT`). Average: the relative values H with `H(empty) = 0`.
  public let values: [Double]
  /// The candidates' values per post-decision state y: `W(y) = |y| + γ Σ P(y, x') V(x')`
  /// (γ = 1 for the average criterion), so that `V(x) = min_{y ∈ R(x)} W(y)`.
  public let rowValues: [Double]
  public let status: SolverStatus
  public let iterations: Int
  /// Discounted: certified `‖values − V*‖∞`. Average: certified `|g − g*|`, the half-width
  /// of `gainBounds`.
  public let errorBound: Double
  /// The tie tolerance the policy was read with (docs/service-modes.md §S4.3).
  public let tieTolerance: Double
  /// Average criterion: the Odoni bracket on the optimal long-run mean number of jobs.
  public let gainBounds: ClosedRange<Double>?
  public let method: String

  public var converged: Bool { status == .converged }

  init(model: ServiceModeModel, criterion: OptimalityCriterion, solution: CertifiedSolution) {
    self.model = model
    self.criterion = criterion
    self.policy = ServiceModePolicy(candidateIndices: solution.policy, of: model)
    self.values = solution.values
    let discount = solution.discountFactor ?? 1
    let expected = model.process.transitions.multiply(values)
    self.rowValues = zip(model.process.costs, expected).map { $0 + discount * $1 }
    self.status = solution.status
    self.iterations = solution.iterations
    self.errorBound = solution.errorBound
    self.tieTolerance = solution.tieTolerance
    if case .gainBracket(let lower, let upper) = solution.certificate {
      self.gainBounds = lower...upper
    } else {
      self.gainBounds = nil
    }
    self.method = solution.methodDescription
  }
}
