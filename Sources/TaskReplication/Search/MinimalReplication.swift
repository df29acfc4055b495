import Foundation
import MarkovSolvers

/// How `minimalReplication` searches over the copy count `M`.
public enum SearchStrategy: String, Sendable, CaseIterable, CustomStringConvertible {
  /// Closed form for a homogeneous pool; plain bisection where PJF is proven monotone in
  /// `M` (outer-in, the Jensen bound); otherwise bisection with a final local scan.
  case automatic = "auto"
  /// Every `M` from the Jensen lower bound upwards: exact for any pool.
  case scan

  public var description: String { rawValue }
}

/// The least copy count `M*` with `PJF(M*) <= delta`, and how it was found.
/// Docs: docs/replication.md §3.
public struct MinimalReplication: Sendable, Equatable {
  /// How the answer was obtained.
  public enum Method: String, Sendable {
    case closedForm = "closed form"
    case bisection = "bisection"
    case bisectionWithLocalScan = "bisection + local scan"
    case scan = "full scan"
  }

  public let taskCount: Int
  /// `M*`, the least copy count meeting the target.
  public let minimumCopies: Int
  /// PJF at `M*`.
  public let jointFailure: JointFailure
  /// PJF at `M* - 1` (nil when `M* = m`): above the target, which shows `M*` is minimal.
  public let jointFailureWithOneCopyFewer: JointFailure?
  public let rule: AssignmentRule
  public let method: Method
  /// Number of PJF evaluations.
  public let evaluations: Int
  /// Assumptions found violated on the way (e.g. PJF increasing somewhere in `M`).
  public let warnings: [AssumptionWarning]

  /// `r* = M* / m`.
  public var replicationFactor: Double { Double(minimumCopies) / Double(taskCount) }
}

/// No copy count within the search range meets the target.
public struct UnreachableTarget: Error, Equatable, CustomStringConvertible {
  public let targetFailureProbability: Double
  public let rule: AssignmentRule
  /// The largest copy count examined.
  public let largestCopyCount: Int
  /// PJF at `largestCopyCount`.
  public let jointFailureAtLargest: JointFailure
  /// Why the search stopped there.
  public let reason: String

  public var description: String {
    "target delta = \(formatParameterValue(targetFailureProbability)) is unreachable under the "
      + "\(rule) rule: \(reason); PJF at M = \(largestCopyCount) is "
      + "\(jointFailureAtLargest.probability)"
  }
}

extension ReplicationProblem {
  /// The default cap on `M` for pools with a stream: `min(64 m, DevicePool.maximumDeviceCount)`
  /// (heterogeneous) or 2^53 (homogeneous, closed form).
  public var defaultMaximumCopies: Int {
    pool.homogeneousFaultProbability != nil
      ? 1 << 53 : min(64 * taskCount, DevicePool.maximumDeviceCount)
  }

