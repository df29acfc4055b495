import LinearKernels

/// The result of an average-cost solver: the optimal gain bracketed by certified bounds.
public struct AverageCostSolution: Sendable {
  /// Midpoint of the bracket, the reported long-run average cost per stage.
  public let gain: Double
  /// Certified bounds `gainLowerBound <= g* <= gainUpperBound` (Odoni bounds).
  public let gainLowerBound: Double
  public let gainUpperBound: Double
  /// Relative values h with `h(referenceState) = 0`.
  public let bias: [Double]
  public let policy: [Int]
  public let status: SolverStatus
  public let iterations: Int
  /// `(gainUpperBound − gainLowerBound) / 2`: a certified bound on `|gain − g*|`.
  public var errorBound: Double { (gainUpperBound - gainLowerBound) / 2 }
  public let method: String
}

/// Relative value iteration for the average-cost criterion (White 1963; Puterman 2005,
/// §8.5.5), with the aperiodicity transformation of weight τ:
///
/// ```
/// (T h)(x) = min_{y∈R(x)} [ c(y) + Σ P(y,x') h(x') ]
/// h ← h + τ (T h − h),  then h ← h − h(reference)
/// ```
///
/// Stopping rule and certificate (Odoni 1969): `min(T h − h) <= g* <= max(T h − h)` for
/// every h when the optimal gain is the same from every state (unichain or weakly
/// communicating models); it stops when the bracket width is at most `tolerance` (relative:
/// times `max(1, |g|)`), or with `.roundOffLimited` when the width is down to four times
/// the round-off δ of one entry of `T h − h` (`8 ε max(1, ‖h‖)`) without meeting it. τ < 1
/// makes every transformed chain aperiodic, so the bracket closes; τ = 1/2 is the
/// classical choice.
/// - Complexity: O(transitions + candidates) per iteration.
public struct RelativeValueIteration: Sendable {
  /// Stop when the bracket width `upper − lower` meets this (precondition: > 0).
  public var tolerance: Tolerance
  /// Most applications of T (precondition: >= 1).
  public var maxIterations: Int
  /// τ in (0, 1].
  public var aperiodicity: Double
  /// The state whose relative value is pinned to 0 (must be a valid state index).
  public var referenceState: Int
  /// How the policy is read off the final row values.
  public var tieRule: TieRule
  /// Starting relative values (default 0). Precondition: one finite entry per state.
  public var initialBias: [Double]?

  public init(
    tolerance: Tolerance = .relative(1e-10), maxIterations: Int = 1_000_000,
    aperiodicity: Double = 0.5, referenceState: Int = 0, tieRule: TieRule = TieRule(),
    initialBias: [Double]? = nil
  ) {
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.aperiodicity = aperiodicity
    self.referenceState = referenceState
    self.tieRule = tieRule
    self.initialBias = initialBias
    checkSettings()
  }

  /// The settings' preconditions, checked by `init` and again by `solve` (they are `var`s).
  private func checkSettings() {
    precondition(tolerance.value > 0, "tolerance \(tolerance) must be > 0")
    precondition(
      aperiodicity > 0 && aperiodicity <= 1, "aperiodicity \(aperiodicity) must be in (0, 1]")
    precondition(maxIterations >= 1, "maxIterations \(maxIterations) must be >= 1")
  }

  /// Relative value iteration on `process` (costs per stage, no discount).
  public func solve(_ process: DecisionProcess) -> AverageCostSolution {
    checkSettings()
    precondition(
      referenceState >= 0 && referenceState < process.stateCount,
      "reference state \(referenceState) outside 0..<\(process.stateCount)")
    var bias = initialBias ?? [Double](repeating: 0, count: process.stateCount)
    precondition(bias.count == process.stateCount, "initialBias has \(bias.count) entries")
    precondition(bias.allSatisfy(\.isFinite), "initialBias has a non-finite entry")
    var next = bias
    var rowValues = [Double](repeating: 0, count: process.rowCount)
    var lower = -Double.infinity
    var upper = Double.infinity
    var iterations = 0
    var status = SolverStatus.iterationLimitReached
    while iterations < maxIterations {
      iterations += 1
      BellmanKernels.rowValues(process, discount: 1, values: bias, into: &rowValues)
      let scale: Double
      (lower, upper, scale) = BellmanKernels.minimize(
        process, rowValues: rowValues, previous: bias, into: &next)
      let gainScale = max(abs(lower), abs(upper))
      if tolerance.isMet(by: upper - lower, scale: gainScale) {
        status = .converged
        break
      }
      // The (finite) bracket is down to the round-off of computing T h − h: more
      // iterations cannot meet the tolerance (e.g. an absolute tolerance far below the
      // costs' ulp). An overflowing h keeps iterating to the limit, as it always did.
      let width = upper - lower
      if width.isFinite && width <= 4 * BellmanKernels.roundOff(scale: scale) {
        status = .roundOffLimited
        break
      }
      let reference =
        bias[referenceState] + aperiodicity * (next[referenceState] - bias[referenceState])
      for state in bias.indices {
        bias[state] += aperiodicity * (next[state] - bias[state]) - reference
      }
    }
    // h is determined up to a constant; report it with h(reference) = 0 even when the
    // start had another offset and converged before the loop re-centred it.
    let offset = bias[referenceState]
    for state in bias.indices { bias[state] -= offset }
    let tieTolerance = tieRule.tolerance(
      errorBound: upper - lower, scale: BellmanKernels.supNorm(rowValues))
    return AverageCostSolution(
      gain: (lower + upper) / 2, gainLowerBound: lower, gainUpperBound: upper, bias: bias,
      policy: BellmanKernels.greedyPolicy(
        process, rowValues: rowValues, tieTolerance: tieTolerance),
      status: status, iterations: iterations,
      method: "relative value iteration (τ = \(aperiodicity))")
  }
}

/// Average-cost evaluation of one stationary policy.
public struct AverageCostEvaluation: Sendable {
  /// `g = Σ_x π(x) c(π(x))`.
  public let gain: Double
  /// The stationary distribution of the induced chain, with its residual certificate.
  public let stationary: StationaryDistribution
}

extension PolicyEvaluation {
  /// The long-run average cost of a policy, `g = Σ π(x) c_π(x)` with π the stationary
  /// distribution of the induced chain (which must have a single recurrent class).
  /// - Throws: `ChainError.multipleRecurrentClasses` if the gain depends on the start.
  /// - Complexity: that of `stationaryDistribution(method:)`.
  public static func averageCost(
    _ process: DecisionProcess, policy: [Int], method: StationaryMethod = .automatic()
  ) throws(ChainError) -> AverageCostEvaluation {
    let chain = process.inducedChain(policy: policy)
    let stationary = try chain.stationaryDistribution(method: method)
    let gain = chain.longRunAverage(of: process.costs(policy: policy), distribution: stationary)
    return AverageCostEvaluation(gain: gain, stationary: stationary)
  }
}
