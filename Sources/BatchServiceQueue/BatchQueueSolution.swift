import MarkovSolvers

/// Which solver produced a solution (docs/batch-queue.md §4).
public enum BatchQueueMethod: String, Sendable, Equatable, CaseIterable {
  /// The exact semi-closed form of spec Q3.1 (infinite buffer, switch rule): O(K) plus one
  /// root.
  case roots
  /// The embedded chain on a finite state space, solved by the core's stationary solver
  /// (spec Q3.2): exact for a finite capacity, truncated with a certified bound otherwise.
  case truncated
}

/// The performance measures of spec Q5 (time averages at arbitrary epochs unless the name
/// says "arrival").
public struct BatchQueueMeasures: Sendable, Equatable {
  /// `P_idle = Σ_{n<L} p_n` (idle server, possibly with up to L-1 tasks waiting).
  public let idleProbability: Double
  /// `Ls = Σ n p_n`.
  public let meanInSystem: Double
  /// `Lq = Σ_{n<L} n p_n + Σ_{n>=K} (n-K) p_n`.
  public let meanQueue: Double
  /// `Lser = Σ_{n=L}^{K-1} n p_n + K Σ_{n>=K} p_n`.
  public let meanWithServer: Double
  /// `λ_eff`: λ for the infinite buffer, `λ (1 - π_{N_cap})` for a finite capacity.
  public let throughput: Double
  /// `W = Ls / λ_eff` (Little).
  public let meanSojourn: Double
  /// `Wq = Lq / λ_eff`.
  public let meanWait: Double
  /// `Wser = Lser / λ_eff`.
  public let meanTimeWithServer: Double
  /// `ν`, batch completions per unit time.
  public let batchCompletionRate: Double
  /// `λ_eff / ν`, the mean size of a batch when it completes (late joiners included).
  public let meanServedBatch: Double
  /// Mean size of a batch when it starts.
  public let meanStartBatch: Double
  /// `P(B = r)` of the served batch, index `r = 0...K` (zero below L).
  public let servedBatchDistribution: [Double]
  /// Distribution of the size at the start of a batch, index `r = 0...K`.
  public let startBatchDistribution: [Double]
  /// Distribution of the server content: `P(r = 0) = P_idle`, `P(r = n) = p_n`
  /// (`L <= n < K`), `P(r = K) = Σ_{n>=K} p_n`; index `r = 0...K`.
  public let serverContentDistribution: [Double]
  /// `Σ_{n<L} π_n`: an arrival finds the server idle.
  public let arrivalFindsIdle: Double
  /// `π_{L-1}`: an arrival starts a batch of L.
  public let arrivalStartsBatch: Double
  /// `Σ_{n=L}^{K-1} π_n`: an arrival joins the batch in service (zero wait).
  public let arrivalJoinsBatch: Double
  /// `1 - join - start - block`: an arrival has to wait.
  public let arrivalWaits: Double
  /// `π_{N_cap}`: an arrival is lost (0 for the infinite buffer).
  public let blockingProbability: Double
  /// `Σ n π_n`, the mean number an arrival finds.
  public let meanSeenByArrival: Double
}

/// The identities every solution is checked against (spec Q3.1.5, Q4.3), as residuals.
/// A solution is `converged` only if every residual is at most `BatchQueueChecks.tolerance`.
public struct BatchQueueChecks: Sendable, Equatable {
  /// Accepted residual (the anchor accuracy of spec Q8.1).
  public static let tolerance = 1e-9

