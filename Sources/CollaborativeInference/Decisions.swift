import GenerativeMarkov

/// The scheduler π of spec G6.2–G6.5.
public enum SchedulingPolicy: String, Sendable, CaseIterable {
  /// Every subtask on the server when its memory fits, no user downloads ([BA][C]).
  case centralized
  /// The paper's "distributed" scheduler: one download at a time per user, each subtask to
  /// a uniformly random feasible node, server included ([BA][C]).
  case uniform
  /// The server while its CPU demand stays within θ · C_S, else a random feasible user
  /// (spec G6.5, beyond the paper).
  case adaptive
}

/// One subtask assignment (i, p) → node.
public struct Assignment: Sendable, Hashable {
  public var user: Int32
  public var subtask: Int8
  /// A user index, or N for the server.
  public var node: Int32
}

/// The scheduler's part of the action u_t (spec G4.1, G6.7): the action of the Def. 3.1 MDP.
public struct SchedulerDecision: Sendable, Hashable {
  /// Item whose download each user starts (`UserState.noItem` for none).
  public var downloadStart: [Int8]
  /// Assignments in decision order.
  public var assignments: [Assignment]
}

/// The executor's part of u_t (spec G6.1): deterministic given s_t.
struct ExecutorActions: Sendable, Hashable {
  static let dataAbort: UInt8 = 1
  static let pause: UInt8 = 2
  static let resume: UInt8 = 4
  /// Per user, a set of the flags above.
  var userFlags: [UInt8]
  /// Aborted subtasks (requesting user, subtask), in abort order.
  var aborted: [SubtaskReference]
}

struct SubtaskReference: Sendable, Hashable {
  var user: Int32
  var subtask: Int8
}

/// The scheduler's view of the nodes after the executor acted (spec G6.2).
struct NodeView {
  /// Allocation minus memory held, per node (users, then the server at index N).
  var freeMemory: [Double]
  /// Storage minus stored and reserved item sizes, per user.
  var freeStorage: [Double]
  /// CPU of the server-placed non-done, non-aborted subtasks (the adaptive rule).
  var serverDemand: Double
  /// Subtasks unplaced in the view: unplaced at t or just aborted, per user as a bitmask.
  var unplacedMask: [UInt32]
}

/// How the scheduler resolves a choice: one of the heuristics, or every admissible option
/// as a branch (the MDP action set of spec G6.7).
enum DecisionRule: Sendable {
  case policy(SchedulingPolicy)
  case everyAction
}

