import MarkovSolvers

/// One state where a structural property fails, with a readable reason.
public struct StructureViolation: Sendable, Equatable, CustomStringConvertible {
  /// The state the property is stated at.
  public let state: ServiceModeState
  /// What fails there, e.g. `act(3,0,1,2) = SM2 but act(4,0,1,2) = idle`.
  public let description: String
}

/// Whether a property holds on a set of states, with the first counterexamples.
public struct PropertyVerdict: Sendable, Equatable {
  /// How many states the property was checked at.
  public let checkedStates: Int
  /// How many of them violate it.
  public let violationCount: Int
  /// The first violations in state-index order (at most `PropertyVerdict.listed`).
  public let firstViolations: [StructureViolation]

  /// The number of counterexamples kept.
  public static let listed = 5

  public var holds: Bool { violationCount == 0 }

  /// Checks `violation` at each state of `states`; nil means the property holds there.
  init(checking states: some Sequence<ServiceModeState>, violation: (ServiceModeState) -> String?) {
    var checked = 0
    var count = 0
    var first: [StructureViolation] = []
    for state in states {
      checked += 1
      guard let reason = violation(state) else { continue }
      count += 1
      if first.count < Self.listed {
        first.append(StructureViolation(state: state, description: reason))
      }
    }
    checkedStates = checked
    violationCount = count
    firstViolations = first
  }
}

/// A property checked on the window `xb, x2 <= W` and on the whole truncated grid.
public struct WindowAndGrid: Sendable, Equatable {
  public let window: PropertyVerdict
  public let grid: PropertyVerdict
}

/// The structure of a computed policy (docs/service-modes.md §S5), evaluated on the window `xb, x2
/// <= W` (default `W = B/2`, where the truncation does not distort the policy) and, for
/// information, on the whole grid.
///
/// Docs: docs/service-modes.md §S4.4, §S5.
public struct StructureReport: Sendable {
  /// W.
  public let window: Int
  /// Cloud-first (i): SM1 is used at every x in `S_CF = { xb >= 1, x1 = 0, x2 = 0 }`.
  public let sm1OnCloudFirstSet: WindowAndGrid
  /// Cloud-first (ii): SM1 is never used outside S_CF.
  public let noSM1OutsideCloudFirstSet: WindowAndGrid
  /// Switch-type: for x in `D = { xl = 0, xb >= 1, x ∉ S_CF }` with SM2 at x, SM2 also at
  /// `x + e_b` (if xb < B) and at `x + e_2` (if x2 < B2); both states in the region.
  public let switchType: WindowAndGrid
  /// Urgency-monotonicity conjecture: `act(x) = idle ⇒ act(x − e_b) = idle` for xb >= 2.
  public let urgencyMonotone: WindowAndGrid
  /// T1(n) and T0(n), restricted to `xb <= W`, are non-increasing in `n <= W` (Lemma III-E).
  public let thresholdsNonIncreasing: PropertyVerdict
  /// On S_CF with xl = 0 (window): SM1+SM2 exactly when `xb − 1 >= T1(0)`.
  public let cloudFirstSetFollowsThreshold: PropertyVerdict
  /// Closure (S4.4): the policy idles at every post-decision state it selects.
  public let closure: PropertyVerdict
  /// T1 and T0 read off the whole lines.
  public let thresholds: ServiceModeThresholds
  /// The x2-direction thresholds per xb.
  public let cloudQueueThresholds: (cloudBusy: [Int?], cloudIdle: [Int?])
  /// The smallest decision gap `|min(Q_idle, Q_SM1) − min(Q_SM2, Q_SM1+SM2)|` over D in the
  /// window, and where it occurs (nil if D meets no window state). See docs/service-modes.md §S5.5.
  public let minimumDecisionGap: (gap: Double, state: ServiceModeState)?

  /// "Cloud-first holds" on the whole grid: both (i) and (ii).
  public var cloudFirst: Bool {
    sm1OnCloudFirstSet.grid.holds && noSM1OutsideCloudFirstSet.grid.holds
  }
  /// Cloud-first (i) and (ii) on the window.
  public var cloudFirstWindow: Bool {
    sm1OnCloudFirstSet.window.holds && noSM1OutsideCloudFirstSet.window.holds
  }