  /// Minimal replication for a target `delta` (an integer search over `M`):
  ///
  /// ```
  /// M* = min { M >= m : PJF(M) <= delta },   r* = M*/m     (M* = m if delta >= P_S)
  /// homogeneous: a* = least a >= 1 with m log(1 - p^(a+1)) >= log(1 - delta),
  ///   M* = a* m + max(0, ceil[(log(1-delta) - m log(1-p^a*)) / (log(1-p^(a*+1)) - log(1-p^a*))])
  /// ```
  ///
  /// Stopping rules: the closed form is checked at `M*` and `M* - 1` with the exact PJF and
  /// moved by one where rounding put it off. Heterogeneous pools under the paper's rule or
  /// LPT (PJF not proven monotone): bracket by doubling, bisect, then scan the
  /// `localScanWidth` copy counts below the bisection's answer and keep the least that
  /// meets the target (a hit there is reported as a warning). Outer-in is bisected alone:
  /// its optimum cannot increase when a device is added. `.scan` tries every `M` from the
  /// Jensen lower bound (no smaller `M` can meet the target under any rule) and is exact.
  /// - Parameters:
  ///   - targetFailureProbability: `delta` in `(0, 1)`.
  ///   - rule: the assignment rule (outer-in limits `M` to `2m`).
  ///   - search: the strategy.
  ///   - maximumCopies: the largest `M` tried for a pool with a stream (default
  ///     `defaultMaximumCopies`).
  ///   - localScanWidth: copy counts re-checked below a bisection answer (default 256).
  /// - Throws: `ParameterError` for `delta` outside `(0, 1)` or a cap below `m`;
  ///   `UnreachableTarget` when no `M` up to the pool size (or the cap) meets `delta`.
  /// - Complexity: O(1) homogeneous; O(M log M) per evaluation otherwise, with
  ///   O(log M + localScanWidth) evaluations (auto) or up to `M* - m` (scan).
  /// Docs: docs/replication.md §3.
  public func minimalReplication(
    targetFailureProbability: Double, rule: AssignmentRule = .paper,
    search: SearchStrategy = .automatic, maximumCopies: Int? = nil, localScanWidth: Int = 256
  ) throws -> MinimalReplication {
    var searcher = try CopySearch(
      problem: self, target: targetFailureProbability, rule: rule,
      maximumCopies: maximumCopies ?? defaultMaximumCopies)
    let outcome: (copies: Int, method: MinimalReplication.Method)
    if let probability = pool.homogeneousFaultProbability, search == .automatic {
      outcome = (try searcher.homogeneousClosedForm(faultProbability: probability), .closedForm)
    } else if search == .scan {
      outcome = (try searcher.scan(from: try searcher.lowerBoundCopies()), .scan)
    } else if rule == .outerIn {
      outcome = (try searcher.bisect(), .bisection)
    } else {
      let bisected = try searcher.bisect()
      outcome = (
        try searcher.localScan(below: bisected, width: localScanWidth), .bisectionWithLocalScan
      )
    }
    return try searcher.result(copies: outcome.copies, method: outcome.method)
  }

  /// Least `M` whose Jensen bound is at most `delta`: no assignment of fewer of the pool's
  /// devices meets the target (the bound is non-increasing in `M`, so bisection is exact).
  /// Nil when even the largest `M` (pool size or `maximumCopies`) does not.
  /// - Throws: `ParameterError` for `delta` outside `(0, 1)`.
  /// - Complexity: O(M log M).
  /// Docs: docs/replication.md §4.
  public func minimalCopiesLowerBound(
    targetFailureProbability: Double, maximumCopies: Int? = nil
  ) throws -> Int? {
    var searcher = try CopySearch(
      problem: self, target: targetFailureProbability, rule: .paper,
      maximumCopies: maximumCopies ?? defaultMaximumCopies)
    do {
      return try searcher.lowerBoundCopies()
    } catch is UnreachableTarget {
      return nil
    }
  }
}

/// The homogeneous closed form of §3 in two parts:
///
/// ```
/// a* = least a >= 1 with m log(1 - p^(a+1)) >= log(1 - delta)
/// x  = (log(1 - delta) - m log(1 - p^a*)) / (log(1 - p^(a*+1)) - log(1 - p^a*))
/// ```
///
/// so that `M* = a* m + max(0, ceil(x))` and the real root of `PJF(r) = delta` (exponents
/// `M - a m` taken as reals) is `a* + x / m`.
/// `a*` is found by doubling and bisection (the condition is monotone in `a`), capped at
/// `maximumLayers`.
/// - Precondition: `p` in `(0, 1)`, `delta` in `(0, 1)`, `maximumLayers >= 1`.
/// - Complexity: O(log a*).
struct HomogeneousLayers {
  /// `a*`.
  let fullLayers: Int
  /// `x`, the copies beyond `a* m` as a real number.
  let extraCopies: Double

  init(faultProbability p: Double, taskCount: Int, target: Double, maximumLayers: Int) {
    precondition(p > 0 && p < 1, "fault probability \(p) must lie in (0, 1)")
    let m = Double(taskCount)
    let logTarget = log1p(-target)
    func fullLayerMeets(_ a: Int) -> Bool {
      m * logOneMinusPower(p, Double(a + 1)) >= logTarget
    }
    // fullLayerMeets is monotone in a (p^(a+1) decreases): double, then bisect.
    var low = 0
    var base = 1
    while !fullLayerMeets(base) && base < maximumLayers {
      low = base
      base = min(2 * base, maximumLayers)
    }
    while base - low > 1 {
      let middle = low + (base - low) / 2
      if fullLayerMeets(middle) { base = middle } else { low = middle }
    }
    let lower = logOneMinusPower(p, Double(base))
    let upper = logOneMinusPower(p, Double(base + 1))
    fullLayers = base
    extraCopies = (logTarget - m * lower) / (upper - lower)
  }
}

