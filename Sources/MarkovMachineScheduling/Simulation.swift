import Dispatch
import MarkovSolvers
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Settings of a simulation run (docs/markov-machine.md §A7).
public struct SimulationSettings: Sendable, Equatable, Codable {
  /// Measured slots per replication.
  public var slots: Int
  /// Slots simulated before measuring starts.
  public var warmUpSlots: Int
  /// R independent replications; replication r (0-based) uses seed `seed + r`.
  public var replications: Int
  public var seed: UInt64
  /// Windows of the queue-growth regression (the second half of them is used).
  public var windows: Int
  /// nil: the full system with queues. A subset S: permanent congestion of S (huge initial
  /// queues for S, none elsewhere, no arrivals), the setting of the closed forms.
  public var permanentCongestion: UserSubset?

  /// The largest number of slots and warm-up slots (so that slot counters cannot overflow).
  public static let maximumSlots = 1_000_000_000_000_000
  /// The most replications of one run: each keeps its outcome in memory until the run is
  /// combined, so the count bounds the run's memory (about 100 bytes per user each).
  public static let maximumReplications = 100_000
  /// The most simulated slots of a run, `R (slots + warm-up slots)`, which bounds its work.
  public static let maximumTotalSlots = 1_000_000_000_000_000
  /// Windows of the queue-growth regression when not given: `min(100, slots)`.
  public static let defaultWindows = 100

  /// - Parameter windows: windows of the queue-growth regression, in 4...slots (default
  ///   `min(defaultWindows, slots)`).
  /// - Throws: `ParameterError` for slots outside 4...`maximumSlots` (the growth regression
  ///   needs 4 windows of at least one slot), replications outside
  ///   1...`maximumReplications`, a warm-up outside 0...`maximumSlots`, more than
  ///   `maximumTotalSlots` simulated slots in all, or windows outside 4...slots.
  public init(
    slots: Int, warmUpSlots: Int = 0, replications: Int = 4, seed: UInt64 = 1,
    windows: Int? = nil, permanentCongestion: UserSubset? = nil
  ) throws(ParameterError) {
    guard slots >= 4, slots <= Self.maximumSlots else {
      throw .outOfRange(
        "slots", slots,
        valid: "an integer in 4...\(Self.maximumSlots) (the queue-growth regression needs 4 "
          + "windows of at least one slot)")
    }
    guard warmUpSlots >= 0, warmUpSlots <= Self.maximumSlots else {
      throw .outOfRange(
        "warm-up slots", warmUpSlots, valid: "an integer in 0...\(Self.maximumSlots)")
    }
    guard replications >= 1, replications <= Self.maximumReplications else {
      throw .outOfRange(
        "replications (R)", replications,
        valid: "an integer in 1...\(Self.maximumReplications)")
    }
    let (total, overflow) = replications.multipliedReportingOverflow(by: slots + warmUpSlots)
    guard !overflow, total <= Self.maximumTotalSlots else {
      throw .inconsistent(
        name: "replications (R) x (slots + warm-up slots)",
        value: "\(replications) x \(slots + warmUpSlots)",
        reason: "must be at most \(Self.maximumTotalSlots) simulated slots in all")
    }
    let windows = windows ?? min(Self.defaultWindows, slots)
    guard windows >= 4, windows <= slots else {
      throw .outOfRange("windows", windows, valid: "an integer in 4...slots (\(slots))")
    }
    self.slots = slots
    self.warmUpSlots = warmUpSlots
    self.replications = replications
    self.seed = seed
    self.windows = windows
    self.permanentCongestion = permanentCongestion
  }
}

/// Time averages of one replication.
public struct ReplicationOutcome: Sendable, Equatable, Codable {
  /// Δ_i, every user.
  public let ages: [Double]
  /// Samples per slot times L.
  public let samplingCost: Double
  /// `(1/N) Σ_{i∈M} Δ_i + S`, M = all users (or S under permanent congestion).
  public let totalCost: Double
  /// Time-average queue length per user (0 under permanent congestion).
  public let meanQueues: [Double]
  /// Completions per slot per user.
  public let throughput: [Double]
  /// Queue lengths at the end (0 under permanent congestion).
  public let finalQueues: [Int]
  /// Least-squares slope (jobs per slot) of the windowed total queue over the second half.
  public let queueGrowthSlope: Double
}

