import MarkovSolvers

/// A stationary deterministic policy: one action code per state of a truncated space.
///
/// The policy is stored as action codes (docs/service-modes.md §S12), not as candidate indices; the
/// post-decision state it selects in x is `x.applying(action)`.
///
/// Docs: docs/service-modes.md §S3.3, §S6.
public struct ServiceModePolicy: Sendable, Equatable {
  public let stateSpace: ServiceModeStateSpace
  /// `act(x)` per state index.
  public let actions: [ServiceModeAction]

  /// A policy from a rule evaluated on every state.
  /// - Precondition: the rule returns an admissible action everywhere.
  /// - Complexity: O(states) calls of `rule`.
  public init(stateSpace: ServiceModeStateSpace, rule: (ServiceModeState) -> ServiceModeAction) {
    self.stateSpace = stateSpace
    self.actions = (0..<stateSpace.stateCount).map { index in
      let state = stateSpace.state(at: index)
      let action = rule(state)
      precondition(state.admits(action), "action \(action) is not admissible in \(state)")
      return action
    }
  }

  /// The policy a solver returns as candidate indices of the model's process.
  /// - Complexity: O(states).
  public init(candidateIndices: [Int], of model: ServiceModeModel) {
    let space = model.stateSpace
    let process = model.process
    precondition(
      candidateIndices.count == space.stateCount,
      "\(candidateIndices.count) candidate indices for \(space.stateCount) states")
    let shifts = ServiceModeAction.allCases.map { space.indexShift(of: $0) }
    self.stateSpace = space
    self.actions = candidateIndices.indices.map { index in
      let shift = process.row(state: index, action: candidateIndices[index]) - index
      guard let code = shifts.firstIndex(of: shift) else {
        preconditionFailure("row shift \(shift) of state \(index) is not an action")
      }
      return ServiceModeAction.allCases[code]
    }
  }

  /// `act(x)`.
  public subscript(state: ServiceModeState) -> ServiceModeAction {
    actions[stateSpace.index(of: state)]
  }

  /// The candidate index (into R(x), order idle, SM1, SM2, SM1+SM2) of each state's action,
  /// the form the core's solvers and evaluators read.
  /// - Complexity: O(states).
  public var candidateIndices: [Int] {
    actions.indices.map { index in
      switch actions[index] {
      case .idle: return 0
      case .sm1: return 1
      case .sm2: return stateSpace.state(at: index).admits(.sm1) ? 2 : 1
      case .sm1ThenSM2: return 3
      }
    }
  }

  /// The post-decision state index `x.applying(act(x))` per state.
  /// - Complexity: O(states).
  public var postDecisionIndices: [Int32] {
    actions.indices.map { Int32(truncatingIfNeeded: $0 + stateSpace.indexShift(of: actions[$0])) }
  }

  /// Offload-Only: SM1 whenever admissible (`xb >= 1, x1 = 0`), never SM2. From the empty
  /// state x2 stays 0, so the system is an M/M/1 queue with rate μ_c1 (docs/service-modes.md §S6,
  /// §S8.2).
  public static func offloadOnly(_ stateSpace: ServiceModeStateSpace) -> ServiceModePolicy {
    ServiceModePolicy(stateSpace: stateSpace) { $0.admits(.sm1) ? .sm1 : .idle }
  }

  /// Non-Idling: cloud-first, and SM2 whenever admissible; equivalently `T1 = T0 = 1`
  /// (docs/service-modes.md §S6).
  public static func nonIdling(_ stateSpace: ServiceModeStateSpace) -> ServiceModePolicy {
    let ones = [Int?](repeating: 1, count: stateSpace.cloudBufferLimit + 1)
    return thresholdPolicy(
      ServiceModeThresholds(cloudBusy: ones, cloudIdle: [nil] + ones.dropFirst()), in: stateSpace)
  }

  /// The cloud-first switch-type policy with thresholds (T1, T0) (docs/service-modes.md §S5.4):
  ///
  /// ```
  /// x ∈ S_CF:                  SM1, then SM2 if xl = 0 and xb − 1 >= T1(0)
  /// xl = 0, xb >= 1, x1 = 1:   SM2 iff xb >= T1(x2)
  /// xl = 0, xb >= 1, x1 = 0:   SM2 iff xb >= T0(x2)       (x2 >= 1)
  /// otherwise:                 idle
  /// ```
  /// - Complexity: O(states).
  public static func thresholdPolicy(
    _ thresholds: ServiceModeThresholds, in stateSpace: ServiceModeStateSpace
  ) -> ServiceModePolicy {
    precondition(
      thresholds.cloudBusy.count == stateSpace.cloudBufferLimit + 1
        && thresholds.cloudIdle.count == stateSpace.cloudBufferLimit + 1,
      "thresholds must have B2 + 1 = \(stateSpace.cloudBufferLimit + 1) entries")
    func reaches(_ base: Int, _ threshold: Int?) -> Bool { threshold.map { base >= $0 } ?? false }
    return ServiceModePolicy(stateSpace: stateSpace) { x in
      if x.isInCloudFirstSet {
        return x.localBusy == 0 && reaches(x.baseQueue - 1, thresholds.cloudBusy[0])
          ? .sm1ThenSM2 : .sm1
      }
      guard x.isInSwitchDomain else { return .idle }
      let line = x.cloudSM1 == 1 ? thresholds.cloudBusy : thresholds.cloudIdle
      return reaches(x.baseQueue, line[x.cloudSM2]) ? .sm2 : .idle
    }
  }
}
