import MarkovSolvers

/// The exact figures of one named policy, as in the paper's Fig. 5 comparison.
public struct PolicyDelay: Sendable {
  /// `optimal` (discounted), `optimal-average`, `offload-only`, `non-idling` or a
  /// caller-supplied name.
  public let name: String
  public let figures: DelayFigures
  /// The optimal policies' solver status (nil for fixed policies).
  public let solverStatus: SolverStatus?
  /// The optimal policies' solver iterations (sweeps; nil for fixed policies).
  public let solverIterations: Int?
  /// The optimal policies' thresholds T1(n), T0(n) over the whole grid
  /// (docs/service-modes.md §S5.4; nil for fixed policies).
  public var thresholds: ServiceModeThresholds?

  /// Whether the solver (if any) and the stationary solve both met their tolerances.
  public var converged: Bool {
    figures.status == .converged && (solverStatus ?? .converged) == .converged
  }
}

/// Exact delays of the optimal policies and the baselines (docs/service-modes.md §S6, §S7, §S9 Fig.
/// 5).
public enum PolicyComparison {
  /// The row name of the optimal policy under `criterion`: `optimal` (discounted, the
  /// paper's criterion) or `optimal-average`.
  public static func optimalName(_ criterion: OptimalityCriterion) -> String {
    switch criterion {
    case .discounted: "optimal"
    case .average: "optimal-average"
    }
  }

  /// The figures of, in order: the optimal policy under each of `criteria` (named by
  /// `optimalName`), Offload-Only, Non-Idling, then `extra`.
  ///
  /// The rows are independent (each optimal solve starts from its own criterion's start),
  /// so up to `threads` of them are computed at once, in row order; the result does not
  /// depend on `threads`.
  /// - Parameters:
  ///   - solver: its iteration limit, and its tolerance if set explicitly, are used for
  ///     every criterion (otherwise each criterion's default tolerance).
  ///   - criteria: default both, discounted first.
  ///   - threads: rows computed in parallel (>= 1).
  /// - Throws: the first (in row order) `ChainError`: a policy's reachable chain has
  ///   several recurrent classes.
  /// - Complexity: `criteria.count` solves and `criteria.count + 2 + extra.count`
  ///   stationary solves.
  public static func evaluate(
    _ model: ServiceModeModel, solver: ServiceModeSolver,
    criteria: [OptimalityCriterion] = [.discounted, .average],
    extra: [(name: String, policy: ServiceModePolicy)] = [], threads: Int = 1
  ) throws(ChainError) -> [PolicyDelay] {
    let fixed = fixedPolicies(model.stateSpace) + extra
    let results = concurrentMap(criteria.count + fixed.count, threads: threads) {
      index -> Result<PolicyDelay, ChainError> in
      do throws(ChainError) {
        if index < criteria.count {
          let solution = solve(model, solver: solver, criterion: criteria[index], from: nil)
          return .success(try row(model, solution: solution))
        }
        let (name, policy) = fixed[index - criteria.count]
        return .success(try row(model, name: name, policy: policy))
      } catch {
        return .failure(error)
      }
    }
    var rows: [PolicyDelay] = []
    for result in results { rows.append(try result.get()) }
    return rows
  }

  /// `evaluate` for every model on up to `threads` threads, warm-starting the optimal-policy
  /// solves along chains (docs/service-modes.md §S9 Fig. 5).
  ///
  /// Rule: the models are cut into chains of L = `warmStartChain` consecutive models (chain
  /// c = `c·L ..< (c+1)·L`). In a chain each solve starts from the previous model's solution
  /// under the same criterion (`ServiceModeSolver.solve(_:from:)`) if both have the same
  /// state space (B, B2), otherwise from zero; a chain's first model starts from zero, and
  /// L = 1 is `evaluate` from scratch. One thread solves a chain in order, so the result (in
  /// model order) does not depend on `threads`, and a shard of whole chains
  /// (`shardPositions`) gets bitwise the same rows as the full sweep.
  /// - Parameters:
  ///   - warmStartChain: L >= 1.
  ///   - progress: called once per model, from the worker that evaluated it, with the
  ///     model's index and the number of models finished so far (1 to `models.count`).
  /// - Throws: the first `ChainError`, in model order.
  /// - Complexity: that of `evaluate` per model; warm starts only save solver iterations.
  public static func sweep(
    _ models: [ServiceModeModel], solver: ServiceModeSolver, threads: Int,
    criteria: [OptimalityCriterion] = [.discounted, .average], warmStartChain: Int = 1,
    extra: @Sendable (ServiceModeModel) -> [(name: String, policy: ServiceModePolicy)] = { _ in []
    },
    progress: @Sendable (_ index: Int, _ finished: Int) -> Void = { _, _ in }
  ) throws(ChainError) -> [[PolicyDelay]] {
    let ranges = chains(count: models.count, length: warmStartChain)
    let finished = Counter()
    let results = concurrentMap(ranges.count, threads: threads) { chain in
      var previous: [ServiceModeSolution] = []
      return ranges[chain].map { index in
        let model = models[index]
        let solutions = criteria.indices.map { criterion in
          solve(
            model, solver: solver, criterion: criteria[criterion],
            from: previous.first?.model.stateSpace == model.stateSpace
              ? previous[criterion].values : nil)
        }
        previous = solutions
        let result = Result { () throws(ChainError) in
          try rows(model, solutions: solutions, extra: extra(model))
        }
        progress(index, finished.increment())
        return result
      }
    }
    return try results.joined().map { result throws(ChainError) in try result.get() }
  }