  /// `|Σ π_n - 1|`.
  public let preArrivalNormalization: Double
  /// `|Σ p_n - 1|`.
  public let arbitraryNormalization: Double
  /// `max_n |λ π_{n-1} - Σ_{m=max(n,L)}^{n+K-1} (completion flow at m)| / λ` over the
  /// checked cuts (Q4.3): the first `min(2K, 40)` for the roots method, all for the chain.
  public let levelCrossing: Double
  /// `|Σ_r r (completion flow at r) - λ_eff| / λ_eff` (Q4.3 throughput).
  public let throughputBalance: Double
  /// `|Σ_b (start rate of size b) - ν| / ν` (Q5: batch starts = completions).
  public let batchStartBalance: Double
  /// Roots method: `|A*(c) - σ|` (Q3.1.5).
  public let rootResidual: Double?
  /// Roots method: the target-0 balance equation not used by the recursion (Q3.1.5).
  public let targetZeroBalance: Double?
  /// Roots method: largest gap between the renewal and cut forms of `p_n`, `L <= n < K`
  /// (Q4.2).
  public let busyFormsAgreement: Double?
  /// Roots method: `|p_0 - p_0 (direct formula)|` (Q4.2).
  public let emptyProbabilityAgreement: Double?
  /// Chain: `‖π P - π‖₁` reported by the core's stationary solver.
  public let stationaryResidual: Double?
  /// Chain of an infinite switch model: the certified pre-arrival mass beyond the
  /// truncation level, `σ^{N_cap - K + 2} / (1 - σ)` (Q3.2.3).
  public let truncationBound: Double?
  /// Chain of an infinite frozen model: the estimate `η^{N_cap - K + 2} / (1 - η)` of the
  /// mass beyond the level (Q2.7; not a certificate: the frozen tail has no closed form).
  public let truncationTailEstimate: Double?

  /// The largest of the residuals above.
  public var largest: Double {
    [
      preArrivalNormalization, arbitraryNormalization, levelCrossing, throughputBalance,
      batchStartBalance, rootResidual ?? 0, targetZeroBalance ?? 0, busyFormsAgreement ?? 0,
      emptyProbabilityAgreement ?? 0, stationaryResidual ?? 0, truncationBound ?? 0,
      truncationTailEstimate ?? 0,
    ].max() ?? 0
  }
}

extension BatchQueueChecks: Encodable {
  private enum CodingKeys: String, CodingKey {
    case preArrivalNormalization, arbitraryNormalization, levelCrossing, throughputBalance
    case batchStartBalance, rootResidual, targetZeroBalance, busyFormsAgreement
    case emptyProbabilityAgreement, stationaryResidual, truncationBound, truncationTailEstimate
    case largest, tolerance
  }

  /// The residuals by name (absent ones omitted), with `largest` and `tolerance`.
  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(preArrivalNormalization, forKey: .preArrivalNormalization)
    try container.encode(arbitraryNormalization, forKey: .arbitraryNormalization)
    try container.encode(levelCrossing, forKey: .levelCrossing)
    try container.encode(throughputBalance, forKey: .throughputBalance)
    try container.encode(batchStartBalance, forKey: .batchStartBalance)
    try container.encodeIfPresent(rootResidual, forKey: .rootResidual)
    try container.encodeIfPresent(targetZeroBalance, forKey: .targetZeroBalance)
    try container.encodeIfPresent(busyFormsAgreement, forKey: .busyFormsAgreement)
    try container.encodeIfPresent(emptyProbabilityAgreement, forKey: .emptyProbabilityAgreement)
    try container.encodeIfPresent(stationaryResidual, forKey: .stationaryResidual)
    try container.encodeIfPresent(truncationBound, forKey: .truncationBound)
    try container.encodeIfPresent(truncationTailEstimate, forKey: .truncationTailEstimate)
    try container.encode(largest, forKey: .largest)
    try container.encode(Self.tolerance, forKey: .tolerance)
  }
}

/// The stationary solution of the queue: the distributions at pre-arrival and arbitrary
/// epochs, the measures, the checks and their verdict (docs/batch-queue.md §4–5).
public struct BatchQueueSolution: Sendable {
  public let parameters: BatchQueueParameters
  public let method: BatchQueueMethod
  /// σ, the root of `σ = A*(μ_K (1 - σ^K))` (Q3.1 Step 1); `nil` when `ρ >= 1` (finite
  /// capacity only).
  public let sigma: Double?
  /// `π_n`, the number an arrival finds (Q0.8).
  public let preArrival: SystemSizeDistribution
  /// `p_n`, the time-stationary number in system (Q0.8).
  public let arbitrary: SystemSizeDistribution
  public let measures: BatchQueueMeasures
  public let checks: BatchQueueChecks
  /// `converged` if every check is within `BatchQueueChecks.tolerance` (and the chain
  /// solver converged), `roundOffLimited` otherwise (typically ρ very close to 1).
  public let status: SolverStatus
  /// Bisection steps for σ (roots) or the most uniformisation steps of a row (chain).
  public let iterations: Int
  /// States of the chain (truncated method), `nil` for the roots method.
  public let stateCount: Int?