/// Whether the queues grow (docs/markov-machine.md §A9.5).
public enum QueueVerdict: String, Sendable, Codable {
  /// The 95% interval of the growth slope lies above 0 and the growth is material: the
  /// mean slope times half the measured slots is at least 1 job and at least 10% of the
  /// time-average total queue.
  case growing
  /// Not growing.
  case stable
  /// Fewer than two replications, or permanent congestion (no queues to judge).
  case undetermined
}

/// The estimates of a run: means over replications with 95% Student-t intervals.
public struct SimulationResult: Sendable, Codable {
  public let rule: SchedulingRule
  public let settings: SimulationSettings
  public let ages: [Estimate]
  public let samplingCost: Estimate
  public let totalCost: Estimate
  public let meanQueues: [Estimate]
  public let throughput: [Estimate]
  /// Mean over replications of the final queue lengths.
  public let finalQueues: [Double]
  public let queueGrowthSlope: Estimate
  public let verdict: QueueVerdict
  public let outcomes: [ReplicationOutcome]
}

/// Slot-exact simulation of the full system of A2 with queues under a policy table
/// (φ1 or max-age), with independent seeded replications (docs/markov-machine.md §A7).
///
/// Idle slots with jobs waiting are stepped slot by slot (sample w.p. μ(S(t)); a free
/// machine gets the chosen user's job, served from the same slot; otherwise the phase flips
/// w.p. q). A service is drawn as one Geom(q_j) duration; the ages and queue areas over it
/// are summed exactly. Arrivals of user i are generated as Geom(p_i) gaps between arrival
/// slots, which is the same law as independent Bernoulli(p_i) draws in every slot. Periods
/// with every queue empty (no sampling, A2.4) jump to the next arrival, with the phase
/// drawn from the exact k-step flip law `P(changed) = (1 − (1 − 2q)^k)/2`.
/// Random numbers: xoshiro256**, replication r seeded with `seed + r`; replications run in
/// parallel but the result does not depend on the thread count.
///
/// `assumptions` (A0) are simulated literally: max-age ties (`.uniform` draws from the
/// replication's generator, only when there is a tie); with `.sample(probability: μ0)` the
/// empty-system periods count a Binomial(slots, μ0) number of samples (drawn as Geom(μ0)
/// gaps) and nothing else changes; the slot ordering moves the flip of an idle slot before
/// its sample (`.flipThenSample`) or adds the assignment slot before the service
/// (`.serviceNextSlot`).
/// - Complexity: O(idle slots with work + services + arrivals) per replication, plus the
///   samples of empty periods with `.sample`.
public struct MachineSimulator: Sendable {
  public let parameters: MachineParameters
  public let table: PolicyTable
  public let settings: SimulationSettings
  /// The modelling assumptions of A0 (default: those of A2).
  public let assumptions: ModelAssumptions

  public init(
    parameters: MachineParameters, table: PolicyTable, settings: SimulationSettings,
    assumptions: ModelAssumptions = .standard
  ) {
    precondition(table.userCount == parameters.userCount, "table for another N")
    self.parameters = parameters
    self.table = table
    self.settings = settings
    self.assumptions = assumptions
  }

