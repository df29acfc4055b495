import MarkovSolvers

/// Solves the GI/M(L→K)/1 accessible-batch queue (docs/batch-queue.md §4).
public enum BatchQueueSolver {
  /// Which solver to use.
  public enum Method: Sendable, Equatable {
    /// The roots method for the infinite buffer under the switch rule, the chain otherwise.
    case automatic
    /// The exact semi-closed form of spec Q3.1 (infinite buffer, switch rule only).
    case roots
    /// The embedded chain of spec Q3.2; for an infinite buffer truncated at `level` states
    /// (default: the automatic level `2K + ceil(ln(1e-17)/ln η)` of Q3.2.3).
    case truncated(level: Int? = nil)
  }

  /// The stationary solution with its checks (Q3.1.5, Q4.3) and status.
  ///
  /// Roots method: `σ = A*(μ_K(1 - σ^K))` by bracketing and bisection, then the O(K)
  /// recursion of Q3.1 Step 3 and the closed forms of Q4.2 and Q5. Chain: the kernels of
  /// Q2.4 item 2 and the core's stationary solver.
  /// - Throws: `ParameterError` for the roots method with a finite capacity or the frozen
  ///   rule (use the chain), ρ too close to 1 for double precision, or a chain beyond the
  ///   size bounds of `TruncatedChain` (the message names the bound).
  /// - Complexity: roots O(K) transform evaluations plus about 60 for σ; chain see
  ///   `TruncatedChain` (docs/batch-queue.md §4.2, §9).
  /// Docs: docs/batch-queue.md §4, §4.3 (checks).
  public static func solve(_ parameters: BatchQueueParameters, method: Method = .automatic)
    throws(ParameterError) -> BatchQueueSolution
  {
    let exactCase = parameters.capacity == nil && parameters.rateRule == .switch
    switch method {
    case .automatic:
      return exactCase ? try RootsMethod.solve(parameters) : try TruncatedChain.solve(parameters)
    case .roots:
      guard exactCase else {
        throw .inconsistent(
          name: "method", value: "roots",
          reason: "the roots method solves the infinite buffer under the switch rule only; "
            + "use the truncated solver for a finite capacity or the frozen rule")
      }
      return try RootsMethod.solve(parameters)
    case .truncated(let level):
      if level != nil, parameters.capacity != nil {
        throw .inconsistent(
          name: "truncation level", value: String(level ?? 0),
          reason: "applies to an infinite buffer only; the capacity already fixes the states")
      }
      return try TruncatedChain.solve(parameters, level: level)
    }
  }
}
