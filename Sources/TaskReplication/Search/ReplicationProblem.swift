import Foundation
import MarkovSolvers

/// A job of `m` unique tasks to run with replication on a device pool: PJF for any copy
/// count `M`, the Jensen bound, the delta floors and the minimal replication factor.
///
/// The devices for `M` copies are the pool's first `M` devices in nested order (see
/// `DevicePool`). Homogeneous pools use the closed forms of §2 and §3.
/// Docs: docs/replication.md §1–§4.
public struct ReplicationProblem: Sendable {
  public let pool: DevicePool
  /// Number of unique tasks `m`.
  public let taskCount: Int

  /// - Throws: `ParameterError` unless `1 <= m <= 2^53` (copy counts `r m` are computed in
  ///   doubles) and the pool has at least `m` devices.
  public init(pool: DevicePool, taskCount: Int) throws {
    guard taskCount >= 1 && taskCount <= 1 << 53 else {
      throw ParameterError.outOfRange(
        "task count (m)", taskCount, valid: "an integer in 1...\(1 << 53)")
    }
    try pool.checkCapacity(taskCount, name: "task count (m)")
    self.pool = pool
    self.taskCount = taskCount
  }

  /// The copy count for a decimal replication factor:
  ///
  /// ```
  /// M = floor(r m), with r m within 1e-12 (relative) of an integer taken as that integer
  /// ```
  ///
  /// so that `r = 1.9985`, `m = 10000` gives 19985 although `1.9985 * 10000` is
  /// 19984.999... in binary.
  /// - Throws: `ParameterError.outOfRange` unless `r >= 1` and `r m <= 2^53`.
  /// - Complexity: O(1).
  /// Docs: docs/replication.md §1.
  public func copyCount(replicationFactor: Double) throws -> Int {
    guard replicationFactor >= 1 && replicationFactor * Double(taskCount) <= 0x1p53 else {
      throw ParameterError.outOfRange(
        "replication factor (r)", replicationFactor,
        valid: ">= 1 and <= 2^53 / m (m = \(taskCount))")
    }
    let product = replicationFactor * Double(taskCount)
    let nearest = product.rounded()
    return Int(abs(product - nearest) <= 1e-12 * product ? nearest : product.rounded(.down))
  }

  /// PJF of `rule` with `M = copyCount` copies on the pool's first `M` devices.
  ///
  /// ```
  /// PJF = 1 - prod_j (1 - prod_{i in copies(j)} p_i)
  /// ```
  ///
  /// - Throws: `ParameterError` for `M < m`, more copies than devices, or outer-in with
  ///   `M > 2m`.
  /// - Complexity: O(1) for a homogeneous pool, else O(M log M) (sorting the stream part).
  /// Docs: docs/replication.md §1, §2, §4.
  public func jointFailure(copyCount: Int, rule: AssignmentRule = .paper) throws -> JointFailure {
    var evaluator = try evaluator(copyCount: copyCount, rule: rule)
    return evaluator.jointFailure(copyCount: copyCount, rule: rule)
  }

  /// Jensen lower bound on the PJF of any assignment of the first `M` devices (§4):
  /// `PJF >= 1 - (1 - (prod_i p_i)^(1/m))^m`.
  /// - Throws: as `jointFailure(copyCount:rule:)`.
  /// - Complexity: O(M).
  /// Docs: docs/replication.md §4.
  public func lowerBound(copyCount: Int) throws -> JointFailure {
    try evaluator(copyCount: copyCount, rule: .paper).lowerBound(copyCount: copyCount)
  }

  /// PJF without replication (strategy S, `M = m`, the `m` first devices of the pool):
  /// `P_S = 1 - prod_{i=1..m} (1 - p_i)`.
  /// - Complexity: O(1) for a homogeneous pool, else O(m).
  /// Docs: docs/replication.md §1.
  public func withoutReplication() throws -> JointFailure {
    try jointFailure(copyCount: taskCount)
  }