  /// Runs every replication and combines them.
  /// - Parameter progress: called after each replication with (finished, total), from any
  ///   thread.
  public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) -> SimulationResult {
    let total = settings.replications
    let results = Mutex<[ReplicationOutcome?]>(Array(repeating: nil, count: total))
    DispatchQueue.concurrentPerform(iterations: total) { index in
      let outcome = replicate(seed: settings.seed &+ UInt64(index))
      let finished = results.withLock { list in
        list[index] = outcome
        return list.count { $0 != nil }
      }
      progress?(finished, total)
    }
    let outcomes = results.withLock { $0.compactMap { $0 } }
    return combine(outcomes)
  }

  private func combine(_ outcomes: [ReplicationOutcome]) -> SimulationResult {
    let users = 0..<parameters.userCount
    func estimate(_ value: (ReplicationOutcome) -> Double) -> Estimate {
      Estimate(samples: outcomes.map(value))
    }
    let slope = estimate(\.queueGrowthSlope)
    let meanTotalQueue = estimate { $0.meanQueues.reduce(0, +) }.mean
    let rise = slope.mean * Double(settings.slots) / 2
    let verdict: QueueVerdict
    if outcomes.count < 2 || settings.permanentCongestion != nil {
      verdict = .undetermined
    } else {
      verdict = slope.lower > 0 && rise >= max(1, 0.1 * meanTotalQueue) ? .growing : .stable
    }
    return SimulationResult(
      rule: table.rule, settings: settings, ages: users.map { user in estimate { $0.ages[user] } },
      samplingCost: estimate(\.samplingCost), totalCost: estimate(\.totalCost),
      meanQueues: users.map { user in estimate { $0.meanQueues[user] } },
      throughput: users.map { user in estimate { $0.throughput[user] } },
      finalQueues: users.map { user in
        outcomes.reduce(0) { $0 + Double($1.finalQueues[user]) } / Double(outcomes.count)
      }, queueGrowthSlope: slope, verdict: verdict, outcomes: outcomes)
  }

  /// One replication from the initial state of A2.4 (empty queues, ages 1, phase F).
  /// - Complexity: see the type.
  public func replicate(seed: UInt64) -> ReplicationOutcome {
    var run = SimulationRun(parameters, table, settings, assumptions, seed: seed)
    return run.simulate()
  }
}

/// The mutable state of one replication.
private struct SimulationRun {
  let userCount: Int
  let settings: SimulationSettings
  let samplingCost: Double
  let flip: Double
  let busyAfterCompletion: Double
  let logServiceFailure: [Double]
  let logArrivalFailure: [Double]
  let policy: CompiledTable
  let ordering: SlotOrdering
  /// log(1 − μ0) of the sampling probability with every queue empty; nil: no sampling.
  let logEmptySamplingFailure: Double?
  var random: Xoshiro256StarStar

  var time = 0
  var end = Int.max
  var free = true
  var queues: [Int]
  var ages: [Int]
  var mask: UInt32 = 0
  var nextArrival: [Int]
  var queueArea: [Double]
  var lastChange: [Int]
  var ageSum: [Double]
  var samples = 0
  var completions: [Int]
  var windowTimes: [Int] = []
  var windowAreas: [Double] = []

  init(
    _ parameters: MachineParameters, _ table: PolicyTable, _ settings: SimulationSettings,
    _ assumptions: ModelAssumptions, seed: UInt64
  ) {
    userCount = parameters.userCount
    self.settings = settings
    samplingCost = parameters.samplingCost
    flip = parameters.flipProbability
    busyAfterCompletion = parameters.busyAfterCompletionProbability
    logServiceFailure = parameters.serviceProbabilities.map { log1p(-$0) }
    let arrivals =
      settings.permanentCongestion == nil
      ? parameters.arrivalProbabilities : Array(repeating: 0, count: parameters.userCount)
    logArrivalFailure = arrivals.map { log1p(-$0) }
    policy = CompiledTable(table, ties: assumptions.maxAgeTies)
    ordering = assumptions.slotOrdering
    switch assumptions.emptySystemSampling {
    case .skip: logEmptySamplingFailure = nil
    case .sample(let probability): logEmptySamplingFailure = log1p(-probability)
    }
    random = Xoshiro256StarStar(seed: seed)
    queues = Array(repeating: 0, count: userCount)
    ages = Array(repeating: 1, count: userCount)
    queueArea = Array(repeating: 0, count: userCount)
    lastChange = Array(repeating: 0, count: userCount)
    ageSum = Array(repeating: 0, count: userCount)
    completions = Array(repeating: 0, count: userCount)
    nextArrival = Array(repeating: Int.max, count: userCount)
    for user in 0..<userCount where arrivals[user] > 0 {
      nextArrival[user] = random.geometric(logFailure: logArrivalFailure[user]) - 1
    }
    if let congested = settings.permanentCongestion {
      for user in congested.users { queues[user] = 1 << 60 }
      mask = congested.mask
    }
  }

