import Foundation
import GenerativeMarkov
import MarkovSolvers

/// The event-calendar simulator of spec G1.6 (docs/collaborative-inference.md §5): the
/// processes whose hazard depends only on their own age — availability, think time,
/// patience and allocation levels — are sampled as whole sojourns by inverse transform when
/// they start and kept on a calendar; downloads and placed subtasks (the active work) are
/// advanced step by step with the same hazards as the factored model. A step therefore
/// costs O(events + active work + scheduler work) instead of O(users), and the stage order
/// of G5 is kept: decisions on s_t, then availability, levels, requests, data, placements
/// and progress.
///
/// Distributionally identical to `InferenceSimulation` (the per-step sampler); the random
/// numbers differ. Availability and level sojourns come from per-user counter-based
/// streams (common random numbers across policies), everything else from one sequential
/// stream. Parametric durations are sampled uncapped.
public enum EventCalendarSimulation {
  /// Simulates `policy` from the initial state of G4.3 for `settings.steps` steps.
  /// - Complexity: O(steps × (events + placed subtasks + downloads + waiting requests))
  ///   plus a heap operation per event; memory O(users · items).
  public static func run(
    _ parameters: InferenceParameters, policy: SchedulingPolicy,
    settings: InferenceSimulationSettings, progress: ((Int) -> Void)? = nil
  ) -> SimulatedPerformance {
    var simulator = CalendarSimulator(parameters, policy: policy, settings: settings)
    for time in 0..<settings.steps {
      simulator.step(time)
      if let progress, time % 10_000 == 9_999 { progress(time + 1) }
    }
    return simulator.recorder.result(policy: policy, censored: simulator.activeCount)
  }
}

/// A min-heap of packed event keys (time << 23 | kind << 20 | node).
private struct EventHeap {
  private var keys: [UInt64] = []

  static func key(time: Int, kind: EventKind, node: Int) -> UInt64 {
    UInt64(time) << 23 | UInt64(kind.rawValue) << 20 | UInt64(node)
  }

  mutating func push(_ key: UInt64) {
    keys.append(key)
    var child = keys.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard keys[parent] > keys[child] else { break }
      keys.swapAt(parent, child)
      child = parent
    }
  }

  /// Pops the smallest key if its time is `time`.
  mutating func pop(at time: Int) -> (kind: EventKind, node: Int)? {
    guard let first = keys.first, Int(first >> 23) == time else { return nil }
    let last = keys.removeLast()
    if !keys.isEmpty {
      keys[0] = last
      var parent = 0
      while true {
        let left = 2 * parent + 1
        guard left < keys.count else { break }
        var child = left
        if left + 1 < keys.count, keys[left + 1] < keys[left] { child = left + 1 }
        guard keys[child] < keys[parent] else { break }
        keys.swapAt(parent, child)
        parent = child
      }
    }
    return (EventKind(rawValue: Int((first >> 20) & 7)) ?? .availability, Int(first & 0xF_FFFF))
  }
}

/// Calendar events, in the stage order of G5 within a step.
private enum EventKind: Int {
  case availability = 0
  case level = 1
  case think = 2
  case patience = 3
}

/// The mutable state of one event-calendar run.
private struct CalendarSimulator {
  let parameters: InferenceParameters
  let dynamics: InstanceDynamics
  let policy: SchedulingPolicy
  let settings: InferenceSimulationSettings
  let streams: RandomStreams
  let n: Int
  let itemCount: Int
  var random: SplitMix64
  var recorder: PerformanceRecorder
  var calendar = EventHeap()

  // Users.
  var online: [Bool]
  var level: [Int]
  var request: [Int]
  var requestStart: [Int]
  var slots: [[SubtaskSlot]]
  var runningPosition: [[Int32]]
  var undone: [Int]
  var unplaced: [UInt32]
  var downloadItem: [Int]
  var downloadPaused: [Bool]
  var downloadAge: [Int]
  var ready: [UInt64]
  var storageUsed: [Double]
  var offlineSince: [Int]
  /// Scheduled time of each user's pending clock of each kind (-1: none); a popped event
  /// whose time differs is stale.
  var clockTime: [[Int]]
  var sojournCounter: [UInt64]
  var levelCounter: [UInt64]

  // Nodes (users, then the server at index n).
  var held: [Double]
  var load: [Double]
  var hosted: [[SubtaskReference]]
  var serverLevel = 0
  var serverClock = -1

