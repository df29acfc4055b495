import GenerativeMarkov
import MarkovSolvers

/// The work state of one step: the stored state plus the auxiliary variables recomputed
/// every step (actions u, consumption c), cleared by `finish` (spec G1.3, G4.1).
public struct StepWork: Sendable, Hashable {
  public var state: InferenceState
  /// The auxiliary variables; nil once the step is finished. Each branch of the expansion
  /// sets them once and never mutates them, so partial states share them by reference.
  var auxiliary: StepAuxiliary?

  public init(state: InferenceState) { self.init(state: state, presetDecision: nil) }

  init(state: InferenceState, presetDecision: SchedulerDecision?) {
    self.state = state
    self.auxiliary = presetDecision.map { StepAuxiliary(presetDecision: $0) }
  }

  /// An action fixed from outside (the MDP of Def. 3.1); nil: the scheduler decides.
  var presetDecision: SchedulerDecision? { auxiliary?.presetDecision }
  var executor: ExecutorActions? { auxiliary?.executor }
  var decision: SchedulerDecision? { auxiliary?.decision }
  /// CPU share of every node during the step (users, then the server).
  var shares: [Double] { auxiliary?.shares ?? [] }
  /// Server CPU used (cores) and memory held (GB) during the step, from ŷ (spec G5.7).
  var serverCpuUsed: Double { auxiliary?.serverCpuUsed ?? 0 }
  var serverMemoryHeld: Double { auxiliary?.serverMemoryHeld ?? 0 }

  /// Hashes the stored state only: the auxiliary variables are functions of the branch
  /// taken, and `==` still compares every field.
  public func hash(into hasher: inout Hasher) { hasher.combine(state.digest) }
}

/// The auxiliary variables of one step (u and c), immutable once set: one reference per
/// partial state instead of one per array when partial states are copied.
final class StepAuxiliary: Sendable, Equatable {
  let presetDecision: SchedulerDecision?
  let executor: ExecutorActions?
  let decision: SchedulerDecision?
  let shares: [Double]
  let serverCpuUsed: Double
  let serverMemoryHeld: Double

  init(
    presetDecision: SchedulerDecision? = nil, executor: ExecutorActions? = nil,
    decision: SchedulerDecision? = nil, shares: [Double] = [], serverCpuUsed: Double = 0,
    serverMemoryHeld: Double = 0
  ) {
    self.presetDecision = presetDecision
    self.executor = executor
    self.decision = decision
    self.shares = shares
    self.serverCpuUsed = serverCpuUsed
    self.serverMemoryHeld = serverMemoryHeld
  }

  static func == (lhs: StepAuxiliary, rhs: StepAuxiliary) -> Bool {
    lhs === rhs
      || (lhs.presetDecision == rhs.presetDecision && lhs.executor == rhs.executor
        && lhs.decision == rhs.decision && lhs.shares == rhs.shares
        && lhs.serverCpuUsed == rhs.serverCpuUsed && lhs.serverMemoryHeld == rhs.serverMemoryHeld)
  }
}

/// What happened during one step, for metrics (spec G8): read from the completed work
/// before its auxiliary variables are cleared.
public struct StepObservation: Sendable {
  public var serverCpuUsed: Double
  public var serverMemoryHeld: Double
  public var aborts: Int
  public var serverAssignments: Int
  public var userAssignments: Int
}

/// The collaborative-inference instance as a generative Markov model (spec G4–G6): the
/// variables u → o → a → q → x → ŷ → c → y in topological order, one element per user
/// (per node for a, one element for u, ŷ and c). Docs: docs/collaborative-inference.md §2.
public struct InferenceModel: Sendable {
  public var parameters: InferenceParameters { dynamics.parameters }
  let dynamics: InstanceDynamics
  /// The factored form (variables, parents, element factors) behind `successors` and
  /// `sampleStep`.
  public let factored: FactoredModel<StepWork>

  /// The model under a heuristic scheduler.
  public init(parameters: InferenceParameters, policy: SchedulingPolicy) {
    self.init(parameters: parameters, rule: .policy(policy))
  }