  mutating func simulate() -> ReplicationOutcome {
    var start: (time: Int, ageSum: [Double], samples: Int, completions: [Int], areas: [Double])?
    var nextWindow = 0
    while time < end {
      if start == nil, time >= settings.warmUpSlots {
        start = (time, ageSum, samples, completions, areas(at: time))
        end = time + settings.slots
        nextWindow = time
      }
      if let start, time >= nextWindow {
        windowTimes.append(time)
        windowAreas.append(totalArea(at: time))
        let index = (time - start.time) * settings.windows / settings.slots + 1
        nextWindow = start.time + (index * settings.slots + settings.windows - 1) / settings.windows
      }
      if mask == 0 {
        waitForArrival()
      } else {
        idleSlot()
      }
    }
    windowTimes.append(end)
    windowAreas.append(totalArea(at: end))
    guard let start else { preconditionFailure("the measured period always starts") }
    let slots = Double(settings.slots)
    let finalAreas = areas(at: end)
    let measuredAges = (0..<userCount).map { (ageSum[$0] - start.ageSum[$0]) / slots }
    let sampling = samplingCost * Double(samples - start.samples) / slots
    let members = settings.permanentCongestion?.users ?? Array(0..<userCount)
    let congested = settings.permanentCongestion != nil
    return ReplicationOutcome(
      ages: measuredAges, samplingCost: sampling,
      totalCost: members.reduce(0) { $0 + measuredAges[$1] } / Double(userCount) + sampling,
      meanQueues: (0..<userCount).map {
        congested ? 0 : (finalAreas[$0] - start.areas[$0]) / slots
      },
      throughput: (0..<userCount).map { Double(completions[$0] - start.completions[$0]) / slots },
      finalQueues: congested ? Array(repeating: 0, count: userCount) : queues,
      queueGrowthSlope: congested ? 0 : growthSlope(from: start.time))
  }

  /// Every queue empty: the machine flips until the next arrival; no sampling (A2.4), or
  /// each slot sampled w.p. μ0 (`EmptySystemSampling.sample`).
  private mutating func waitForArrival() {
    let arrival = nextArrival.min() ?? Int.max
    let target: Int
    if arrival == Int.max {
      target = end == Int.max ? max(settings.warmUpSlots, time + 1) : end
    } else {
      target = min(arrival + 1, end)
    }
    let span = target - time
    if let logFailure = logEmptySamplingFailure {
      var sampled = random.geometric(logFailure: logFailure)
      while sampled <= span {
        samples += 1
        sampled += random.geometric(logFailure: logFailure)
      }
    }
    advanceAges(span)
    if random.uniform() < (1 - pow(1 - 2 * flip, Double(span))) / 2 { free.toggle() }
    time = target
    applyArrivals()
  }

  /// An idle slot with jobs waiting (A2 steps 2-4, in the slot ordering of the run). With
  /// `.flipThenSample`, `free` is the phase at the start of the slot, before its flip.
  private mutating func idleSlot() {
    if ordering.flipsBeforeSampling, random.uniform() < flip { free.toggle() }
    let sampled = random.uniform() < policy.samplingProbability(mask)
    if sampled { samples += 1 }
    guard sampled && free else {
      advanceAges(1)
      if !ordering.flipsBeforeSampling, random.uniform() < flip { free.toggle() }
      time += 1
      applyArrivals()
      return
    }
    let user = policy.choose(mask, ages: ages, random: &random)
    change(user, by: -1, at: time + 1)
    let duration =
      random.geometric(logFailure: logServiceFailure[user])
      + (ordering.assignmentSlotServes ? 0 : 1)
    if duration <= end - time {
      advanceAges(duration)
      ages[user] = 1
      completions[user] += 1
      free = random.uniform() >= busyAfterCompletion
      time += duration
    } else {
      advanceAges(end - time)
      time = end
    }
    applyArrivals()
  }

  /// Charges `span` slots of ages (v, v + 1, ..., v + span − 1) and advances them.
  private mutating func advanceAges(_ span: Int) {
    let triangle = Double(span) * Double(span - 1) / 2
    for user in 0..<userCount {
      ageSum[user] += Double(span) * Double(ages[user]) + triangle
      ages[user] += span
    }
  }