  /// The chains of a sweep of `count` values: `c·length ..< min((c+1)·length, count)` for
  /// c = 0, 1, ...
  /// - Precondition: `length >= 1`.
  static func chains(count: Int, length: Int) -> [Range<Int>] {
    precondition(length >= 1, "chain length \(length) must be >= 1")
    return stride(from: 0, to: count, by: length).map { $0..<min($0 + length, count) }
  }

  /// The positions (increasing) of shard `shard` of `shards` (0-based) of a sweep of
  /// `count` values: the whole chains c of `sweep` with `c mod shards = shard` (round robin,
  /// so slow high-load chains are spread over the shards). Only the sweep's last chain can
  /// be shorter than `chainLength`, so `sweep` over these positions' models cuts the same
  /// chains and computes every value as the full sweep does.
  /// - Precondition: `chainLength >= 1`, `0 <= shard < shards`.
  /// - Complexity: O(count).
  public static func shardPositions(
    count: Int, chainLength: Int, shard: Int, of shards: Int
  ) -> [Int] {
    precondition((0..<shards).contains(shard), "shard \(shard) outside 0..<\(shards)")
    return chains(count: count, length: chainLength).enumerated()
      .filter { $0.offset % shards == shard }.flatMap(\.element)
  }

  /// `solver` under `criterion`, started from `start` (nil: zero).
  private static func solve(
    _ model: ServiceModeModel, solver: ServiceModeSolver, criterion: OptimalityCriterion,
    from start: [Double]?
  ) -> ServiceModeSolution {
    var optimal = solver
    optimal.criterion = criterion
    return optimal.solve(model, from: start)
  }

  /// The rows of `evaluate`, given the optimal solutions.
  private static func rows(
    _ model: ServiceModeModel, solutions: [ServiceModeSolution],
    extra: [(name: String, policy: ServiceModePolicy)]
  ) throws(ChainError) -> [PolicyDelay] {
    var rows: [PolicyDelay] = []
    for solution in solutions { rows.append(try row(model, solution: solution)) }
    for (name, policy) in fixedPolicies(model.stateSpace) + extra {
      rows.append(try row(model, name: name, policy: policy))
    }
    return rows
  }

  /// The baselines every comparison reports, after the optimal policies.
  private static func fixedPolicies(_ space: ServiceModeStateSpace)
    -> [(name: String, policy: ServiceModePolicy)]
  {
    [("offload-only", .offloadOnly(space)), ("non-idling", .nonIdling(space))]
  }

  /// The row of an optimal solution.
  private static func row(_ model: ServiceModeModel, solution: ServiceModeSolution)
    throws(ChainError) -> PolicyDelay
  {
    PolicyDelay(
      name: optimalName(solution.criterion), figures: try model.delay(of: solution.policy),
      solverStatus: solution.status, solverIterations: solution.iterations,
      thresholds: solution.policy.thresholds)
  }

  /// The row of a fixed policy.
  private static func row(_ model: ServiceModeModel, name: String, policy: ServiceModePolicy)
    throws(ChainError) -> PolicyDelay
  {
    PolicyDelay(
      name: name, figures: try model.delay(of: policy), solverStatus: nil, solverIterations: nil)
  }
}