  // Work lists.
  var running: [SubtaskReference] = []
  var downloading: Set<Int> = []
  var downloadCandidates: Set<Int> = []
  var holders: [[Int32]]
  var holderPosition: [Int32]
  /// Requests with unplaced subtasks, (start, user) ascending; entries whose start differs
  /// from the user's current request are stale and skipped.
  var waiting: [(user: Int, start: Int)] = []
  var inWaiting: [Bool]
  var completing: [Int] = []
  var executorCheck: Set<Int> = []
  var activeCount = 0

  init(
    _ parameters: InferenceParameters, policy: SchedulingPolicy,
    settings: InferenceSimulationSettings
  ) {
    self.parameters = parameters
    self.dynamics = InstanceDynamics(parameters: parameters, rule: .policy(policy))
    self.policy = policy
    self.settings = settings
    self.streams = RandomStreams(seed: settings.seed)
    n = parameters.userCount
    itemCount = parameters.itemCount
    random = streams.generator(kind: 0, element: 0, counter: 0)
    recorder = PerformanceRecorder(settings: settings, typeCount: parameters.types.count)
    online = Array(repeating: false, count: n)
    level = Array(repeating: -1, count: n)
    request = Array(repeating: -1, count: n)
    requestStart = Array(repeating: 0, count: n)
    slots = Array(repeating: [], count: n)
    runningPosition = Array(repeating: [], count: n)
    undone = Array(repeating: 0, count: n)
    unplaced = Array(repeating: 0, count: n)
    downloadItem = Array(repeating: -1, count: n)
    downloadPaused = Array(repeating: false, count: n)
    downloadAge = Array(repeating: 0, count: n)
    ready = Array(repeating: 0, count: n)
    storageUsed = Array(repeating: 0, count: n)
    offlineSince = Array(repeating: 0, count: n)
    clockTime = Array(repeating: Array(repeating: -1, count: n), count: 4)
    sojournCounter = Array(repeating: 0, count: n)
    levelCounter = Array(repeating: 0, count: n)
    held = Array(repeating: 0, count: n + 1)
    load = Array(repeating: 0, count: n + 1)
    hosted = Array(repeating: [], count: n + 1)
    holders = Array(repeating: [], count: parameters.itemCount)
    holderPosition = Array(repeating: -1, count: n * parameters.itemCount)
    inWaiting = Array(repeating: false, count: n)
    start()
  }

  // MARK: Clocks

  private mutating func schedule(_ kind: EventKind, node: Int, at time: Int) {
    guard time <= settings.steps else {
      if node < n { clockTime[kind.rawValue][node] = -1 } else { serverClock = -1 }
      return
    }
    if node < n { clockTime[kind.rawValue][node] = time } else { serverClock = time }
    calendar.push(EventHeap.key(time: time, kind: kind, node: node))
  }

  private mutating func uniform() -> Double {
    var u = random.nextUnitInterval()
    while u == 0 { u = random.nextUnitInterval() }
    return u
  }

  private mutating func availabilityUniform(_ user: Int) -> Double {
    sojournCounter[user] += 1
    var generator = streams.generator(
      kind: 1, element: UInt64(user), counter: sojournCounter[user])
    var u = generator.nextUnitInterval()
    while u == 0 { u = generator.nextUnitInterval() }
    return u
  }

  /// Steps until the level chain leaves `current` (geometric), and the new level.
  private mutating func levelChange(_ chain: LevelChain, from current: Int, node: Int) -> (
    Int, Int
  ) {
    let stay = chain.transition[current][current]
    if stay >= 1 { return (Int.max / 4, current) }
    let element = UInt64(node)
    let counter: UInt64
    if node < n {
      levelCounter[node] += 1
      counter = levelCounter[node]
    } else {
      serverLevelCounter += 1
      counter = serverLevelCounter
    }
    var generator = streams.generator(kind: 2, element: element, counter: counter)
    var u = generator.nextUnitInterval()
    while u == 0 { u = generator.nextUnitInterval() }
    let steps = stay <= 0 ? 1 : max(1, Int((log(u) / log(stay)).rounded(.up)))
    var row = chain.transition[current]
    row[current] = 0
    let total = row.reduce(0, +)
    let next = categorical(row, generator.nextUnitInterval() * total)
    return (steps, next)
  }

  var serverLevelCounter: UInt64 = 0
  var pendingLevel: [Int: Int] = [:]