  init(parameters: InferenceParameters, rule: DecisionRule) {
    let dynamics = InstanceDynamics(parameters: parameters, rule: rule)
    self.dynamics = dynamics
    do {
      factored = try FactoredModel(factors: dynamics.factors(), finish: Self.finish)
    } catch {
      preconditionFailure("the instance's variable graph is acyclic by construction: \(error)")
    }
  }

  /// The names of the variables in evaluation order.
  public var variableOrder: [String] { factored.order.map { factored.factors[$0].name } }

  private static func finish(_ work: inout StepWork) { work.auxiliary = nil }

  static func observation(_ work: StepWork) -> StepObservation {
    let n = Int32(work.state.users.count)
    let assignments = work.decision?.assignments ?? []
    let toServer = assignments.filter { $0.node == n }.count
    return StepObservation(
      serverCpuUsed: work.serverCpuUsed, serverMemoryHeld: work.serverMemoryHeld,
      aborts: work.executor?.aborted.count ?? 0, serverAssignments: toServer,
      userAssignments: assignments.count - toServer)
  }

  /// The exact successor distribution of s_t (spec G7.1); `observe` receives each
  /// completed step's observation with its probability.
  public func successors(
    of state: InferenceState, decision: SchedulerDecision? = nil,
    observe: ((StepObservation, Double) -> Void)? = nil
  ) -> [(state: InferenceState, probability: Double)] {
    let start = StepWork(state: state, presetDecision: decision)
    let rows = factored.transitionDistribution(
      from: start, observe: observe.map { callback in { callback(Self.observation($0), $1) } })
    return rows.map { ($0.state.state, $0.probability) }
  }

  /// One sampled step s_t → s_{t+1} (spec G1.4–G1.5), with what happened during it.
  public func sampleStep(_ state: InferenceState, streams: RandomStreams, time: UInt64) -> (
    InferenceState, StepObservation
  ) {
    var observation: StepObservation?
    let next = factored.sampleStep(
      from: StepWork(state: state), streams: streams, time: time
    ) { observation = Self.observation($0) }
    return (
      next.state,
      observation
        ?? StepObservation(
          serverCpuUsed: 0, serverMemoryHeld: 0, aborts: 0, serverAssignments: 0,
          userAssignments: 0)
    )
  }

  /// Every admissible scheduler decision of s_t (spec G6.7), in enumeration order.
  public func admissibleDecisions(of state: InferenceState) -> [SchedulerDecision] {
    let (executor, view) = dynamics.executorActions(state)
    return OutcomeSource.enumerate { source in
      dynamics.schedule(state, view: view, executor: executor, rule: .everyAction, source: &source)
    }.map(\.value)
  }

  /// The heuristic's law over decisions of s_t (a randomised policy over the MDP's rows).
  public func decisionLaw(of state: InferenceState, policy: SchedulingPolicy)
    -> [(value: SchedulerDecision, probability: Double)]
  {
    let (executor, view) = dynamics.executorActions(state)
    return OutcomeSource.enumerate { source in
      dynamics.schedule(
        state, view: view, executor: executor, rule: .policy(policy), source: &source)
    }
  }

}

/// The stage functions of the instance (spec G5), shared by every variable factor.
struct InstanceDynamics: Sendable {
  let parameters: InferenceParameters
  let rule: DecisionRule
  /// Per type and subtask: memory (GB), CPU (cores).
  let subtaskMemory: [[Double]]
  let subtaskCpu: [[Double]]
  /// Per item j: size (GB) and download duration.
  let itemSize: [Double]
  let itemDownload: [DurationModel]
  let itemOffsets: [Int]
  /// The type law p of new requests.
  let typeProbabilities: [Double]

  init(parameters: InferenceParameters, rule: DecisionRule) {
    self.parameters = parameters
    self.rule = rule
    subtaskMemory = parameters.types.map { $0.subtasks.map(\.memory) }
    subtaskCpu = parameters.types.map { $0.subtasks.map(\.cpu) }
    itemSize = parameters.types.flatMap { $0.subtasks.map(\.size) }
    itemDownload = parameters.types.flatMap { $0.subtasks.map(\.dataDownload) }
    itemOffsets = parameters.itemOffsets
    typeProbabilities = parameters.types.map(\.probability)
  }