  init(
    parameters: BatchQueueParameters, method: BatchQueueMethod, sigma: Double?,
    preArrival: SystemSizeDistribution, arbitrary: SystemSizeDistribution,
    flows: CompletionFlows, methodChecks: MethodChecks, solverConverged: Bool, iterations: Int,
    stateCount: Int?
  ) {
    self.parameters = parameters
    self.method = method
    self.sigma = sigma
    self.preArrival = preArrival
    self.arbitrary = arbitrary
    self.iterations = iterations
    self.stateCount = stateCount
    let evaluation = MeasureEvaluation(
      parameters: parameters, preArrival: preArrival, arbitrary: arbitrary, flows: flows,
      cutCount: method == .roots
        ? min(2 * parameters.maximumBatch, 40) : preArrival.head.count - 1)
    measures = evaluation.measures
    checks = BatchQueueChecks(
      preArrivalNormalization: abs(preArrival.mass(from: 0) - 1),
      arbitraryNormalization: abs(arbitrary.mass(from: 0) - 1),
      levelCrossing: evaluation.levelCrossingResidual,
      throughputBalance: evaluation.throughputResidual,
      batchStartBalance: evaluation.batchStartResidual,
      rootResidual: methodChecks.rootResidual, targetZeroBalance: methodChecks.targetZeroBalance,
      busyFormsAgreement: methodChecks.busyFormsAgreement,
      emptyProbabilityAgreement: methodChecks.emptyProbabilityAgreement,
      stationaryResidual: methodChecks.stationaryResidual,
      truncationBound: methodChecks.truncationBound,
      truncationTailEstimate: methodChecks.truncationTailEstimate)
    let finite = [measures.meanInSystem, measures.meanQueue, checks.largest].allSatisfy(\.isFinite)
    status =
      solverConverged && finite && checks.largest <= BatchQueueChecks.tolerance
      ? .converged : .roundOffLimited
  }
}

/// The method-specific residuals a solver hands to the solution.
struct MethodChecks {
  var rootResidual: Double?
  var targetZeroBalance: Double?
  var busyFormsAgreement: Double?
  var emptyProbabilityAgreement: Double?
  var stationaryResidual: Double?
  var truncationBound: Double?
  var truncationTailEstimate: Double?
}

/// Batch completions per unit time from a system size n, `f(n) = rate · P(n)`: `μ_{min(n,K)} p_n`
/// for the switch rule, summed over the batch's start size for the frozen rule.
enum CompletionFlows {
  /// `f(n) = μ_{min(n,K)} p_n` for `n >= L`.
  case sizeDependent
  /// `f(n)` listed (finite support).
  case listed([Double])
}

/// The measures of spec Q5 and the cut identities of Q4.3 from the two distributions and
/// the completion flows; shared by both solvers.
struct MeasureEvaluation {
  let measures: BatchQueueMeasures
  let levelCrossingResidual: Double
  let throughputResidual: Double
  let batchStartResidual: Double