  private func categorical(_ probabilities: [Double], _ u: Double) -> Int {
    OutcomeSource.categoricalIndex(probabilities, uniform: u)
  }

  /// The initial state of G4.3 and the first clocks.
  private mutating func start() {
    let law = AvailabilityLaw(
      online: parameters.online.tabulated(cap: InferenceParameters.simulationAgeCap),
      offline: parameters.offline.tabulated(cap: InferenceParameters.simulationAgeCap))
    for user in 0..<n {
      var generator = streams.generator(kind: 1000, element: UInt64(user), counter: 0)
      let (isOnline, age) = law.draw(generator.nextUnitInterval())
      online[user] = isOnline
      let model = isOnline ? parameters.online : parameters.offline
      var u = generator.nextUnitInterval()
      while u == 0 { u = generator.nextUnitInterval() }
      schedule(.availability, node: user, at: model.residualSojourn(age: age, uniform: u))
      if isOnline {
        level[user] = categorical(parameters.userLevels.initial, generator.nextUnitInterval())
        startLevelClock(user, at: 0)
        schedule(.think, node: user, at: parameters.think.sojourn(uniform: uniform()))
        downloadCandidates.insert(user)
      }
    }
    var generator = streams.generator(kind: 1001, element: 0, counter: 0)
    serverLevel = categorical(parameters.serverLevels.initial, generator.nextUnitInterval())
    startLevelClock(n, at: 0)
  }

  private mutating func startLevelClock(_ node: Int, at time: Int) {
    let chain = node == n ? parameters.serverLevels : parameters.userLevels
    let current = node == n ? serverLevel : level[node]
    let (steps, next) = levelChange(chain, from: current, node: node)
    pendingLevel[node] = next
    schedule(.level, node: node, at: time + steps)
  }

  // MARK: Resources

  private func allocation(_ node: Int) -> Double {
    node == n
      ? parameters.serverMemory * parameters.serverLevels.values[serverLevel]
      : parameters.userMemory * parameters.userLevels.values[level[node]]
  }

  private func cpuCapacity(_ node: Int) -> Double {
    node == n
      ? parameters.serverCpu * parameters.serverLevels.values[serverLevel]
      : parameters.userCpu * parameters.userLevels.values[level[node]]
  }

  private mutating func addHolder(_ user: Int, _ item: Int) {
    let slot = user * itemCount + item
    guard holderPosition[slot] < 0 else { return }
    holderPosition[slot] = Int32(holders[item].count)
    holders[item].append(Int32(user))
  }

  private mutating func removeHolder(_ user: Int, _ item: Int) {
    let slot = user * itemCount + item
    let position = Int(holderPosition[slot])
    guard position >= 0 else { return }
    let last = Int(holders[item].removeLast())
    if last != user {
      holders[item][position] = Int32(last)
      holderPosition[last * itemCount + item] = Int32(position)
    }
    holderPosition[slot] = -1
  }

  private mutating func place(_ reference: SubtaskReference, node: Int, phase: SubtaskPhase) {
    let user = Int(reference.user)
    let p = Int(reference.subtask)
    let type = request[user]
    slots[user][p] = SubtaskSlot(node: Int32(node), phase: phase, age: 0)
    unplaced[user] &= ~(1 << UInt32(p))
    held[node] += dynamics.subtaskMemory[type][p]
    if phase == .execution { load[node] += dynamics.subtaskCpu[type][p] }
    hosted[node].append(reference)
    runningPosition[user][p] = Int32(running.count)
    running.append(reference)
  }

  /// Removes a placed subtask from its node (memory, load, lists); the slot is left to
  /// the caller.
  private mutating func release(_ reference: SubtaskReference) {
    let user = Int(reference.user)
    let p = Int(reference.subtask)
    let slot = slots[user][p]
    let node = Int(slot.node)
    let type = request[user]
    held[node] -= dynamics.subtaskMemory[type][p]
    if slot.phase == .execution { load[node] -= dynamics.subtaskCpu[type][p] }
    if let index = hosted[node].firstIndex(of: reference) { hosted[node].remove(at: index) }
    let position = Int(runningPosition[user][p])
    let last = running.removeLast()
    if last != reference {
      running[position] = last
      runningPosition[Int(last.user)][Int(last.subtask)] = Int32(position)
    }
    runningPosition[user][p] = -1
  }

