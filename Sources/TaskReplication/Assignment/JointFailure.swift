import Foundation
import MarkovSolvers

/// A probability of joint failure (PJF), stored as `log(1 - PJF)` so that values near 0 and
/// near 1 keep every digit.
///
/// ```
/// PJF = 1 - prod_j (1 - prod_{i in copies(j)} p_i)
/// log(1 - PJF) = sum_j log1p(-q_j),   q_j = prod_{i in copies(j)} p_i,   PJF = -expm1(.)
/// ```
///
/// The per-task products `q_j` are formed by multiplication (a few ulps; a product below the
/// double range contributes less than 1e-308), the product over tasks as a compensated sum
/// of `log1p` terms, so `m` up to 10^7 and `p` down to 1e-300 stay exact to a few ulps.
/// Docs: docs/replication.md §1, §7.
public struct JointFailure: Sendable, Equatable, CustomStringConvertible {
  /// `log(1 - PJF)`, in `[-inf, 0]`.
  public let logSuccessProbability: Double

  public init(logSuccessProbability: Double) {
    precondition(
      logSuccessProbability <= 0, "log(1 - PJF) = \(logSuccessProbability) must be <= 0")
    // -0 (from p = 0) is stored as 0 so that no output shows a negative zero.
    self.logSuccessProbability = logSuccessProbability == 0 ? 0 : logSuccessProbability
  }

  /// PJF, in `[0, 1]`.
  public var probability: Double { 0 - expm1(logSuccessProbability) }  // +0, never -0

  public var description: String { "\(probability)" }

  /// PJF without replication (strategy S, every task on one device):
  ///
  /// ```
  /// P_S = 1 - prod_{i=1..m} (1 - p_i)
  /// ```
  ///
  /// - Parameter faultProbabilities: `p_i` in `[0, 1]`, one device per task (`m >= 1`).
  /// - Throws: `ParameterError` for an empty list or a probability outside `[0, 1]`.
  /// - Complexity: O(m).
  /// Docs: docs/replication.md §1.
  public static func withoutReplication(faultProbabilities: [Double]) throws -> JointFailure {
    try checkCounts(deviceCount: faultProbabilities.count, taskCount: faultProbabilities.count)
    try checkFaultProbabilities(faultProbabilities)
    return faultProbabilities.withUnsafeBufferPointer {
      AssignmentRule.paperRule(descending: $0, taskCount: $0.count)
    }
  }

  /// PJF of the paper's rule when every device fails with probability `p`:
  ///
  /// ```
  /// a = floor(M/m)
  /// PJF = 1 - (1 - p^(a+1))^(M - a m) * (1 - p^a)^((a+1) m - M)
  /// ```
  ///
  /// (`1 - (1-p)^m (1+p)^(M-m)` for `m <= M < 2m`). Every assignment that gives each task
  /// `a` or `a + 1` copies has this PJF, so it is also the optimum for a homogeneous pool.
  /// - Parameters:
  ///   - faultProbability: `p` in `[0, 1]`.
  ///   - taskCount: `m >= 1`.
  ///   - copyCount: `M >= m` (at most 2^53).
  /// - Throws: `ParameterError` for values outside these ranges.
  /// - Complexity: O(1).
  /// Docs: docs/replication.md §2 (slip 3 of §5 corrected).
  public static func homogeneous(faultProbability: Double, taskCount: Int, copyCount: Int) throws
    -> JointFailure
  {
    try checkUnitInterval(faultProbability, name: "fault probability (p)")
    try checkCounts(deviceCount: copyCount, taskCount: taskCount)
    let base = copyCount / taskCount
    let tasksWithExtraCopy = copyCount - base * taskCount
    var logSuccess =
      Double(taskCount - tasksWithExtraCopy)
      * logOneMinusPower(faultProbability, Double(base))
    if tasksWithExtraCopy > 0 {
      logSuccess +=
        Double(tasksWithExtraCopy) * logOneMinusPower(faultProbability, Double(base + 1))
    }
    return JointFailure(logSuccessProbability: logSuccess)
  }

  /// Jensen lower bound on the PJF of *any* assignment of these `M` devices to `m` tasks:
  ///
  /// ```
  /// log(1 - PJF) = sum_j f(W_j) <= m f(W/m),  f(W) = log(1 - e^-W),  W = -sum_i log p_i
  /// PJF >= 1 - (1 - (prod_i p_i)^(1/m))^m      (0 if some p_i = 0)
  /// ```
  ///
  /// `f` is concave, so the bound is attained exactly when all tasks have equal loads
  /// `W_j`; it certifies how far a heuristic such as LPT can be from the optimum.
  /// - Throws: `ParameterError` for `m < 1`, fewer devices than tasks or a probability
  ///   outside `[0, 1]`.
  /// - Complexity: O(M).
  /// Docs: docs/replication.md §4.
  public static func lowerBound(faultProbabilities: [Double], taskCount: Int) throws
    -> JointFailure
  {
    try checkCounts(deviceCount: faultProbabilities.count, taskCount: taskCount)
    try checkFaultProbabilities(faultProbabilities)
    return faultProbabilities.withUnsafeBufferPointer {
      lowerBound(devices: $0, taskCount: taskCount)
    }
  }

  static func lowerBound(devices: UnsafeBufferPointer<Double>, taskCount: Int) -> JointFailure {
    var logProduct = CompensatedSum()
    var index = 0
    while index < devices.count {
      logProduct.add(log(devices[index]))
      index += 1
    }
    let perTask = logOneMinusExp(logProduct.value / Double(taskCount))
    return JointFailure(logSuccessProbability: Double(taskCount) * perTask)
  }
}

/// `log(1 - p^a)` for `p` in `[0, 1]` and `a > 0` (`pow` is exact to an ulp; the log
/// form takes over when `p^a` is close to 1).
func logOneMinusPower(_ p: Double, _ exponent: Double) -> Double {
  logOneMinus(product: pow(p, exponent)) { exponent * log(p) }
}

/// Throws unless `m >= 1` and `m <= M <= 2^53`.
func checkCounts(deviceCount: Int, taskCount: Int) throws {
  guard taskCount >= 1 else {
    throw ParameterError.outOfRange("task count (m)", taskCount, valid: "an integer >= 1")
  }
  guard deviceCount >= taskCount else {
    throw ParameterError.inconsistent(
      name: "copies (M)", value: String(deviceCount),
      reason: "must be >= the task count m = \(taskCount) (replication factor r >= 1)")
  }
  guard deviceCount <= 1 << 53 else {
    throw ParameterError.outOfRange("copies (M)", deviceCount, valid: "<= 2^53")
  }
}
