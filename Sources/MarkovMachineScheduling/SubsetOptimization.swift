import MarkovSolvers

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The solution of problem (12) or (16) for one subset S.
public struct OptimizedSubsetPolicy: Sendable, Equatable, Codable {
  public let subset: UserSubset
  /// (μ*(S), π*(S)) for φ1, μ̄*(S) for max-age.
  public let policy: SubsetPolicy
  /// The minimised objective `w Σ_{k∈S} Δ_k + S` (A8.2).
  public let objective: Double
  /// The closed-form figures at the optimum.
  public let performance: SubsetPerformance
}

/// The lookup table of one policy family: the pair used while S is the set of non-empty
/// queues, indexed by the bitmask of S (docs/markov-machine.md §A8.4).
public struct PolicyTable: Sendable, Equatable, Codable {
  public let rule: SchedulingRule
  public let userCount: Int
  /// Entry `mask − 1` belongs to the subset with that bitmask (all 2^N − 1 subsets).
  public let entries: [OptimizedSubsetPolicy]

  /// A table from one entry per non-empty subset, in increasing bitmask order.
  public init(rule: SchedulingRule, userCount: Int, entries: [OptimizedSubsetPolicy]) {
    precondition(
      entries.count == (1 << userCount) - 1, "\(entries.count) entries for N = \(userCount)")
    precondition(entries.enumerated().allSatisfy { $1.subset.mask == UInt32($0 + 1) })
    precondition(entries.allSatisfy { $0.policy.rule == rule }, "entries of another rule")
    self.rule = rule
    self.userCount = userCount
    self.entries = entries
  }

  /// The same constant policy on every subset (μ everywhere, uniform π over S for φ1),
  /// evaluated with the closed forms (in the slot ordering of `assumptions`, A2) and the
  /// given weighting.
  public static func constant(
    _ parameters: MachineParameters, rule: SchedulingRule, samplingProbability: Double,
    weighting: AgeWeighting = .perUser, assumptions: ModelAssumptions = .standard
  ) throws(ParameterError) -> PolicyTable {
    var entries: [OptimizedSubsetPolicy] = []
    for subset in UserSubset.nonEmptySubsets(userCount: parameters.userCount) {
      let policy: SubsetPolicy =
        rule == .randomized
        ? try .randomized(
          samplingProbability: samplingProbability, schedule: SubsetPolicy.uniformSchedule(subset),
          subset: subset)
        : try .maxAge(samplingProbability: samplingProbability)
      let performance = ClosedForms.performance(
        parameters, subset: subset, policy: policy, assumptions: assumptions)
      entries.append(
        OptimizedSubsetPolicy(
          subset: subset, policy: policy,
          objective: performance.objective(weighting: weighting, userCount: parameters.userCount),
          performance: performance))
    }
    return PolicyTable(rule: rule, userCount: parameters.userCount, entries: entries)
  }

  public subscript(subset: UserSubset) -> OptimizedSubsetPolicy { entries[Int(subset.mask) - 1] }
}

/// The per-subset problems (12) and (16), solved for every non-empty subset (docs/markov-machine.md
/// §A8).
///
/// ```
/// (12)  min_{μ, π}  w Σ_{k∈S} Δ_k^φ1(S) + S^φ1(S)      μ in [μ_min, 1], π on the open simplex
/// (16)  min_{μ̄}    w n Δ^φ̄1(S) + S^φ̄1(S)              μ̄ in [μ_min, 1]
/// ```
///
/// with Δ and S from Theorems 1–4 and w from `weighting` (1/N by default, A8.2).
/// Method (deterministic): for (12), μ is profiled out by `samplingGridPoints` grid points
/// on [μ_min, 1] refined by Brent's method (so the boundary μ = 1, often optimal, is found
/// exactly), and π = softmax(0, b_2, ..., b_n) is searched by Nelder–Mead from `starts`
/// starting points: the uniform π, then logits uniform in [−3, 3] drawn from
/// xoshiro256** seeded with `seed`; the best result wins (ties: the earliest start). For
/// (16), a grid of `maxAgeGridPoints` points refined by Brent (A8.3). The closed forms are
/// those of the slot ordering of `assumptions` (A2; see `ClosedForms`).
/// - Complexity: (12) O(starts · NM evaluations · grid · n) per subset; (16) O(grid · n).
public struct SubsetOptimizer: Sendable {
  public var weighting: AgeWeighting
  public var samplingCostKind: SamplingCostKind
  public var starts: Int
  public var seed: UInt64
  /// μ_min (A8.2: 1e-3).
  public var minimumSamplingProbability: Double
  public var samplingGridPoints: Int
  public var maxAgeGridPoints: Int
  /// The modelling assumptions of A0 (default: those of A2); only the slot ordering
  /// changes the closed forms of permanent congestion.
  public var assumptions: ModelAssumptions

