import MarkovSolvers

/// The thresholds of a cloud-first switch-type policy, per SM2 cloud-queue length n
/// (the paper's eqs. (3)-(6)):
///
/// ```
/// T1(n) = min{ xb >= 1 : SM2 at (xb, 0, 1, n) },   n = 0...B2   (cloud holds an SM1 job)
/// T0(n) = min{ xb >= 1 : SM2 at (xb, 0, 0, n) },   n = 1...B2
/// ```
///
/// nil means "none": SM2 is never chosen on that line. `cloudIdle[0]` is always nil (the
/// line x1 = 0, x2 = 0 is S_CF, governed by T1(0)). A cloud-first switch-type policy is
/// fully given by (T1, T0); `ServiceModePolicy.thresholdPolicy(_:in:)` rebuilds it.
///
/// Docs: docs/service-modes.md §S5.4.
public struct ServiceModeThresholds: Sendable, Equatable {
  /// T1(n) at index n = 0...B2.
  public let cloudBusy: [Int?]
  /// T0(n) at index n = 0...B2 (index 0 unused, nil).
  public let cloudIdle: [Int?]

  /// - Precondition: equal lengths, every threshold >= 1, `cloudIdle[0] == nil`.
  public init(cloudBusy: [Int?], cloudIdle: [Int?]) {
    precondition(
      cloudBusy.count == cloudIdle.count && !cloudBusy.isEmpty,
      "T1 has \(cloudBusy.count) entries and T0 \(cloudIdle.count)")
    precondition(cloudIdle[0] == nil, "T0(0) is undefined (that line is S_CF)")
    precondition((cloudBusy + cloudIdle).allSatisfy { ($0 ?? 1) >= 1 }, "thresholds must be >= 1")
    self.cloudBusy = cloudBusy
    self.cloudIdle = cloudIdle
  }

  /// Thresholds from user lists, the last entry repeated up to n = B2 (longer lists are
  /// cut): `cloudBusy` lists T1(0), T1(1), …, `cloudIdle` lists T0(1), T0(2), ….
  /// - Throws: `ParameterError` for an empty list or a threshold below 1.
  public init(extending cloudBusy: [Int?], cloudIdle: [Int?], cloudBufferLimit: Int)
    throws(ParameterError)
  {
    func extended(_ list: [Int?], _ name: String, count: Int) throws(ParameterError) -> [Int?] {
      guard let last = list.last else {
        throw .malformed(name: name, value: "", expected: "a comma list of integers >= 1 or 'none'")
      }
      for case let value? in list where value < 1 {
        throw .outOfRange(name, value, valid: "an integer >= 1 or 'none'")
      }
      return Array(
        (list + [Int?](repeating: last, count: Swift.max(0, count - list.count)))
          .prefix(count))
    }
    let busy = try extended(cloudBusy, "cloud-busy thresholds (T1)", count: cloudBufferLimit + 1)
    let idle = try extended(cloudIdle, "cloud-idle thresholds (T0)", count: cloudBufferLimit)
    self.init(cloudBusy: busy, cloudIdle: [nil] + idle)
  }
}

extension ServiceModePolicy {
  /// T1(n) and T0(n) read off the policy, each the least xb >= 1 on its whole line.
  /// - Complexity: O(states).
  public var thresholds: ServiceModeThresholds {
    func first(sm1: Int, sm2Queue: Int) -> Int? {
      (1...stateSpace.bufferLimit).first { usesSM2(base: $0, sm1: sm1, sm2Queue: sm2Queue) }
    }
    let lines = 0...stateSpace.cloudBufferLimit
    return ServiceModeThresholds(
      cloudBusy: lines.map { first(sm1: 1, sm2Queue: $0) },
      cloudIdle: lines.map { $0 == 0 ? nil : first(sm1: 0, sm2Queue: $0) })
  }

  /// The x2-direction thresholds per base-queue length xb = 0...B (docs/service-modes.md §S5.4,
  /// `X2thr_*`):
  ///
  /// ```
  /// cloudBusy[xb] = min{ n >= 0 : SM2 at (xb, 0, 1, n) }
  /// cloudIdle[xb] = min{ n >= 1 : SM2 at (xb, 0, 0, n) }
  /// ```
  ///
  /// nil where SM2 is never chosen on that column (always at xb = 0).
  /// - Complexity: O(states).
  public var cloudQueueThresholds: (cloudBusy: [Int?], cloudIdle: [Int?]) {
    func first(base: Int, sm1: Int) -> Int? {
      ((1 - sm1)...stateSpace.cloudBufferLimit).first {
        usesSM2(base: base, sm1: sm1, sm2Queue: $0)
      }
    }
    let columns = 0...stateSpace.bufferLimit
    return (columns.map { first(base: $0, sm1: 1) }, columns.map { first(base: $0, sm1: 0) })
  }

  /// Whether the policy assigns SM2 at `(xb, 0, x1, x2)` (the switch-type lines of S5.4).
  private func usesSM2(base: Int, sm1: Int, sm2Queue: Int) -> Bool {
    actions[
      stateSpace.index(
        of: ServiceModeState(baseQueue: base, localBusy: 0, cloudSM1: sm1, cloudSM2: sm2Queue))
    ].usesSM2
  }
}