  /// Applies every arrival effective at or before `time` (arrival at the end of slot a is
  /// effective from slot a + 1).
  private mutating func applyArrivals() {
    for user in 0..<userCount {
      while nextArrival[user] < time {
        change(user, by: 1, at: nextArrival[user] + 1)
        nextArrival[user] += random.geometric(logFailure: logArrivalFailure[user])
      }
    }
  }

  private mutating func change(_ user: Int, by delta: Int, at effective: Int) {
    queueArea[user] += Double(queues[user]) * Double(effective - lastChange[user])
    lastChange[user] = effective
    queues[user] += delta
    if queues[user] > 0 {
      mask |= 1 << UInt32(user)
    } else {
      mask &= ~(1 << UInt32(user))
    }
  }

  private func areas(at moment: Int) -> [Double] {
    (0..<userCount).map { queueArea[$0] + Double(queues[$0]) * Double(moment - lastChange[$0]) }
  }

  private func totalArea(at moment: Int) -> Double { areas(at: moment).reduce(0, +) }

  /// Least-squares slope of the window averages of the total queue against the window
  /// midpoints, over the windows that start in the second half.
  private func growthSlope(from start: Int) -> Double {
    let half = start + settings.slots / 2
    var points: [(x: Double, y: Double)] = []
    for index in 1..<windowTimes.count where windowTimes[index - 1] >= half {
      let width = Double(windowTimes[index] - windowTimes[index - 1])
      guard width > 0 else { continue }
      points.append(
        (
          Double(windowTimes[index] + windowTimes[index - 1]) / 2,
          (windowAreas[index] - windowAreas[index - 1]) / width
        ))
    }
    guard points.count >= 2 else { return 0 }
    let count = Double(points.count)
    let meanX = points.reduce(0) { $0 + $1.x } / count
    let meanY = points.reduce(0) { $0 + $1.y } / count
    var covariance = 0.0
    var variance = 0.0
    for point in points {
      covariance += (point.x - meanX) * (point.y - meanY)
      variance += (point.x - meanX) * (point.x - meanX)
    }
    return variance > 0 ? covariance / variance : 0
  }
}

/// A policy table flattened for the simulation loop: per bitmask μ and the cumulative
/// schedule over its members.
private struct CompiledTable {
  let rule: SchedulingRule
  let ties: MaxAgeTieRule
  let sampling: [Double]
  let scheduleStart: [Int]
  let scheduleUsers: [Int]
  let cumulative: [Double]

  init(_ table: PolicyTable, ties: MaxAgeTieRule) {
    rule = table.rule
    self.ties = ties
    var sampling = [1.0]
    var start = [0, 0]
    var users: [Int] = []
    var cumulative: [Double] = []
    for entry in table.entries {
      sampling.append(entry.policy.samplingProbability)
      var running = 0.0
      for (user, share) in zip(entry.subset.users, entry.policy.schedule) {
        running += share
        users.append(user)
        cumulative.append(running)
      }
      start.append(users.count)
    }
    self.sampling = sampling
    scheduleStart = start
    scheduleUsers = users
    self.cumulative = cumulative
  }

  /// μ(S) for the bitmask of S.
  func samplingProbability(_ mask: UInt32) -> Double { sampling[Int(mask)] }

  /// φ1: j ~ π(S); max-age: argmax_{j∈S} v_j, ties by `ties` (a uniform draw only when
  /// several users are tied).
  func choose(_ mask: UInt32, ages: [Int], random: inout Xoshiro256StarStar) -> Int {
    switch rule {
    case .randomized:
      let range = scheduleStart[Int(mask)]..<scheduleStart[Int(mask) + 1]
      let u = random.uniform() * cumulative[range.upperBound - 1]
      for index in range where u < cumulative[index] { return scheduleUsers[index] }
      return scheduleUsers[range.upperBound - 1]
    case .maxAge:
      let members = sequence(state: mask) { remaining -> Int? in
        guard remaining != 0 else { return nil }
        let user = remaining.trailingZeroBitCount
        remaining &= remaining - 1
        return user
      }
      let choices = ties.choices(members) { ages[$0] }
      guard choices.count > 1 else { return choices[0].user }
      return choices[Int(random.uniform() * Double(choices.count))].user
    }
  }
}