  /// The most Nelder–Mead starting points: each costs a full local search on every
  /// subset, so the count bounds the work (2^N − 1 subsets times `starts` searches).
  public static let maximumStarts = 1000

  /// Checks a number of starting points given by a user.
  /// - Throws: `ParameterError` unless `starts` is in 1...`maximumStarts`.
  public static func checkStarts(_ starts: Int) throws(ParameterError) {
    guard starts >= 1, starts <= maximumStarts else {
      throw .outOfRange("starts", starts, valid: "an integer in 1...\(maximumStarts)")
    }
  }

  /// - Precondition: `starts` in 1...`maximumStarts` (see `checkStarts(_:)`), μ_min in
  ///   (0, 1), grids of at least 2 points.
  public init(
    weighting: AgeWeighting = .perUser, samplingCostKind: SamplingCostKind = .exact,
    starts: Int = 12, seed: UInt64 = 1, minimumSamplingProbability: Double = 1e-3,
    samplingGridPoints: Int = 32, maxAgeGridPoints: Int = 2000,
    assumptions: ModelAssumptions = .standard
  ) {
    precondition(
      starts >= 1 && starts <= Self.maximumStarts,
      "starts \(starts) must be in 1...\(Self.maximumStarts)")
    precondition(
      minimumSamplingProbability > 0 && minimumSamplingProbability < 1,
      "mu_min \(minimumSamplingProbability) must be in (0, 1)")
    precondition(samplingGridPoints >= 2 && maxAgeGridPoints >= 2, "grids need >= 2 points")
    self.weighting = weighting
    self.samplingCostKind = samplingCostKind
    self.starts = starts
    self.seed = seed
    self.minimumSamplingProbability = minimumSamplingProbability
    self.samplingGridPoints = samplingGridPoints
    self.maxAgeGridPoints = maxAgeGridPoints
    self.assumptions = assumptions
  }

  /// The objective of a policy on S: `w Σ Δ_k + S` from the closed forms.
  public func objective(
    _ parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy
  ) -> Double {
    ClosedForms.performance(parameters, subset: subset, policy: policy, assumptions: assumptions)
      .objective(
        weighting: weighting, userCount: parameters.userCount, samplingCostKind: samplingCostKind)
  }

