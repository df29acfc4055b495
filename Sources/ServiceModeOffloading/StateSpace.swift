import MarkovSolvers

/// A state `x = (xb, xl, x1, x2)` of the service-mode offloading system.
///
/// - `xb`: jobs in the base queue, not yet assigned (0...B);
/// - `xl`: an SM2 job at the local server (0 or 1);
/// - `x1`: an SM1 job at the cloud, waiting or in service (0 or 1);
/// - `x2`: SM2 jobs at the cloud after their local stage (0...B2).
///
/// Docs: docs/service-modes.md §S2.1.
public struct ServiceModeState: Hashable, Sendable, CustomStringConvertible {
  public var baseQueue: Int
  public var localBusy: Int
  public var cloudSM1: Int
  public var cloudSM2: Int

  public init(baseQueue: Int, localBusy: Int, cloudSM1: Int, cloudSM2: Int) {
    self.baseQueue = baseQueue
    self.localBusy = localBusy
    self.cloudSM1 = cloudSM1
    self.cloudSM2 = cloudSM2
  }

  /// `|x| = xb + xl + x1 + x2`, the number of jobs in the system (the cost rate).
  public var jobCount: Int { baseQueue + localBusy + cloudSM1 + cloudSM2 }

  /// Whether x is in `S_CF = { xb >= 1, x1 = 0, x2 = 0 }` (cloud empty, base queue
  /// non-empty). Docs: docs/service-modes.md §S5.1.
  public var isInCloudFirstSet: Bool { baseQueue >= 1 && cloudSM1 == 0 && cloudSM2 == 0 }

  /// Whether x is in the switch-type domain `D = { xl = 0, xb >= 1, x ∉ S_CF }`, the only
  /// states where the choice is SM2 versus not. Docs: docs/service-modes.md §S5.2.
  public var isInSwitchDomain: Bool { localBusy == 0 && baseQueue >= 1 && !isInCloudFirstSet }

  /// Whether an action may be taken in x (S2.2): SM1 needs `xb >= 1, x1 = 0`, SM2 needs
  /// `xb >= 1, xl = 0`, both need `xb >= 2`.
  public func admits(_ action: ServiceModeAction) -> Bool {
    let needed = (action.usesSM1 ? 1 : 0) + (action.usesSM2 ? 1 : 0)
    return baseQueue >= needed && !(action.usesSM1 && cloudSM1 == 1)
      && !(action.usesSM2 && localBusy == 1)
  }

  /// The post-decision state after `action` (which must be admissible).
  public func applying(_ action: ServiceModeAction) -> ServiceModeState {
    var next = self
    if action.usesSM1 {
      next.baseQueue -= 1
      next.cloudSM1 = 1
    }
    if action.usesSM2 {
      next.baseQueue -= 1
      next.localBusy = 1
    }
    return next
  }

  /// `(xb, xl, x1, x2)`, the paper's order.
  public var description: String { "(\(baseQueue),\(localBusy),\(cloudSM1),\(cloudSM2))" }
}

/// An assignment decision, with the paper's action codes.
///
/// Docs: docs/service-modes.md §S3.3, §S5 (`act(x)`); the paper's figures print 3 as 1.
public enum ServiceModeAction: Int, Sendable, CaseIterable, CustomStringConvertible {
  /// Assign nothing.
  case idle = 0
  /// Assign one base job to SM1 (the cloud).
  case sm1 = 1
  /// Assign one base job to SM2 (local stage first).
  case sm2 = 2
  /// Assign one job to SM1, then one to SM2 (the paper's fixed order).
  case sm1ThenSM2 = 3

  public var usesSM1: Bool { self == .sm1 || self == .sm1ThenSM2 }
  public var usesSM2: Bool { self == .sm2 || self == .sm1ThenSM2 }

  public var description: String {
    switch self {
    case .idle: return "idle"
    case .sm1: return "SM1"
    case .sm2: return "SM2"
    case .sm1ThenSM2: return "SM1+SM2"
    }
  }
}