  /// Unplaces a placed subtask (node left or executor abort) and queues its request.
  private mutating func unplace(_ reference: SubtaskReference) {
    release(reference)
    let user = Int(reference.user)
    slots[user][Int(reference.subtask)] = .unplaced
    unplaced[user] |= 1 << UInt32(reference.subtask)
    enqueue(user)
  }

  /// Inserts a request into the FIFO list (start ascending, user ascending).
  private mutating func enqueue(_ user: Int) {
    guard !inWaiting[user] else { return }
    inWaiting[user] = true
    let key = (requestStart[user], user)
    var low = 0
    var high = waiting.count
    while low < high {
      let middle = (low + high) / 2
      if (waiting[middle].start, waiting[middle].user) < key {
        low = middle + 1
      } else {
        high = middle
      }
    }
    waiting.insert((user, requestStart[user]), at: low)
  }

  private mutating func endRequest(_ user: Int) {
    for p in slots[user].indices where slots[user][p].isPlaced {
      release(SubtaskReference(user: Int32(user), subtask: Int8(p)))
    }
    slots[user] = []
    runningPosition[user] = []
    unplaced[user] = 0
    request[user] = -1
    inWaiting[user] = false
    clockTime[EventKind.patience.rawValue][user] = -1
    activeCount -= 1
  }

  // MARK: One step t → t+1 (spec G5)