  /// Problem (12) on S.
  public func optimizeRandomized(_ parameters: MachineParameters, subset: UserSubset)
    -> OptimizedSubsetPolicy
  {
    let n = subset.count
    let service = subset.users.map { parameters.serviceProbabilities[$0] }
    let weight = weighting.factor(userCount: parameters.userCount, subsetSize: n)
    let bound = samplingCostKind == .bound
    let ordering = assumptions.slotOrdering
    func value(_ mu: Double, _ schedule: [Double]) -> Double {
      let cycle = RandomizedCycle(
        ClosedForms.idlePeriod(parameters, samplingProbability: mu, ordering: ordering),
        service: service, schedule: schedule, ordering: ordering)
      var ages = 0.0
      for index in 0..<n { ages += cycle.age(share: schedule[index], service: service[index]) }
      let sampling =
        bound
        ? cycle.samplingCostBound(parameters.samplingCost)
        : cycle.samplingCost(parameters.samplingCost)
      return weight * ages + sampling
    }
    func bestSampling(_ schedule: [Double]) -> (x: Double, value: Double) {
      Minimization.gridThenBrent(
        { value($0, schedule) }, lower: minimumSamplingProbability, upper: 1,
        gridPoints: samplingGridPoints)
    }
    var bestLogits = [Double](repeating: 0, count: n - 1)
    if n > 1 {
      var generator = Xoshiro256StarStar(seed: seed)
      var bestValue = Double.infinity
      for start in 0..<starts {
        let initial =
          start == 0
          ? [Double](repeating: 0, count: n - 1)
          : (0..<(n - 1)).map { _ in 6 * generator.uniform() - 3 }
        let result = Minimization.nelderMead(
          { logits in bestSampling(Self.softmax(logits)).value }, start: initial)
        if result.value < bestValue {
          (bestLogits, bestValue) = (result.x, result.value)
        }
      }
    }
    let schedule = Self.softmax(bestLogits)
    return finish(parameters, subset, Self.randomizedPolicy(bestSampling(schedule).x, schedule))
  }

  /// Problem (16) on S.
  public func optimizeMaxAge(_ parameters: MachineParameters, subset: UserSubset)
    -> OptimizedSubsetPolicy
  {
    let service = subset.users.map { parameters.serviceProbabilities[$0] }
    let weight = weighting.factor(userCount: parameters.userCount, subsetSize: subset.count)
    let ordering = assumptions.slotOrdering
    let best = Minimization.gridThenBrent(
      { mu in
        let round = RoundRobinRound(
          ClosedForms.idlePeriod(parameters, samplingProbability: mu, ordering: ordering),
          service: service, ordering: ordering)
        return weight * round.count * round.age + round.samplingCost(parameters.samplingCost)
      }, lower: minimumSamplingProbability, upper: 1, gridPoints: maxAgeGridPoints)
    return finish(parameters, subset, Self.maxAgePolicy(best.x))
  }

  /// The lookup table of one family over all 2^N − 1 subsets (A8.4).
  public func table(_ parameters: MachineParameters, rule: SchedulingRule) -> PolicyTable {
    let entries = UserSubset.nonEmptySubsets(userCount: parameters.userCount).map { subset in
      rule == .randomized
        ? optimizeRandomized(parameters, subset: subset)
        : optimizeMaxAge(parameters, subset: subset)
    }
    return PolicyTable(rule: rule, userCount: parameters.userCount, entries: entries)
  }

  private func finish(_ parameters: MachineParameters, _ subset: UserSubset, _ policy: SubsetPolicy)
    -> OptimizedSubsetPolicy
  {
    let performance = ClosedForms.performance(
      parameters, subset: subset, policy: policy, assumptions: assumptions)
    return OptimizedSubsetPolicy(
      subset: subset, policy: policy,
      objective: performance.objective(
        weighting: weighting, userCount: parameters.userCount,
        samplingCostKind: samplingCostKind),
      performance: performance)
  }

  /// π = softmax(0, b_2, ..., b_n), computed stably.
  static func softmax(_ logits: [Double]) -> [Double] {
    let all = [0] + logits
    let largest = all.max() ?? 0
    let weights = all.map { exp($0 - largest) }
    let total = weights.reduce(0, +)
    return weights.map { $0 / total }
  }

  /// Internal constructors for optimiser iterates, which are valid by construction (μ in
  /// [μ_min, 1], π a softmax); a softmax entry may underflow to 0, which the closed forms
  /// handle as an infinitely old user.
  static func randomizedPolicy(_ mu: Double, _ schedule: [Double]) -> SubsetPolicy {
    SubsetPolicy(rule: .randomized, samplingProbability: mu, schedule: schedule)
  }

  static func maxAgePolicy(_ mu: Double) -> SubsetPolicy {
    SubsetPolicy(rule: .maxAge, samplingProbability: mu, schedule: [])
  }
}
