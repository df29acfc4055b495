import Foundation
import MarkovSolvers

/// How `M` devices are assigned to `m` tasks (each device runs one copy of one task).
///
/// Write `w_i = -log p_i` and `W_j` for the sum of `w` over the copies of task `j`; then
/// `log(1 - PJF) = sum_j f(W_j)` with `f(W) = log(1 - e^-W)` increasing and concave, so
/// good assignments balance the loads `W_j`.
/// Docs: docs/replication.md §2 (paper), §4 (outer-in, LPT).
public enum AssignmentRule: String, Sendable, CaseIterable, CustomStringConvertible {
  /// The paper's rule: devices sorted from least to most reliable, device `i` (1-based)
  /// runs task `((i - 1) mod m) + 1`, so tasks `1 ... M - a m` get `a + 1` copies.
  case paper
  /// Optimal among assignments with at most two copies per task (`m <= M <= 2m`): the
  /// `2m - M` most reliable devices run alone, the other `2(M - m)` are paired outer-in
  /// (i-th least reliable with i-th most reliable among them).
  case outerIn = "outer-in"
  /// Longest-processing-time heuristic for any `M`: devices from most to least reliable,
  /// the first `m` open the tasks, each later one joins the task with the smallest `W_j`.
  case longestProcessingTime = "lpt"

  public var description: String { rawValue }

  /// Whether the rule can place `copyCount` copies of `taskCount` tasks (outer-in needs
  /// `M <= 2m`).
  public func admits(copyCount: Int, taskCount: Int) -> Bool {
    self != .outerIn || copyCount <= 2 * taskCount
  }

  /// PJF of this rule's assignment of the given devices to `taskCount` tasks.
  ///
  /// ```
  /// paper:    PJF = 1 - prod_{i=1}^{M-am} (1 - prod_{k=1}^{a+1} p_{i+(k-1)m})
  ///                   * prod_{j=M-am+1}^{m} (1 - prod_{k=1}^{a} p_{j+(k-1)m}),  p_1 >= ... >= p_M
  /// outer-in: PJF = 1 - prod_{i=1}^{M-m} (1 - p_i p_{2(M-m)+1-i}) * prod_{i=2(M-m)+1}^{M} (1 - p_i)
  /// lpt:      PJF = 1 - prod_j (1 - prod_{i in copies(j)} p_i), copies from the greedy rule
  /// ```
  ///
  /// - Parameters:
  ///   - faultProbabilities: the `M` devices' `p_i` in `[0, 1]`, any order.
  ///   - taskCount: `m`, with `1 <= m <= M` (and `M <= 2m` for outer-in).
  /// - Throws: `ParameterError` for counts or probabilities outside those ranges.
  /// - Complexity: O(M log M) (the sort); LPT adds O(M log m).
  /// Docs: docs/replication.md §2, §4.
  public func jointFailure(faultProbabilities: [Double], taskCount: Int) throws -> JointFailure {
    try checkCounts(deviceCount: faultProbabilities.count, taskCount: taskCount)
    try checkFaultProbabilities(faultProbabilities)
    try checkAdmits(copyCount: faultProbabilities.count, taskCount: taskCount)
    let descending = faultProbabilities.sorted(by: >)
    return descending.withUnsafeBufferPointer { jointFailure(descending: $0, taskCount: taskCount) }
  }

  func checkAdmits(copyCount: Int, taskCount: Int) throws {
    guard admits(copyCount: copyCount, taskCount: taskCount) else {
      throw ParameterError.inconsistent(
        name: "copies (M)", value: String(copyCount),
        reason: "the outer-in rule needs M <= 2m = \(2 * taskCount) (at most two copies per "
          + "task); use the lpt rule for more copies")
    }
  }

  /// The rule applied to devices already sorted by descending fault probability.
  func jointFailure(descending devices: UnsafeBufferPointer<Double>, taskCount: Int)
    -> JointFailure
  {
    switch self {
    case .paper: return Self.paperRule(descending: devices, taskCount: taskCount)
    case .outerIn: return Self.outerIn(descending: devices, taskCount: taskCount)
    case .longestProcessingTime:
      return Self.longestProcessingTime(descending: devices, taskCount: taskCount)
    }
  }

