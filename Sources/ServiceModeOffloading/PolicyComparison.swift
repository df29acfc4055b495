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
  /// The figures of, in order: the discounted-optimal policy (`optimal`), the
  /// average-optimal policy (`optimal-average`), Offload-Only, Non-Idling, then `extra`.
  /// - Parameter solver: its tolerance and iteration limit are used for both criteria.
  /// - Throws: `ChainError` if a policy's reachable chain has several recurrent classes.
  /// - Complexity: two solves and `4 + extra.count` stationary solves.
  public static func evaluate(
    _ model: ServiceModeModel, solver: ServiceModeSolver,
    extra: [(name: String, policy: ServiceModePolicy)] = []
  ) throws(ChainError) -> [PolicyDelay] {
    var rows: [PolicyDelay] = []
    for (name, criterion) in [("optimal", OptimalityCriterion.discounted), ("optimal-average", .average)] {
      var optimal = solver
      optimal.criterion = criterion
      let solution = optimal.solve(model)
      rows.append(
        PolicyDelay(
          name: name, figures: try model.delay(of: solution.policy), solverStatus: solution.status))
    }
    let space = model.stateSpace
    for (name, policy) in [("offload-only", ServiceModePolicy.offloadOnly(space)),
      ("non-idling", .nonIdling(space))] + extra
    {
      rows.append(PolicyDelay(name: name, figures: try model.delay(of: policy), solverStatus: nil))
    }
    return rows
  }

  /// `evaluate` for every model, computed on up to `threads` threads; the result is in the
  /// order of `models` and does not depend on the thread count.
  /// - Throws: the first `ChainError`, in model order.
  public static func sweep(
    _ models: [ServiceModeModel], solver: ServiceModeSolver, threads: Int,
    extra: @Sendable (ServiceModeModel) -> [(name: String, policy: ServiceModePolicy)] = { _ in [] }
  ) throws(ChainError) -> [[PolicyDelay]] {
    let results = concurrentMap(models.count, threads: threads) { index in
      Result { () throws(ChainError) in
        try evaluate(models[index], solver: solver, extra: extra(models[index]))
      }
    }
    return try results.map { result throws(ChainError) in try result.get() }
  }
}