  /// Checks every property of docs/service-modes.md §S5 on `policy`, with the decision gaps from
  /// `rowValues` (`W(y)` per post-decision state, as in `ServiceModeSolution`).
  /// - Precondition: `1 <= window <= B` and `window <= B2`.
  /// - Complexity: O(states).
  public init(policy: ServiceModePolicy, rowValues: [Double], window: Int) {
    let space = policy.stateSpace
    precondition(
      window >= 1 && window <= space.bufferLimit && window <= space.cloudBufferLimit,
      "window \(window) outside 1...min(B, B2)")
    precondition(rowValues.count == space.stateCount, "need one row value per state")
    self.window = window
    func act(_ x: ServiceModeState) -> ServiceModeAction { policy.actions[space.index(of: x)] }
    func inWindow(_ x: ServiceModeState) -> Bool { x.baseQueue <= window && x.cloudSM2 <= window }
    func moved(_ x: ServiceModeState, base: Int = 0, sm2Queue: Int = 0) -> ServiceModeState {
      ServiceModeState(
        baseQueue: x.baseQueue + base, localBusy: x.localBusy, cloudSM1: x.cloudSM1,
        cloudSM2: x.cloudSM2 + sm2Queue)
    }
    let all = (0..<space.stateCount).lazy.map { space.state(at: $0) }
    func both(
      _ domain: @escaping (ServiceModeState) -> Bool,
      _ violation: (ServiceModeState, _ region: (ServiceModeState) -> Bool) -> String?
    ) -> WindowAndGrid {
      WindowAndGrid(
        window: PropertyVerdict(checking: all.filter { domain($0) && inWindow($0) }) {
          violation($0, inWindow)
        },
        grid: PropertyVerdict(checking: all.filter(domain)) { violation($0, space.contains) })
    }

    sm1OnCloudFirstSet = both(\.isInCloudFirstSet) { x, _ in
      act(x).usesSM1 ? nil : "act\(x) = \(act(x)) on S_CF"
    }
    noSM1OutsideCloudFirstSet = both({ !$0.isInCloudFirstSet }) { x, _ in
      act(x).usesSM1 ? "act\(x) = \(act(x)) outside S_CF" : nil
    }
    switchType = both({ $0.isInSwitchDomain && act($0).usesSM2 }) { x, region in
      for neighbour in [moved(x, base: 1), moved(x, sm2Queue: 1)]
      where region(neighbour) && !act(neighbour).usesSM2 {
        return "act\(x) = \(act(x)) but act\(neighbour) = \(act(neighbour))"
      }
      return nil
    }
    urgencyMonotone = both({ $0.baseQueue >= 2 && act($0) == .idle }) { x, _ in
      let fewer = moved(x, base: -1)
      return act(fewer) == .idle ? nil : "act\(x) = idle but act\(fewer) = \(act(fewer))"
    }

    let thresholds = policy.thresholds
    self.thresholds = thresholds
    cloudQueueThresholds = policy.cloudQueueThresholds
    // Thresholds on the window lines: T^W(n) = min{ xb in 1...W : SM2 }, none = W + 1.
    func windowThreshold(sm1: Int, line: Int) -> Int {
      (1...window).first {
        act(
          ServiceModeState(
            baseQueue: $0, localBusy: 0, cloudSM1: sm1, cloudSM2: line)
        ).usesSM2
      } ?? window + 1
    }
    let lines = (0..<window).flatMap { line in
      [ServiceModeState(baseQueue: 0, localBusy: 0, cloudSM1: 1, cloudSM2: line)]
        + (line >= 1
          ? [ServiceModeState(baseQueue: 0, localBusy: 0, cloudSM1: 0, cloudSM2: line)] : [])
    }
    thresholdsNonIncreasing = PropertyVerdict(checking: lines) { x in
      let name = x.cloudSM1 == 1 ? "T1" : "T0"
      let here = windowThreshold(sm1: x.cloudSM1, line: x.cloudSM2)
      let next = windowThreshold(sm1: x.cloudSM1, line: x.cloudSM2 + 1)
      func text(_ t: Int) -> String { t > window ? "none" : String(t) }
      return next <= here
        ? nil
        : "\(name)(\(x.cloudSM2)) = \(text(here)) < \(name)(\(x.cloudSM2 + 1)) = \(text(next)) on xb <= \(window)"
    }
    let cloudFirstLine = (1...window).map {
      ServiceModeState(baseQueue: $0, localBusy: 0, cloudSM1: 0, cloudSM2: 0)
    }
    cloudFirstSetFollowsThreshold = PropertyVerdict(checking: cloudFirstLine) { x in
      let expected =
        thresholds.cloudBusy[0].map { x.baseQueue - 1 >= $0 } ?? false
        ? ServiceModeAction.sm1ThenSM2 : .sm1
      return act(x) == expected
        ? nil
        : "act\(x) = \(act(x)), but T1(0) = \(thresholds.cloudBusy[0].map(String.init) ?? "none") gives \(expected)"
    }
    closure = PropertyVerdict(checking: all) { x in
      let post = x.applying(act(x))
      return act(post) == .idle
        ? nil : "act\(x) = \(act(x)) leads to \(post), where act = \(act(post))"
    }

    var smallest: (gap: Double, state: ServiceModeState)?
    for x in all where x.isInSwitchDomain && inWindow(x) {
      func q(_ action: ServiceModeAction) -> Double {
        x.admits(action) ? rowValues[space.index(of: x.applying(action))] : .infinity
      }
      let gap = abs(min(q(.idle), q(.sm1)) - min(q(.sm2), q(.sm1ThenSM2)))
      if gap < smallest?.gap ?? .infinity { smallest = (gap, x) }
    }
    minimumDecisionGap = smallest
  }
}

/// The truncation check of docs/service-modes.md §S2.3: the policy on the window must not change
/// when B and B2 are doubled.
public struct TruncationCheck: Sendable {
  /// The limits of the second solve.
  public let doubledBufferLimit: Int
  public let doubledCloudBufferLimit: Int
  /// Window states whose action differs between the two truncations.
  public let verdict: PropertyVerdict

  public var stable: Bool { verdict.holds }

  /// Compares two policies on the window `xb, x2 <= window` (both spaces must contain it).
  public init(policy: ServiceModePolicy, doubled: ServiceModePolicy, window: Int) {
    let windowStates = (0...window).flatMap { base in
      (0...window).flatMap { sm2Queue in
        (0...1).flatMap { local in
          (0...1).map {
            ServiceModeState(baseQueue: base, localBusy: local, cloudSM1: $0, cloudSM2: sm2Queue)
          }
        }
      }
    }
    doubledBufferLimit = doubled.stateSpace.bufferLimit
    doubledCloudBufferLimit = doubled.stateSpace.cloudBufferLimit
    verdict = PropertyVerdict(checking: windowStates) { x in
      policy[x] == doubled[x]
        ? nil
        : "act\(x) = \(policy[x]) with B = \(policy.stateSpace.bufferLimit) but \(doubled[x]) with B = \(doubled.stateSpace.bufferLimit)"
    }
  }
}