  // MARK: - Factors (spec G5)

  func factors() -> [VariableFactor<StepWork>] {
    let n = parameters.userCount
    let model = self
    let all = ["o", "a", "q", "x", "y"].map { ParentLink($0, lag: .previous) }
    return [
      VariableFactor(name: "u", parents: all, elementCount: 1) { _, previous, next, source in
        model.decide(previous, &next, &source)
      },
      VariableFactor(name: "o", parents: [ParentLink("o", lag: .previous)], elementCount: n) {
        user, previous, next, source in
        model.availability(user, previous.state, &next.state, &source)
      },
      VariableFactor(
        name: "a", parents: [ParentLink("a", lag: .previous), ParentLink("o", lag: .current)],
        elementCount: n + 1
      ) { node, previous, next, source in
        model.allocationLevel(node, previous.state, &next.state, &source)
      },
      VariableFactor(
        name: "q",
        parents: [
          ParentLink("q", lag: .previous), ParentLink("o", lag: .current),
          ParentLink("y", lag: .previous),
        ], elementCount: n
      ) { user, previous, next, source in
        model.request(user, previous.state, &next.state, &source)
      },
      VariableFactor(
        name: "x",
        parents: [
          ParentLink("x", lag: .previous), ParentLink("o", lag: .current),
          ParentLink("a", lag: .current), ParentLink("u", lag: .current),
        ], elementCount: n
      ) { user, previous, next, source in
        model.data(user, previous.state, &next, &source)
      },
      VariableFactor(
        name: "ŷ",
        parents: [
          ParentLink("y", lag: .previous), ParentLink("q", lag: .current),
          ParentLink("o", lag: .current), ParentLink("u", lag: .current),
        ], elementCount: 1
      ) { _, previous, next, _ in
        model.placements(previous.state, &next)
      },
      VariableFactor(
        name: "c", parents: [ParentLink("ŷ", lag: .current), ParentLink("a", lag: .current)],
        elementCount: 1
      ) { _, _, next, _ in
        model.consumption(&next)
      },
      VariableFactor(
        name: "y",
        parents: [
          ParentLink("ŷ", lag: .current), ParentLink("c", lag: .current),
          ParentLink("a", lag: .current),
        ], elementCount: n
      ) { user, _, next, source in
        model.progress(user, &next, &source)
      },
    ]
  }

  /// Stage 0: executor then scheduler (or the preset MDP action) on s_t.
  private func decide(_ previous: StepWork, _ next: inout StepWork, _ source: inout OutcomeSource) {
    let (executor, view) = executorActions(previous.state)
    let decision =
      previous.presetDecision
      ?? schedule(previous.state, view: view, executor: executor, rule: rule, source: &source)
    next.auxiliary = StepAuxiliary(executor: executor, decision: decision)
  }

  /// Stage 1: switch availability w.p. h_on(d^o) or h_off(d^o), else age.
  private func availability(
    _ i: Int, _ previous: InferenceState, _ next: inout InferenceState,
    _ source: inout OutcomeSource
  ) {
    let user = previous.users[i]
    let model = user.online ? parameters.online : parameters.offline
    var now = next.users[i]
    if source.bernoulli(model.hazard(age: Int(user.availabilityAge))) {
      now.online = !user.online
      now.availabilityAge = 0
    } else {
      now.availabilityAge = Int32(model.nextAge(Int(user.availabilityAge)))
    }
    next.replaceUser(i, with: now)
  }

  /// Stage 2: users off / initial law on arrival / P_U; server P_S.
  private func allocationLevel(
    _ node: Int, _ previous: InferenceState, _ next: inout InferenceState,
    _ source: inout OutcomeSource
  ) {
    if node == parameters.userCount {
      let row = parameters.serverLevels.transition[Int(previous.serverLevel)]
      next.serverLevel = Int8(source.categorical(row))
      return
    }
    let was = previous.users[node]
    var now = next.users[node]
    if !now.online {
      now.level = UserState.offLevel
    } else if !was.online {
      now.level = Int8(source.categorical(parameters.userLevels.initial))
    } else {
      now.level = Int8(source.categorical(parameters.userLevels.transition[Int(was.level)]))
    }
    next.replaceUser(node, with: now)
  }