extension InstanceDynamics {
  /// Executor ς on s_t (spec G6.1): storage rule, memory rule (pause the download, then
  /// abort placed subtasks by ascending (phase rank, −mem, age, user, subtask)), resume
  /// rule. Runs on online users and the server.
  /// - Complexity: O(N + placed subtasks · log).
  func executorActions(_ state: InferenceState) -> (ExecutorActions, NodeView) {
    let n = parameters.userCount
    var held = [Double](repeating: 0, count: n + 1)
    var placed = [[SubtaskReference]](repeating: [], count: n + 1)
    var unplacedMask = [UInt32](repeating: 0, count: n)
    var serverDemand = 0.0
    for (i, user) in state.users.enumerated() where user.isActive {
      let type = Int(user.request)
      for (p, slot) in state.subtasks(of: i).enumerated() {
        if slot.node == SubtaskSlot.unplacedNode { unplacedMask[i] |= 1 << UInt32(p) }
        guard slot.isPlaced else { continue }
        let node = Int(slot.node)
        held[node] += subtaskMemory[type][p]
        placed[node].append(SubtaskReference(user: Int32(i), subtask: Int8(p)))
        if node == n { serverDemand += subtaskCpu[type][p] }
      }
    }
    var flags = [UInt8](repeating: 0, count: n)
    var aborted: [SubtaskReference] = []
    var freeStorage = [Double](repeating: 0, count: n)
    var freeMemory = [Double](repeating: 0, count: n + 1)
    func abortVictims(node: Int, allocation: Double) {
      let order = placed[node].sorted { victimKey($0, state) < victimKey($1, state) }
      var position = 0
      while held[node] > allocation + resourceTolerance, position < order.count {
        let victim = order[position]
        position += 1
        let type = Int(state.users[Int(victim.user)].request)
        held[node] -= subtaskMemory[type][Int(victim.subtask)]
        aborted.append(victim)
        unplacedMask[Int(victim.user)] |= 1 << UInt32(victim.subtask)
        if node == n { serverDemand -= subtaskCpu[type][Int(victim.subtask)] }
      }
      placed[node].removeFirst(position)
    }
    for (v, user) in state.users.enumerated() {
      guard user.online else {
        // An offline user's allocation is 0 (spec G4.1), so a download still in the
        // download state (memory mx) is paused; frozen unless the user is back at t+1.
        let downloading = user.downloadItem != UserState.noItem && !user.downloadPaused
        if downloading, parameters.downloadMemory > resourceTolerance {
          flags[v] |= ExecutorActions.pause
        }
        continue
      }
      let allocation = parameters.userMemory * parameters.userLevels.values[Int(user.level)]
      let hasItem = user.downloadItem != UserState.noItem
      var downloading = hasItem && !user.downloadPaused
      if downloading { held[v] += parameters.downloadMemory }
      var storageUsed = storedSize(user.ready)
      if hasItem { storageUsed += itemSize[Int(user.downloadItem)] }
      var itemKept = hasItem
      if hasItem, storageUsed > parameters.userStorage + resourceTolerance {
        flags[v] |= ExecutorActions.dataAbort
        storageUsed -= itemSize[Int(user.downloadItem)]
        if downloading { held[v] -= parameters.downloadMemory }
        downloading = false
        itemKept = false
      }
      if held[v] > allocation + resourceTolerance {
        if downloading {
          flags[v] |= ExecutorActions.pause
          held[v] -= parameters.downloadMemory
        }
        abortVictims(node: v, allocation: allocation)
      }
      if itemKept, user.downloadPaused, placed[v].isEmpty,
        held[v] + parameters.downloadMemory <= allocation + resourceTolerance
      {
        flags[v] |= ExecutorActions.resume
        held[v] += parameters.downloadMemory
      }
      freeMemory[v] = allocation - held[v]
      freeStorage[v] = parameters.userStorage - storageUsed
    }
    let serverAllocation =
      parameters.serverMemory * parameters.serverLevels.values[Int(state.serverLevel)]
    abortVictims(node: n, allocation: serverAllocation)
    freeMemory[n] = serverAllocation - held[n]
    return (
      ExecutorActions(userFlags: flags, aborted: aborted),
      NodeView(
        freeMemory: freeMemory, freeStorage: freeStorage, serverDemand: serverDemand,
        unplacedMask: unplacedMask)
    )
  }

  /// Victim order of the memory rule: (phase rank, −mem, age, requesting user, subtask).
  private func victimKey(_ reference: SubtaskReference, _ state: InferenceState) -> (
    Int8, Double, Int32, Int32, Int8
  ) {
    let user = state.users[Int(reference.user)]
    let slot = state.subtask(Int(reference.subtask), of: Int(reference.user))
    let memory = subtaskMemory[Int(user.request)][Int(reference.subtask)]
    return (slot.phase.rawValue, -memory, slot.age, reference.user, reference.subtask)
  }

  /// Σ sizes of the items in a ready bitmask.
  func storedSize(_ ready: UInt64) -> Double {
    var bits = ready
    var total = 0.0
    while bits != 0 {
      total += itemSize[bits.trailingZeroBitCount]
      bits &= bits - 1
    }
    return total
  }