extension ReplicationProblem {
  /// For a homogeneous pool, the real `r` solving `PJF(r) = delta` with the exponents of
  /// §2 taken as real numbers (what a continuous equation solver returns):
  ///
  /// ```
  /// r = a* + (log(1 - delta)/m - log(1 - p^a*)) / (log(1 - p^(a*+1)) - log(1 - p^a*))
  /// ```
  ///
  /// It is not a valid replication factor in general (`r m` need not be an integer); the
  /// exact answer is `minimalReplication`'s `M*/m`. Nil for a heterogeneous pool, for
  /// `p = 0` and `p = 1`, and when `delta >= P_S` (then `r = 1`).
  /// - Throws: `ParameterError` for `delta` outside `(0, 1)`.
  /// - Complexity: O(log a*).
  /// Docs: docs/replication.md §3, §6 (Example 3's 3.956822).
  public func continuousReplicationFactor(targetFailureProbability delta: Double) throws
    -> Double?
  {
    try checkTarget(delta)
    guard let p = pool.homogeneousFaultProbability, p > 0, p < 1,
      try withoutReplication().probability > delta
    else { return nil }
    let layers = HomogeneousLayers(
      faultProbability: p, taskCount: taskCount, target: delta,
      maximumLayers: defaultMaximumCopies / taskCount)
    return Double(layers.fullLayers) + layers.extraCopies / Double(taskCount)
  }
}

/// Throws unless the target `delta` is in `(0, 1)`.
func checkTarget(_ target: Double) throws {
  guard target > 0 && target < 1 else {
    throw ParameterError.outOfRange(
      "target failure probability (delta)", target, valid: "in (0, 1)")
  }
}

/// The state of one search for `M*`: the evaluator and the range of copy counts.
struct CopySearch {
  let problem: ReplicationProblem
  let target: Double
  let rule: AssignmentRule
  /// The largest copy count the search may use.
  let limit: Int
  var evaluator: PrefixEvaluator
  var warnings: [AssumptionWarning] = []

  init(
    problem: ReplicationProblem, target: Double, rule: AssignmentRule, maximumCopies: Int
  ) throws {
    try checkTarget(target)
    // The largest M the closed form (homogeneous pool) or a pool with a stream can evaluate.
    let ceiling =
      problem.pool.homogeneousFaultProbability != nil ? 1 << 53 : DevicePool.maximumDeviceCount
    guard maximumCopies >= problem.taskCount && maximumCopies <= ceiling else {
      throw ParameterError.outOfRange(
        "maximum copies", maximumCopies,
        valid: ">= the task count m = \(problem.taskCount) and <= \(ceiling)")
    }
    var limit = min(problem.pool.capacity ?? maximumCopies, maximumCopies)
    if rule == .outerIn { limit = min(limit, 2 * problem.taskCount) }
    self.problem = problem
    self.target = target
    self.rule = rule
    self.limit = limit
    evaluator = PrefixEvaluator(pool: problem.pool, taskCount: problem.taskCount)
  }

  var taskCount: Int { problem.taskCount }

  mutating func jointFailure(_ copies: Int) throws -> JointFailure {
    try evaluator.ensureCapacity(copies, limit: limit)
    return evaluator.jointFailure(copyCount: copies, rule: rule)
  }

  mutating func meetsTarget(_ copies: Int) throws -> Bool {
    try jointFailure(copies).probability <= target
  }

  mutating func unreachable(reason: String) throws -> UnreachableTarget {
    UnreachableTarget(
      targetFailureProbability: target, rule: rule, largestCopyCount: limit,
      jointFailureAtLargest: try jointFailure(limit), reason: reason)
  }