  /// Stage 3: drop > complete > abandon; idle users start w.p. h_think(d^q).
  private func request(
    _ i: Int, _ previous: InferenceState, _ next: inout InferenceState,
    _ source: inout OutcomeSource
  ) {
    let user = previous.users[i]
    var now = next.users[i]
    if !now.online {
      now.request = UserState.idle
      now.requestAge = 0
    } else if !user.isActive {
      if source.bernoulli(parameters.think.hazard(age: Int(user.requestAge))) {
        now.request = Int8(source.categorical(typeProbabilities))
        now.requestAge = 0
      } else {
        now.requestAge = Int32(parameters.think.nextAge(Int(user.requestAge)))
      }
    } else if previous.allSubtasksDone(of: i)
      || source.bernoulli(parameters.patience.hazard(age: Int(user.requestAge)))
    {
      now.request = UserState.idle
      now.requestAge = 0
    } else {
      now.requestAge = user.requestAge + 1
    }
    next.replaceUser(i, with: now)
  }

  /// Stage 4: offline users frozen (ready items evicted w.p. `evict`); online users apply
  /// data-abort, pause, resume, start, then the download progresses with pace bw · λ_ℓ'.
  private func data(
    _ v: Int, _ previous: InferenceState, _ next: inout StepWork, _ source: inout OutcomeSource
  ) {
    var user = next.state.users[v]
    if !user.online {
      var bits = user.ready
      while bits != 0 {
        let item = UInt64(bits.trailingZeroBitCount)
        bits &= bits - 1
        if source.bernoulli(parameters.evictionProbability) { user.ready &= ~(1 << item) }
      }
      next.state.replaceUser(v, with: user)
      return
    }
    if let executor = next.executor {
      let flags = executor.userFlags[v]
      if flags & ExecutorActions.dataAbort != 0 {
        user.downloadItem = UserState.noItem
        user.downloadPaused = false
        user.downloadAge = 0
      }
      if flags & ExecutorActions.pause != 0 { user.downloadPaused = true }
      if flags & ExecutorActions.resume != 0 { user.downloadPaused = false }
    }
    if let decision = next.decision, decision.downloadStart[v] != UserState.noItem {
      user.downloadItem = decision.downloadStart[v]
      user.downloadPaused = false
      user.downloadAge = 0
    }
    if user.downloadItem != UserState.noItem, !user.downloadPaused {
      let item = Int(user.downloadItem)
      let model = itemDownload[item]
      let pace = parameters.userBandwidth * parameters.userLevels.values[Int(user.level)]
      if source.bernoulli(model.hazard(age: Int(user.downloadAge), pace: pace)) {
        user.ready |= 1 << UInt64(item)
        user.downloadItem = UserState.noItem
        user.downloadAge = 0
      } else {
        user.downloadAge = Int32(model.nextAge(Int(user.downloadAge)))
      }
    }
    next.state.replaceUser(v, with: user)
  }

  /// Stage 5, ŷ: clear ended requests, open new ones, unplace subtasks of nodes that went
  /// offline and aborted ones, then apply assignments (to users only if online at t+1).
  private func placements(_ previous: InferenceState, _ next: inout StepWork) {
    let n = parameters.userCount
    for i in 0..<n {
      let was = previous.users[i]
      let now = next.state.users[i]
      if !now.isActive {
        if was.subtaskCount != 0 { next.state.resetSubtasks(of: i, count: 0) }
      } else if !was.isActive {
        next.state.resetSubtasks(
          of: i, count: parameters.types[Int(now.request)].subtasks.count)
      } else {
        for (p, slot) in previous.subtasks(of: i).enumerated()
        where slot.isPlaced && Int(slot.node) < n && !next.state.users[Int(slot.node)].online {
          next.state.setSubtask(p, of: i, to: .unplaced)
        }
      }
    }
    for victim in next.executor?.aborted ?? [] {
      let i = Int(victim.user)
      if next.state.users[i].isActive, previous.users[i].isActive {
        next.state.setSubtask(Int(victim.subtask), of: i, to: .unplaced)
      }
    }
    for assignment in next.decision?.assignments ?? [] {
      let i = Int(assignment.user)
      guard next.state.users[i].isActive, previous.users[i].isActive else { continue }
      let node = Int(assignment.node)
      if node == n {
        next.state.setSubtask(
          Int(assignment.subtask), of: i, to: SubtaskSlot(node: Int32(n), phase: .execution, age: 0)
        )
      } else if next.state.users[node].online {
        next.state.setSubtask(
          Int(assignment.subtask), of: i,
          to: SubtaskSlot(node: Int32(node), phase: parameters.userPipeline[0], age: 0))
      }
    }
  }