  /// The scheduler on the executor's view (spec G6.2–G6.5, G6.7): download points for
  /// online users ascending, then unplaced subtasks of active requests in FIFO order
  /// (request age descending, user ascending), subtasks ascending; every choice at once
  /// reduces the chosen node's free memory and storage.
  func schedule(
    _ state: InferenceState, view: NodeView, executor: ExecutorActions, rule: DecisionRule,
    source: inout OutcomeSource
  ) -> SchedulerDecision {
    let n = parameters.userCount
    var view = view
    var downloadStart = [Int8](repeating: UserState.noItem, count: n)
    let downloads: Bool
    if case .policy(.centralized) = rule { downloads = false } else { downloads = true }
    let downloadEstimate = parameters.downloadMemory * (1 + parameters.memoryMargin)
    if downloads {
      for (v, user) in state.users.enumerated() where user.online {
        let busy =
          user.downloadItem != UserState.noItem
          && executor.userFlags[v] & ExecutorActions.dataAbort == 0
        guard !busy, downloadEstimate <= view.freeMemory[v] + resourceTolerance else { continue }
        var candidates: [Int] = []
        for item in 0..<itemSize.count
        where user.ready & (1 << UInt64(item)) == 0
          && itemSize[item] <= view.freeStorage[v] + resourceTolerance
        {
          candidates.append(item)
        }
        guard !candidates.isEmpty else { continue }
        let choice: Int
        if case .everyAction = rule {
          let option = source.uniformIndex(candidates.count + 1)
          guard option > 0 else { continue }
          choice = candidates[option - 1]
        } else {
          choice = candidates[source.uniformIndex(candidates.count)]
        }
        downloadStart[v] = Int8(choice)
        view.freeMemory[v] -= downloadEstimate
        view.freeStorage[v] -= itemSize[choice]
      }
    }
    var assignments: [Assignment] = []
    let requesters = state.users.indices.filter { view.unplacedMask[$0] != 0 }.sorted {
      (state.users[$0].requestAge, -$0) > (state.users[$1].requestAge, -$1)
    }
    let serverCapacity =
      parameters.serverCpu * parameters.serverLevels.values[Int(state.serverLevel)]
    var feasibleUsers: [Int] = []
    for i in requesters {
      let type = Int(state.users[i].request)
      var mask = view.unplacedMask[i]
      while mask != 0 {
        let p = mask.trailingZeroBitCount
        mask &= mask - 1
        let estimate = subtaskMemory[type][p] * (1 + parameters.memoryMargin)
        let serverFits = estimate <= view.freeMemory[n] + resourceTolerance
        let item = UInt64(itemOffsets[type] + p)
        feasibleUsers.removeAll(keepingCapacity: true)
        if case .policy(.centralized) = rule {
        } else {
          for (v, user) in state.users.enumerated()
          where v != i && user.online && user.ready & (1 << item) != 0
            && estimate <= view.freeMemory[v] + resourceTolerance
          {
            feasibleUsers.append(v)
          }
        }
        let node: Int?
        switch rule {
        case .policy(.centralized):
          node = serverFits ? n : nil
        case .policy(.uniform):
          let count = feasibleUsers.count + (serverFits ? 1 : 0)
          if count == 0 {
            node = nil
          } else {
            let option = source.uniformIndex(count)
            node =
              serverFits ? (option == 0 ? n : feasibleUsers[option - 1]) : feasibleUsers[option]
          }
        case .policy(.adaptive):
          let cpu = subtaskCpu[type][p]
          if serverFits,
            view.serverDemand + cpu
              <= parameters.adaptiveThreshold * serverCapacity + resourceTolerance
          {
            node = n
          } else if !feasibleUsers.isEmpty {
            node = feasibleUsers[source.uniformIndex(feasibleUsers.count)]
          } else {
            node = serverFits ? n : nil
          }
        case .everyAction:
          let count = feasibleUsers.count + (serverFits ? 1 : 0)
          let option = source.uniformIndex(count + 1)
          if option == 0 {
            node = nil
          } else {
            node =
              serverFits ? (option == 1 ? n : feasibleUsers[option - 2]) : feasibleUsers[option - 1]
          }
        }
        guard let node else { continue }
        view.freeMemory[node] -= estimate
        if node == n { view.serverDemand += subtaskCpu[type][p] }
        assignments.append(Assignment(user: Int32(i), subtask: Int8(p), node: Int32(node)))
      }
    }
    return SchedulerDecision(downloadStart: downloadStart, assignments: assignments)
  }
}