  /// The smallest PJF reachable by the paper's rule with at most one extra copy (§3):
  ///
  /// ```
  /// strictly inside 1 <= r < 2:  PJF(M = 2m - 1)   (homogeneous: 1 - (1-p)(1-p^2)^(m-1))
  /// at r = 2 exactly:            PJF(M = 2m)       (homogeneous: 1 - (1-p^2)^m)
  /// ```
  ///
  /// Each is nil when the pool has too few devices.
  /// - Complexity: O(m log m).
  /// Docs: docs/replication.md §3, §5 slip 5.
  public func targetFloors() throws -> TargetFloors {
    let capacity = pool.capacity ?? Int.max
    var evaluator = try evaluator(copyCount: min(2 * taskCount, capacity), rule: .paper)
    func floor(_ copies: Int) -> JointFailure? {
      copies <= capacity ? evaluator.jointFailure(copyCount: copies, rule: .paper) : nil
    }
    return TargetFloors(belowTwo: floor(2 * taskCount - 1), atTwo: floor(2 * taskCount))
  }

  /// PJF of every rule and the Jensen bound at each copy count (a curve over `r`).
  /// Outer-in is nil where `M > 2m`.
  /// - Throws: `ParameterError` for a copy count below `m` or beyond the pool.
  /// - Complexity: O(K M log M) for K points of at most M copies.
  /// Docs: docs/replication.md §2, §4 (the paper's figures).
  public func curve(copyCounts: [Int]) throws -> [CurvePoint] {
    guard let largest = copyCounts.max() else { return [] }
    var evaluator = try evaluator(copyCount: largest, rule: .paper)
    return try copyCounts.map { copies in
      try checkCounts(deviceCount: copies, taskCount: taskCount)
      return CurvePoint(
        copyCount: copies, taskCount: taskCount,
        paper: evaluator.jointFailure(copyCount: copies, rule: .paper),
        outerIn: AssignmentRule.outerIn.admits(copyCount: copies, taskCount: taskCount)
          ? evaluator.jointFailure(copyCount: copies, rule: .outerIn) : nil,
        longestProcessingTime: evaluator.jointFailure(
          copyCount: copies, rule: .longestProcessingTime),
        lowerBound: evaluator.lowerBound(copyCount: copies))
    }
  }

  /// An evaluator holding the first `copyCount` devices, after validating `copyCount`.
  func evaluator(copyCount: Int, rule: AssignmentRule) throws -> PrefixEvaluator {
    try checkCounts(deviceCount: copyCount, taskCount: taskCount)
    try rule.checkAdmits(copyCount: copyCount, taskCount: taskCount)
    try pool.checkCapacity(copyCount)
    var evaluator = PrefixEvaluator(pool: pool, taskCount: taskCount)
    try evaluator.ensureCapacity(copyCount, limit: copyCount)
    return evaluator
  }
}

/// The delta floors of the paper's rule with at most one extra copy (§3).
public struct TargetFloors: Sendable, Equatable {
  /// PJF at `M = 2m - 1`, the best strictly inside `1 <= r < 2`.
  public let belowTwo: JointFailure?
  /// PJF at `M = 2m` (`r = 2`).
  public let atTwo: JointFailure?
}

/// One point of a PJF curve over the replication factor.
public struct CurvePoint: Sendable, Equatable {
  public let copyCount: Int
  /// `r = M / m`.
  public let replicationFactor: Double
  public let paper: JointFailure
  /// Nil where `M > 2m`.
  public let outerIn: JointFailure?
  public let longestProcessingTime: JointFailure
  public let lowerBound: JointFailure

  init(
    copyCount: Int, taskCount: Int, paper: JointFailure, outerIn: JointFailure?,
    longestProcessingTime: JointFailure, lowerBound: JointFailure
  ) {
    self.copyCount = copyCount
    replicationFactor = Double(copyCount) / Double(taskCount)
    self.paper = paper
    self.outerIn = outerIn
    self.longestProcessingTime = longestProcessingTime
    self.lowerBound = lowerBound
  }
}