  /// c: CPU shares min(1, C_v / Σ cpu of execution-phase subtasks on v) and the server's
  /// consumption during the step (spec G5 stage 5–6, G5.7).
  private func consumption(_ next: inout StepWork) {
    let n = parameters.userCount
    var load = [Double](repeating: 0, count: n + 1)
    var serverMemory = 0.0
    for (i, user) in next.state.users.enumerated() where user.isActive {
      let type = Int(user.request)
      for (p, slot) in next.state.subtasks(of: i).enumerated() where slot.isPlaced {
        if slot.phase == .execution { load[Int(slot.node)] += subtaskCpu[type][p] }
        if Int(slot.node) == n { serverMemory += subtaskMemory[type][p] }
      }
    }
    var shares = [Double](repeating: 1, count: n + 1)
    for v in 0...n where load[v] > 0 {
      shares[v] = min(1, capacity(of: v, next.state) / load[v])
    }
    next.auxiliary = StepAuxiliary(
      executor: next.executor, decision: next.decision, shares: shares,
      serverCpuUsed: min(capacity(of: n, next.state), load[n]), serverMemoryHeld: serverMemory)
  }

  /// C_v(t+1) = nominal CPU × λ_ℓ'(v).
  private func capacity(of node: Int, _ state: InferenceState) -> Double {
    if node == parameters.userCount {
      return parameters.serverCpu * parameters.serverLevels.values[Int(state.serverLevel)]
    }
    let level = state.users[node].level
    return level == UserState.offLevel
      ? 0 : parameters.userCpu * parameters.userLevels.values[Int(level)]
  }

  /// Stage 5, y: every placed subtask advances with hazard h_phase(age; φ); on completion
  /// it enters the next pipeline phase (age 0) or is done.
  private func progress(_ i: Int, _ next: inout StepWork, _ source: inout OutcomeSource) {
    let n = parameters.userCount
    guard next.state.users[i].isActive else { return }
    let type = Int(next.state.users[i].request)
    for (p, slot) in next.state.subtasks(of: i).enumerated() where slot.isPlaced {
      let node = Int(slot.node)
      let duration: DurationModel
      let pace: Double
      switch slot.phase {
      case .execution:
        duration = parameters.types[type].subtasks[p].execution
        pace = next.shares[node] * (node == n ? parameters.serverSpeed : 1)
      case .download, .upload:
        duration = slot.phase == .download ? parameters.inputDownload : parameters.resultUpload
        let level = next.state.users[node].level
        pace = parameters.userBandwidth * parameters.userLevels.values[Int(max(level, 0))]
      }
      var moved = slot
      if source.bernoulli(duration.hazard(age: Int(slot.age), pace: pace)) {
        // The server's pipeline is execution only; a user's is `userPipeline`.
        let position = node == n ? nil : parameters.userPipeline.firstIndex(of: slot.phase)
        if let position, position + 1 < parameters.userPipeline.count {
          moved = SubtaskSlot(node: slot.node, phase: parameters.userPipeline[position + 1], age: 0)
        } else {
          moved = .done
        }
      } else {
        moved.age = Int32(duration.nextAge(Int(slot.age)))
      }
      next.state.setSubtask(p, of: i, to: moved)
    }
  }
}