  init(
    parameters: BatchQueueParameters, preArrival pi: SystemSizeDistribution,
    arbitrary p: SystemSizeDistribution, flows: CompletionFlows, cutCount: Int
  ) {
    let (minimumBatch, maximumBatch) = (parameters.minimumBatch, parameters.maximumBatch)
    let lambda = parameters.arrivalRate
    let muK = parameters.serviceRate(batchSize: maximumBatch)
    /// f(n).
    func flow(_ n: Int) -> Double {
      guard n >= minimumBatch else { return 0 }
      switch flows {
      case .sizeDependent:
        return parameters.serviceRate(batchSize: min(n, maximumBatch)) * p.probability(n)
      case .listed(let values): return n < values.count ? values[n] : 0
      }
    }
    /// Σ_{m >= n} f(m) for n >= K.
    func flow(from n: Int) -> Double {
      switch flows {
      case .sizeDependent: return muK * p.mass(from: n)
      case .listed(let values): return n < values.count ? values[n...].reduce(0, +) : 0
      }
    }
    let idle = (0..<minimumBatch).reduce(0.0) { $0 + p.probability($1) }
    let meanInSystem = p.mean
    let meanQueue =
      (0..<minimumBatch).reduce(0.0) { $0 + Double($1) * p.probability($1) }
      + p.excessMean(from: maximumBatch, over: maximumBatch)
    let meanWithServer =
      (minimumBatch..<maximumBatch).reduce(0.0) { $0 + Double($1) * p.probability($1) }
      + Double(maximumBatch) * p.mass(from: maximumBatch)
    let blocking = parameters.capacity.map { pi.probability($0) } ?? 0
    let throughput = lambda * (1 - blocking)
    var served = [Double](repeating: 0, count: maximumBatch + 1)
    for r in minimumBatch..<maximumBatch { served[r] = flow(r) }
    served[maximumBatch] = flow(from: maximumBatch)
    let completionRate = served.reduce(0, +)
    var started = [Double](repeating: 0, count: maximumBatch + 1)
    started[minimumBatch] += lambda * pi.probability(minimumBatch - 1)
    for b in minimumBatch..<maximumBatch { started[b] += flow(maximumBatch + b) }
    started[maximumBatch] += flow(from: 2 * maximumBatch)
    let startRate = started.reduce(0, +)
    let servedDistribution = served.map { $0 / completionRate }
    let startDistribution = started.map { $0 / startRate }
    let join = (minimumBatch..<maximumBatch).reduce(0.0) { $0 + pi.probability($1) }
    let start = pi.probability(minimumBatch - 1)
    measures = BatchQueueMeasures(
      idleProbability: idle, meanInSystem: meanInSystem, meanQueue: meanQueue,
      meanWithServer: meanWithServer, throughput: throughput,
      meanSojourn: meanInSystem / throughput, meanWait: meanQueue / throughput,
      meanTimeWithServer: meanWithServer / throughput, batchCompletionRate: completionRate,
      meanServedBatch: throughput / completionRate,
      meanStartBatch: startDistribution.enumerated().reduce(0) { $0 + Double($1.0) * $1.1 },
      servedBatchDistribution: servedDistribution, startBatchDistribution: startDistribution,
      serverContentDistribution: [idle]
        + (1..<maximumBatch).map {
          $0 >= minimumBatch ? p.probability($0) : 0
        } + [p.mass(from: maximumBatch)],
      arrivalFindsIdle: (0..<minimumBatch).reduce(0.0) { $0 + pi.probability($1) },
      arrivalStartsBatch: start, arrivalJoinsBatch: join,
      arrivalWaits: 1 - join - start - blocking, blockingProbability: blocking,
      meanSeenByArrival: pi.mean)
    let servedTasks =
      (minimumBatch..<maximumBatch).reduce(0.0) { $0 + Double($1) * flow($1) }
      + Double(maximumBatch) * flow(from: maximumBatch)
    throughputResidual = abs(servedTasks - throughput) / throughput
    batchStartResidual = abs(startRate - completionRate) / completionRate
    // Q4.3 cuts n = 1...cutCount, window sums of f over [max(n, L), n + K - 1].
    var prefix = [0.0]
    prefix.reserveCapacity(cutCount + maximumBatch + 1)
    for m in 0..<(cutCount + maximumBatch) { prefix.append(prefix[m] + flow(m)) }
    var worst = 0.0
    if cutCount >= 1 {
      for n in 1...cutCount {
        let down = prefix[n + maximumBatch] - prefix[max(n, minimumBatch)]
        worst = max(worst, abs(lambda * pi.probability(n - 1) - down) / lambda)
      }
    }
    levelCrossingResidual = worst
  }
}