  /// Task `j` (0-based) runs on positions `j, j + m, j + 2m, ...` of the descending list.
  static func paperRule(descending devices: UnsafeBufferPointer<Double>, taskCount: Int)
    -> JointFailure
  {
    var logSuccess = CompensatedSum()
    var task = 0
    while task < taskCount {
      let copies = stride(from: task, to: devices.count, by: taskCount)
      let product = copies.reduce(1.0) { $0 * devices[$1] }
      logSuccess.add(
        logOneMinus(product: product) { copies.reduce(0.0) { $0 + log(devices[$1]) } })
      task += 1
    }
    return JointFailure(logSuccessProbability: logSuccess.value)
  }

  /// The `2k` least reliable devices (`k = M - m`, the head of the descending list) form
  /// pairs outer-in; the rest run alone.
  static func outerIn(descending devices: UnsafeBufferPointer<Double>, taskCount: Int)
    -> JointFailure
  {
    let pairedCount = 2 * (devices.count - taskCount)
    var logSuccess = CompensatedSum()
    var position = 0
    while position < pairedCount / 2 {
      let (first, second) = (devices[position], devices[pairedCount - 1 - position])
      logSuccess.add(logOneMinus(product: first * second) { log(first) + log(second) })
      position += 1
    }
    position = pairedCount
    while position < devices.count {
      logSuccess.add(log1p(-devices[position]))
      position += 1
    }
    return JointFailure(logSuccessProbability: logSuccess.value)
  }

  /// Greedy LPT with a binary min-heap of tasks keyed by their load `W_j = -log q_j`;
  /// the joint failure probability `q_j` itself is kept as a product (exact to ulps).
  static func longestProcessingTime(
    descending devices: UnsafeBufferPointer<Double>, taskCount: Int
  ) -> JointFailure {
    let count = devices.count
    var load = [Double](repeating: 0, count: taskCount)
    var product = [Double](repeating: 0, count: taskCount)
    // heap[0] is the task with the smallest load. Task t is opened by the (t+1)-th most
    // reliable device, so loads are non-increasing in t and the reversed order is a heap.
    var heap = [Int](unsafeUninitializedCapacity: taskCount) { buffer, initialized in
      var slot = 0
      while slot < taskCount {
        buffer[slot] = taskCount - 1 - slot
        slot += 1
      }
      initialized = taskCount
    }
    load.withUnsafeMutableBufferPointer { load in
      product.withUnsafeMutableBufferPointer { product in
        heap.withUnsafeMutableBufferPointer { heap in
          var task = 0
          while task < taskCount {
            let probability = devices[count - 1 - task]
            product[task] = probability
            load[task] = -log(probability)
            task += 1
          }
          var position = count - 1 - taskCount
          while position >= 0 {
            let probability = devices[position]
            let lightest = heap[0]
            product[lightest] *= probability
            load[lightest] -= log(probability)
            siftDown(heap: heap, load: UnsafeBufferPointer(load))
            position -= 1
          }
        }
      }
    }
    var logSuccess = CompensatedSum()
    for (probability, load) in zip(product, load) {
      logSuccess.add(logOneMinus(product: probability) { -load })
    }
    return JointFailure(logSuccessProbability: logSuccess.value)
  }

  /// Restores the min-heap property after the load of `heap[0]` grew.
  private static func siftDown(
    heap: UnsafeMutableBufferPointer<Int>, load: UnsafeBufferPointer<Double>
  ) {
    let count = heap.count
    let moving = heap[0]
    let movingLoad = load[moving]
    var slot = 0
    while true {
      var child = 2 * slot + 1
      if child >= count { break }
      if child + 1 < count && load[heap[child + 1]] < load[heap[child]] { child += 1 }
      if load[heap[child]] >= movingLoad { break }
      heap[slot] = heap[child]
      slot = child
    }
    heap[slot] = moving
  }
}