/// The truncated state space `0 <= xb <= B, 0 <= x2 <= B2`, with `4(B+1)(B2+1)` states
/// numbered
///
/// ```
/// index(x) = 4 (B2 + 1) xb + 4 x2 + 2 xl + x1
/// ```
///
/// so that an event or an assignment moves the index by a constant: arrival `+4(B2+1)`,
/// SM1 departure `−1`, SM2 cloud departure `−4`, local completion `+2`, SM1 assignment
/// `−4(B2+1) + 1`, SM2 assignment `−4(B2+1) + 2`. The empty state has index 0.
///
/// Docs: docs/service-modes.md §S2.3.
public struct ServiceModeStateSpace: Sendable, Equatable {
  /// B, the base-queue limit.
  public let bufferLimit: Int
  /// B2, the SM2 cloud-queue limit.
  public let cloudBufferLimit: Int

  /// The largest state count accepted (indices are 32-bit in the sparse kernels).
  public static let maximumStateCount = 1 << 28

  /// - Throws: `ParameterError` unless `B >= 2`, `B2 >= 1` and the state count is at most
  ///   `maximumStateCount`.
  public init(bufferLimit: Int, cloudBufferLimit: Int) throws(ParameterError) {
    guard bufferLimit >= 2 else {
      throw .outOfRange("buffer limit (B)", bufferLimit, valid: "an integer >= 2")
    }
    guard cloudBufferLimit >= 1 else {
      throw .outOfRange("cloud buffer limit (B2)", cloudBufferLimit, valid: "an integer >= 1")
    }
    let (lines, overflow) = (bufferLimit + 1).multipliedReportingOverflow(by: cloudBufferLimit + 1)
    guard !overflow, lines <= Self.maximumStateCount / 4 else {
      throw .inconsistent(
        name: "buffer limits (B, B2)", value: "(\(bufferLimit), \(cloudBufferLimit))",
        reason: "4(B+1)(B2+1) states must be at most \(Self.maximumStateCount)")
    }
    self.bufferLimit = bufferLimit
    self.cloudBufferLimit = cloudBufferLimit
  }

  /// `4(B+1)(B2+1)`.
  public var stateCount: Int { 4 * (bufferLimit + 1) * (cloudBufferLimit + 1) }

  /// Index distance between states that differ by one base job: `4(B2 + 1)`.
  public var baseStride: Int { 4 * (cloudBufferLimit + 1) }

  /// The index of a state inside the space.
  /// - Complexity: O(1).
  @inlinable
  public func index(of state: ServiceModeState) -> Int {
    precondition(
      contains(state), "state \(state) outside B = \(bufferLimit), B2 = \(cloudBufferLimit)")
    return baseStride * state.baseQueue + 4 * state.cloudSM2 + 2 * state.localBusy + state.cloudSM1
  }

  /// The state with a given index.
  /// - Complexity: O(1).
  @inlinable
  public func state(at index: Int) -> ServiceModeState {
    precondition(index >= 0 && index < stateCount, "index \(index) outside 0..<\(stateCount)")
    let (baseQueue, rest) = index.quotientAndRemainder(dividingBy: baseStride)
    return ServiceModeState(
      baseQueue: baseQueue, localBusy: (rest >> 1) & 1, cloudSM1: rest & 1, cloudSM2: rest >> 2)
  }

  /// Whether every component is inside its range.
  public func contains(_ state: ServiceModeState) -> Bool {
    (0...bufferLimit).contains(state.baseQueue) && (0...1).contains(state.localBusy)
      && (0...1).contains(state.cloudSM1) && (0...cloudBufferLimit).contains(state.cloudSM2)
  }

  /// Index change caused by an admissible action: `0`, `−s + 1`, `−s + 2` or `−2s + 3`
  /// with `s = baseStride`.
  @inlinable
  public func indexShift(of action: ServiceModeAction) -> Int {
    switch action {
    case .idle: return 0
    case .sm1: return 1 - baseStride
    case .sm2: return 2 - baseStride
    case .sm1ThenSM2: return 3 - 2 * baseStride
    }
  }
}