  mutating func step(_ t: Int) {
    let recording = recorder.isRecording(t)
    let activeAtStart = activeCount
    // Stage 0: executor, applied at once (nothing before stage 4 reads its effects; the
    // pauses and resumes of users who leave at t+1 are undone there, their actions void).
    var aborts = 0
    var paused: [Int] = []
    var resumed: [Int] = []
    var stillPaused: Set<Int> = []
    for node in executorCheck.sorted() + [n] {
      if node < n, !online[node] { continue }
      let memory = allocation(node)
      // The resume rule applies to downloads already paused at t (spec G6.1).
      let pausedAtStart = node < n && downloadItem[node] >= 0 && downloadPaused[node]
      if node < n, held[node] > memory + resourceTolerance, downloadItem[node] >= 0,
        !downloadPaused[node]
      {
        downloadPaused[node] = true
        downloading.remove(node)
        held[node] -= parameters.downloadMemory
        paused.append(node)
      }
      if held[node] > memory + resourceTolerance {
        let victims = hosted[node].sorted { victimKey($0) < victimKey($1) }
        for victim in victims where held[node] > memory + resourceTolerance {
          unplace(victim)
          aborts += 1
        }
      }
      if pausedAtStart, hosted[node].isEmpty,
        held[node] + parameters.downloadMemory <= memory + resourceTolerance
      {
        downloadPaused[node] = false
        downloading.insert(node)
        held[node] += parameters.downloadMemory
        resumed.append(node)
      }
      if node < n, downloadPaused[node] { stillPaused.insert(node) }
    }
    executorCheck = stillPaused
    // Stage 0: scheduler on the post-executor state.
    var reserve: [Int: Double] = [:]
    var downloadStarts: [(user: Int, item: Int)] = []
    let downloadEstimate = parameters.downloadMemory * (1 + parameters.memoryMargin)
    if policy != .centralized {
      for user in downloadCandidates.sorted() {
        guard online[user], downloadItem[user] < 0 else {
          downloadCandidates.remove(user)
          continue
        }
        guard downloadEstimate <= allocation(user) - held[user] + resourceTolerance else {
          continue
        }
        var candidates: [Int] = []
        let free = parameters.userStorage - storageUsed[user]
        for item in 0..<itemCount
        where ready[user] & (1 << UInt64(item)) == 0
          && dynamics.itemSize[item] <= free + resourceTolerance
        {
          candidates.append(item)
        }
        downloadCandidates.remove(user)
        guard !candidates.isEmpty else { continue }
        let item = candidates[min(Int(uniform() * Double(candidates.count)), candidates.count - 1)]
        downloadStarts.append((user, item))
        reserve[user, default: 0] += downloadEstimate
      }
    }
    var assignments: [Assignment] = []
    var serverDemand = 0.0
    for reference in hosted[n] {
      serverDemand += dynamics.subtaskCpu[request[Int(reference.user)]][Int(reference.subtask)]
    }
    let minimumEstimate =
      (dynamics.subtaskMemory.flatMap { $0 }.min() ?? 0) * (1 + parameters.memoryMargin)
    var keep: [(user: Int, start: Int)] = []
    for entry in waiting {
      let user = entry.user
      // Entries of ended requests are stale; a request without unplaced subtasks leaves.
      guard request[user] >= 0, requestStart[user] == entry.start else { continue }
      guard unplaced[user] != 0 else {
        inWaiting[user] = false
        continue
      }
      keep.append(entry)
      if policy == .centralized,
        allocation(n) - held[n] - reserve[n, default: 0] + resourceTolerance < minimumEstimate
      {
        continue
      }
      let type = request[user]
      var mask = unplaced[user]
      while mask != 0 {
        let p = mask.trailingZeroBitCount
        mask &= mask - 1
        let estimate = dynamics.subtaskMemory[type][p] * (1 + parameters.memoryMargin)
        let serverFits =
          estimate <= allocation(n) - held[n] - reserve[n, default: 0] + resourceTolerance
        let item = dynamics.itemOffsets[type] + p
        var node: Int?
        switch policy {
        case .centralized:
          node = serverFits ? n : nil
        case .uniform:
          node = pickNode(
            item: item, estimate: estimate, requester: user, serverFits: serverFits,
            reserve: reserve)
        case .adaptive:
          let cpu = dynamics.subtaskCpu[type][p]
          if serverFits,
            serverDemand + cpu
              <= parameters.adaptiveThreshold * cpuCapacity(n) + resourceTolerance
          {
            node = n
          } else {
            node =
              pickNode(
                item: item, estimate: estimate, requester: user, serverFits: false,
                reserve: reserve) ?? (serverFits ? n : nil)
          }
        }
        guard let node else { continue }
        reserve[node, default: 0] += estimate
        if node == n { serverDemand += dynamics.subtaskCpu[type][p] }
        assignments.append(Assignment(user: Int32(user), subtask: Int8(p), node: Int32(node)))
      }
    }
    waiting = keep
    // Stages 1-3: calendar events of t+1 in kind order (availability, level, think,
    // patience), each kind in node order.
    var wentOffline: [Int] = []
    var cameOnline: [Int] = []
    var levelEvents: [Int] = []
    var thinkEvents: [Int] = []
    var patienceEvents: [Int] = []
    while let event = calendar.pop(at: t + 1) {
      let node = event.node
      let current = node < n ? clockTime[event.kind.rawValue][node] : serverClock
      guard current == t + 1 else { continue }
      // Consume the clock: a stale event with the same time is then rejected.
      if node < n { clockTime[event.kind.rawValue][node] = -1 } else { serverClock = -1 }
      switch event.kind {
      case .availability:
        online[node].toggle()
        if online[node] { cameOnline.append(node) } else { wentOffline.append(node) }
        let model = online[node] ? parameters.online : parameters.offline
        schedule(
          .availability, node: node,
          at: t + 1 + model.sojourn(uniform: availabilityUniform(node)))
      case .level: levelEvents.append(node)
      case .think: thinkEvents.append(node)
      case .patience: patienceEvents.append(node)
      }
    }
    // Stage 2: levels.
    for user in wentOffline {
      level[user] = -1
      clockTime[EventKind.level.rawValue][user] = -1
      clockTime[EventKind.think.rawValue][user] = -1
    }
    for node in levelEvents {
      if node < n, !online[node] { continue }
      if node == n {
        serverLevel = pendingLevel[n] ?? serverLevel
      } else {
        level[node] = pendingLevel[node] ?? level[node]
        executorCheck.insert(node)
      }
      startLevelClock(node, at: t + 1)
    }
    for user in cameOnline {
      level[user] = categorical(parameters.userLevels.initial, uniform())
      startLevelClock(user, at: t + 1)
      executorCheck.insert(user)
    }
    // Stage 3: requests (drop > complete > abandon; then starts).
    var ended: [Int] = []
    for user in wentOffline where request[user] >= 0 {
      if recording {
        recorder.recordEnd(
          t, outcome: .dropped, type: request[user], latency: t + 1 - requestStart[user])
      }
      endRequest(user)
    }
    for user in completing where request[user] >= 0 && online[user] && undone[user] == 0 {
      if recording {
        recorder.recordEnd(
          t, outcome: .completed, type: request[user], latency: t + 1 - requestStart[user])
      }
      endRequest(user)
      ended.append(user)
    }
    completing.removeAll(keepingCapacity: true)
    for user in patienceEvents where request[user] >= 0 {
      if recording {
        recorder.recordEnd(
          t, outcome: .abandoned, type: request[user], latency: t + 1 - requestStart[user])
      }
      endRequest(user)
      ended.append(user)
    }
    var starts = thinkEvents.filter { online[$0] && request[$0] < 0 && !ended.contains($0) }
    for user in cameOnline {
      // Idle with think age 0 at t: the think sojourn is counted from t.
      let sojourn = parameters.think.sojourn(uniform: uniform())
      if sojourn == 1 { starts.append(user) } else { schedule(.think, node: user, at: t + sojourn) }
    }
    for user in ended {
      schedule(.think, node: user, at: t + 1 + parameters.think.sojourn(uniform: uniform()))
    }
    starts.sort()
    let typeLaw = parameters.types.map(\.probability)
    for user in starts {
      let type = categorical(typeLaw, uniform())
      request[user] = type
      requestStart[user] = t + 1
      let count = parameters.types[type].subtasks.count
      slots[user] = Array(repeating: .unplaced, count: count)
      runningPosition[user] = Array(repeating: -1, count: count)
      undone[user] = count
      unplaced[user] = count == 32 ? UInt32.max : (1 << UInt32(count)) - 1
      clockTime[EventKind.think.rawValue][user] = -1
      schedule(.patience, node: user, at: t + 1 + parameters.patience.sojourn(uniform: uniform()))
      activeCount += 1
      if recording { recorder.recordStart(t) }
      enqueue(user)
    }
    // Stage 4: data; executor actions of users who left are void.
    for user in paused where !online[user] {
      downloadPaused[user] = false
      held[user] += parameters.downloadMemory
    }
    for user in resumed where !online[user] {
      downloadPaused[user] = true
      held[user] -= parameters.downloadMemory
    }
    for user in wentOffline {
      downloading.remove(user)
      downloadCandidates.remove(user)
      offlineSince[user] = t + 1
      var bits = ready[user]
      while bits != 0 {
        removeHolder(user, bits.trailingZeroBitCount)
        bits &= bits - 1
      }
    }
    for user in cameOnline {
      let offlineSteps = t + 1 - offlineSince[user]
      if parameters.evictionProbability > 0, offlineSteps > 0 {
        let survival = pow(1 - parameters.evictionProbability, Double(offlineSteps))
        var bits = ready[user]
        while bits != 0 {
          let item = bits.trailingZeroBitCount
          bits &= bits - 1
          if uniform() >= survival {
            ready[user] &= ~(1 << UInt64(item))
            storageUsed[user] -= dynamics.itemSize[item]
          }
        }
      }
      var bits = ready[user]
      while bits != 0 {
        addHolder(user, bits.trailingZeroBitCount)
        bits &= bits - 1
      }
      if downloadItem[user] >= 0 {
        // The executor saw the user offline at t with allocation 0 (spec G4.1, G6.1): a
        // download holding mx > 0 was paused, and the pause applies now that the user is back.
        if !downloadPaused[user], parameters.downloadMemory > resourceTolerance {
          downloadPaused[user] = true
          held[user] -= parameters.downloadMemory
        }
        if !downloadPaused[user] { downloading.insert(user) } else { executorCheck.insert(user) }
      } else {
        downloadCandidates.insert(user)
      }
    }
    for (user, item) in downloadStarts where online[user] {
      downloadItem[user] = item
      downloadPaused[user] = false
      downloadAge[user] = 0
      storageUsed[user] += dynamics.itemSize[item]
      held[user] += parameters.downloadMemory
      downloading.insert(user)
    }
    for user in downloading.sorted() {
      let item = downloadItem[user]
      let model = dynamics.itemDownload[item]
      let pace = parameters.userBandwidth * parameters.userLevels.values[level[user]]
      if uniform() < model.hazard(age: downloadAge[user], pace: pace) {
        ready[user] |= 1 << UInt64(item)
        downloadItem[user] = -1
        downloadAge[user] = 0
        held[user] -= parameters.downloadMemory
        downloading.remove(user)
        addHolder(user, item)
        downloadCandidates.insert(user)
      } else {
        downloadAge[user] = model.nextAge(downloadAge[user])
      }
    }
    // Stage 5: placements ŷ (ended requests were cleared above).
    for user in wentOffline {
      for reference in hosted[user] { unplace(reference) }
    }
    for assignment in assignments {
      let user = Int(assignment.user)
      let p = Int(assignment.subtask)
      guard request[user] >= 0, slots[user][p].node == SubtaskSlot.unplacedNode else { continue }
      let node = Int(assignment.node)
      if node == n {
        place(
          SubtaskReference(user: assignment.user, subtask: assignment.subtask), node: n,
          phase: .execution)
      } else if online[node] {
        place(
          SubtaskReference(user: assignment.user, subtask: assignment.subtask), node: node,
          phase: parameters.userPipeline[0])
      }
    }
    if recording {
      recorder.recordStep(
        t, activeRequests: activeAtStart,
        observation: StepObservation(
          serverCpuUsed: min(cpuCapacity(n), load[n]), serverMemoryHeld: max(0, held[n]),
          aborts: aborts, serverAssignments: assignments.filter { $0.node == Int32(n) }.count,
          userAssignments: assignments.count - assignments.filter { $0.node == Int32(n) }.count)
      )
    }
    // Stage 5: progress, paces from ŷ.
    let snapshot = running
    var paces: [Double] = []
    paces.reserveCapacity(snapshot.count)
    for reference in snapshot {
      let slot = slots[Int(reference.user)][Int(reference.subtask)]
      let node = Int(slot.node)
      if slot.phase == .execution {
        let share = load[node] > 0 ? min(1, cpuCapacity(node) / load[node]) : 1
        paces.append(share * (node == n ? parameters.serverSpeed : 1))
      } else {
        paces.append(parameters.userBandwidth * parameters.userLevels.values[level[node]])
      }
    }
    for (index, reference) in snapshot.enumerated() {
      let user = Int(reference.user)
      let p = Int(reference.subtask)
      let slot = slots[user][p]
      let node = Int(slot.node)
      let type = request[user]
      let duration: DurationModel
      switch slot.phase {
      case .execution: duration = parameters.types[type].subtasks[p].execution
      case .download: duration = parameters.inputDownload
      case .upload: duration = parameters.resultUpload
      }
      guard uniform() < duration.hazard(age: Int(slot.age), pace: paces[index]) else {
        slots[user][p].age = Int32(duration.nextAge(Int(slot.age)))
        continue
      }
      let pipeline = node == n ? [SubtaskPhase.execution] : parameters.userPipeline
      if let position = pipeline.firstIndex(of: slot.phase), position + 1 < pipeline.count {
        let next = pipeline[position + 1]
        if slot.phase == .execution { load[node] -= dynamics.subtaskCpu[type][p] }
        if next == .execution { load[node] += dynamics.subtaskCpu[type][p] }
        slots[user][p] = SubtaskSlot(node: slot.node, phase: next, age: 0)
      } else {
        release(reference)
        slots[user][p] = .done
        undone[user] -= 1
        if undone[user] == 0 { completing.append(user) }
      }
    }
  }