  private var limitReason: String {
    problem.pool.capacity == limit
      ? "the pool has \(limit) devices"
      : rule == .outerIn && limit == 2 * taskCount
        ? "the outer-in rule allows at most M = 2m = \(limit) copies"
        : "the search stops at M = \(limit) copies (maximum copies)"
  }

  /// The closed form of §3 for `p_i = p`, checked with the exact PJF at `M*` and `M* - 1`.
  mutating func homogeneousClosedForm(faultProbability p: Double) throws -> Int {
    if try meetsTarget(taskCount) { return taskCount }
    guard p < 1, try meetsTarget(limit) else {
      throw try unreachable(reason: p == 1 ? "every device fails (p = 1)" : limitReason)
    }
    let layers = HomogeneousLayers(
      faultProbability: p, taskCount: taskCount, target: target,
      maximumLayers: limit / taskCount)
    let extra = max(0, ceil(layers.extraCopies))
    var copies = min(layers.fullLayers * taskCount + Int(min(extra, Double(taskCount))), limit)
    while copies > taskCount, try meetsTarget(copies - 1) { copies -= 1 }
    while try !meetsTarget(copies) { copies += 1 }
    return copies
  }

  /// Least `M` in `(low, high]` with `meetsTarget`, assuming it switches once from false
  /// to true; first brackets by doubling from `max(2m, N)`.
  mutating func bisect() throws -> Int {
    if try meetsTarget(taskCount) { return taskCount }
    var low = taskCount
    var high = min(limit, max(2 * taskCount, problem.pool.gridDeviceCount))
    while try !meetsTarget(high) {
      guard high < limit else {
        let assumption =
          rule == .outerIn
          ? "" : "; assuming PJF non-increasing in M (use the scan search to check every M)"
        throw try unreachable(reason: limitReason + assumption)
      }
      low = high
      high = min(limit, 2 * high)
    }
    while high - low > 1 {
      let middle = low + (high - low) / 2
      if try meetsTarget(middle) { high = middle } else { low = middle }
    }
    return high
  }

  /// Re-checks the `width` copy counts below a bisection answer; a hit means PJF is not
  /// monotone there, which is reported as a warning.
  mutating func localScan(below copies: Int, width: Int) throws -> Int {
    var candidate = max(taskCount, copies - width)
    while candidate < copies {
      if try meetsTarget(candidate) {
        warnings.append(
          AssumptionWarning(
            assumption: "PJF non-increasing in M",
            detail: "bisection stopped at M = \(copies) but M = \(candidate) already meets the "
              + "target; the answer is the least M found by the local scan (use the scan "
              + "search for a proof over all M)",
            reference: "docs/replication.md §3"))
        return candidate
      }
      candidate += 1
    }
    return copies
  }

  /// Every `M` from `start` upwards: the exact least `M` for any pool.
  mutating func scan(from start: Int) throws -> Int {
    var copies = start
    while copies <= limit {
      if try meetsTarget(copies) { return copies }
      copies += 1
    }
    throw try unreachable(reason: limitReason)
  }

  /// Least `M` whose Jensen bound meets the target (bisection: the bound is monotone).
  mutating func lowerBoundCopies() throws -> Int {
    func boundMeets(_ copies: Int) throws -> Bool {
      try evaluator.ensureCapacity(copies, limit: limit)
      return evaluator.lowerBound(copyCount: copies).probability <= target
    }
    if try boundMeets(taskCount) { return taskCount }
    guard try boundMeets(limit) else { throw try unreachable(reason: limitReason) }
    var low = taskCount
    var high = limit
    while high - low > 1 {
      let middle = low + (high - low) / 2
      if try boundMeets(middle) { high = middle } else { low = middle }
    }
    return high
  }

  mutating func result(copies: Int, method: MinimalReplication.Method) throws
    -> MinimalReplication
  {
    MinimalReplication(
      taskCount: taskCount, minimumCopies: copies, jointFailure: try jointFailure(copies),
      jointFailureWithOneCopyFewer: copies > taskCount ? try jointFailure(copies - 1) : nil,
      rule: rule, method: method, evaluations: evaluator.evaluations, warnings: warnings)
  }
}
