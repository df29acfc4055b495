import OffloadLab

/// The two-stage service-mode offloading model of `ServiceModeModel`, written again by hand
/// as a user would with the typed API: the same states, assignments, uniformized
/// probabilities (sum convention ν = λ + μ_c1 + μ_c2 + μ_l2) and stage costs, so that its
/// certified values must agree with the built-in model's (docs/service-modes.md S3.4;
/// docs/modeling-guide.md §6 times both).
///
/// State (b, l, s1, q2): base-queue jobs b <= B, the local stage of SM2 busy (l), a job in
/// SM1's cloud (s1), jobs in SM2's cloud queue q2 <= B2. Assignments move base jobs at
/// decision epochs: idle, SM1 (b >= 1, s1 = 0), SM2 (b >= 1, l = 0), SM1 then SM2 (b >= 2,
/// s1 = l = 0). From the post-decision state y, per uniformized step:
///
/// ```
/// arrival (b < B)               λ/ν      b + 1
/// SM2 cloud departure (q2 >= 1) μ_c2/ν   q2 − 1     else SM1 departure (s1 = 1)  μ_c1/ν
/// local completion (l = 1, q2 < B2)  μ_l2/ν   l = 0, q2 + 1
/// otherwise stay;  stage cost |y| = b + l + s1 + q2
/// ```
public struct TypedServiceModes: DiscreteTimeModel, Sendable {
  public struct State: Hashable, Sendable {
    public var base: Int
    public var local: Int
    public var sm1: Int
    public var cloudQueue: Int

    public init(base: Int, local: Int, sm1: Int, cloudQueue: Int) {
      self.base = base
      self.local = local
      self.sm1 = sm1
      self.cloudQueue = cloudQueue
    }

    var jobs: Int { base + local + sm1 + cloudQueue }
  }

  public enum Assignment: Hashable, Sendable { case idle, sm1, sm2, sm1ThenSM2 }

  public let parameters: ServiceModeParameters
  public let bufferLimit: Int
  public let cloudBufferLimit: Int
  /// ν = λ + μ_c1 + μ_c2 + μ_l2.
  public let uniformizationRate: Double

  public init(parameters: ServiceModeParameters, bufferLimit: Int, cloudBufferLimit: Int) {
    self.parameters = parameters
    self.bufferLimit = bufferLimit
    self.cloudBufferLimit = cloudBufferLimit
    uniformizationRate =
      parameters.arrivalRate + parameters.sm1CloudRate + parameters.sm2CloudRate
      + parameters.sm2LocalRate
  }

  public var initialStates: [State] { [State(base: 0, local: 0, sm1: 0, cloudQueue: 0)] }

  public func actions(in x: State) -> [Assignment] {
    var list: [Assignment] = [.idle]
    if x.base >= 1 && x.sm1 == 0 { list.append(.sm1) }
    if x.base >= 1 && x.local == 0 { list.append(.sm2) }
    if x.base >= 2 && x.sm1 == 0 && x.local == 0 { list.append(.sm1ThenSM2) }
    return list
  }

  /// The post-decision state.
  func assigning(_ assignment: Assignment, in x: State) -> State {
    var y = x
    switch assignment {
    case .idle: break
    case .sm1: (y.base, y.sm1) = (x.base - 1, 1)
    case .sm2: (y.base, y.local) = (x.base - 1, 1)
    case .sm1ThenSM2: (y.base, y.sm1, y.local) = (x.base - 2, 1, 1)
    }
    return y
  }

  public func transitions(from x: State, taking assignment: Assignment) -> [(State, Double)] {
    let y = assigning(assignment, in: x)
    let p = parameters
    var out: [(State, Double)] = []
    var moving = 0.0
    func move(_ next: State, _ rate: Double) {
      out.append((next, rate / uniformizationRate))
      moving += rate / uniformizationRate
    }
    if y.cloudQueue >= 1 {
      var next = y
      next.cloudQueue -= 1
      move(next, p.sm2CloudRate)
    } else if y.sm1 == 1 {
      var next = y
      next.sm1 = 0
      move(next, p.sm1CloudRate)
    }
    if y.local == 1 && y.cloudQueue < cloudBufferLimit {
      var next = y
      (next.local, next.cloudQueue) = (0, y.cloudQueue + 1)
      move(next, p.sm2LocalRate)
    }
    if y.base < bufferLimit {
      var next = y
      next.base += 1
      move(next, p.arrivalRate)
    }
    out.append((y, max(0, 1 - moving)))
    return out
  }

  public func cost(in x: State, taking assignment: Assignment) -> Double {
    Double(assigning(assignment, in: x).jobs)
  }
}