  /// A node drawn uniformly among the feasible ones for a subtask of `item`: the server
  /// (if `serverFits`) and the online holders of the item other than the requester with
  /// enough free memory. Rejection sampling over server + holders (exactly uniform over the
  /// feasible set), with a full scan after 32 rejections; nil when nothing is feasible.
  /// Expected O(1 + holders / feasible) per call.
  private mutating func pickNode(
    item: Int, estimate: Double, requester: Int, serverFits: Bool, reserve: [Int: Double]
  ) -> Int? {
    func fits(_ v: Int) -> Bool {
      v != requester
        && estimate <= allocation(v) - held[v] - reserve[v, default: 0] + resourceTolerance
    }
    let options = holders[item].count + 1
    for _ in 0..<32 {
      let option = min(Int(uniform() * Double(options)), options - 1)
      if option == 0 {
        if serverFits { return n }
      } else if fits(Int(holders[item][option - 1])) {
        return Int(holders[item][option - 1])
      }
    }
    var feasible: [Int] = serverFits ? [n] : []
    for holder in holders[item] where fits(Int(holder)) { feasible.append(Int(holder)) }
    guard !feasible.isEmpty else { return nil }
    return feasible[min(Int(uniform() * Double(feasible.count)), feasible.count - 1)]
  }

  private func victimKey(_ reference: SubtaskReference) -> (Int8, Double, Int32, Int32, Int8) {
    let user = Int(reference.user)
    let slot = slots[user][Int(reference.subtask)]
    return (
      slot.phase.rawValue, -dynamics.subtaskMemory[request[user]][Int(reference.subtask)],
      slot.age, reference.user, reference.subtask
    )
  }
}
