import MarkovSolvers

/// The exact figures of one named policy, as in the paper's Fig. 5 comparison.
public struct PolicyDelay: Sendable {
  /// `optimal` (discounted), `optimal-average`, `offload-only`, `non-idling` or a
  /// caller-supplied name.
  public let name: String
  public let figures: DelayFigures
  /// The optimal policies' solver status (nil for fixed policies).
  public let solverStatus: SolverStatus?

  /// Whether the solver (if any) and the stationary solve both met their tolerances.
  public var converged: Bool {
    figures.status == .converged && (solverStatus ?? .converged) == .converged
  }
}

/// Exact delays of the optimal policies and the baselines (spec S6, S7, S9 Fig. 5).
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
  /// - Parameters:
  ///   - solver: its iteration limit, and its tolerance if set explicitly, are used for
  ///     every criterion (otherwise each criterion's default tolerance).
  ///   - criteria: default both, discounted first.
  /// - Throws: `ChainError` if a policy's reachable chain has several recurrent classes.
  /// - Complexity: `criteria.count` solves and `criteria.count + 2 + extra.count`
  ///   stationary solves.
  public static func evaluate(
    _ model: ServiceModeModel, solver: ServiceModeSolver,
    criteria: [OptimalityCriterion] = [.discounted, .average],
    extra: [(name: String, policy: ServiceModePolicy)] = []
  ) throws(ChainError) -> [PolicyDelay] {
    var rows: [PolicyDelay] = []
    for criterion in criteria {
      var optimal = solver
      optimal.criterion = criterion
      let solution = optimal.solve(model)
      rows.append(
        PolicyDelay(
          name: optimalName(criterion), figures: try model.delay(of: solution.policy),
          solverStatus: solution.status))
    }
    let space = model.stateSpace
    let fixed: [(name: String, policy: ServiceModePolicy)] = [
      ("offload-only", .offloadOnly(space)), ("non-idling", .nonIdling(space)),
    ]
    for (name, policy) in fixed + extra {
      rows.append(PolicyDelay(name: name, figures: try model.delay(of: policy), solverStatus: nil))
    }
    return rows
  }

  /// `evaluate` for every model, computed on up to `threads` threads; the result is in the
  /// order of `models` and does not depend on the thread count (each model is evaluated
  /// alone, from scratch).
  /// - Parameter progress: called once per model, from the worker that evaluated it, with
  ///   the model's index and the number of models finished so far (1 to `models.count`).
  /// - Throws: the first `ChainError`, in model order.
  public static func sweep(
    _ models: [ServiceModeModel], solver: ServiceModeSolver, threads: Int,
    criteria: [OptimalityCriterion] = [.discounted, .average],
    extra: @Sendable (ServiceModeModel) -> [(name: String, policy: ServiceModePolicy)] = { _ in []
    },
    progress: @Sendable (_ index: Int, _ finished: Int) -> Void = { _, _ in }
  ) throws(ChainError) -> [[PolicyDelay]] {
    let results = concurrentMap(models.count, threads: threads, progress: progress) { index in
      Result { () throws(ChainError) in
        try evaluate(
          models[index], solver: solver, criteria: criteria, extra: extra(models[index]))
      }
    }
    return try results.map { result throws(ChainError) in try result.get() }
  }
}
