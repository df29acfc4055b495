import Foundation
import GenerativeMarkov
import MarkovSolvers

/// A point estimate with a 95 % confidence half-width and the number of batches behind it.
public struct IntervalEstimate: Sendable, Equatable, Codable {
  public var value: Double
  public var halfWidth: Double
  public var batches: Int
}

/// Settings of one seeded simulation run (spec G1.5, G8.4).
public struct InferenceSimulationSettings: Sendable, Equatable {
  public var steps: Int
  public var warmup: Int
  public var seed: UInt64
  public var batches: Int

  /// The largest horizon accepted (steps of 1 s; 10^8 ≈ 3 years).
  public static let maximumSteps = 100_000_000
  public static let maximumBatches = 1000

  /// - Throws: `ParameterError` if steps ≤ warm-up, more batches than recorded steps, or a
  ///   count outside its range (spec G12).
  public init(steps: Int, warmup: Int, seed: UInt64, batches: Int = 10) throws(ParameterError) {
    guard steps >= 1, steps <= Self.maximumSteps else {
      throw .outOfRange("steps", steps, valid: "in 1...\(Self.maximumSteps)")
    }
    guard warmup >= 0, warmup < steps else {
      throw .outOfRange("warm-up", warmup, valid: "in 0..<steps (\(steps))")
    }
    guard batches >= 2, batches <= Self.maximumBatches, batches <= steps - warmup else {
      throw .outOfRange(
        "batches", batches,
        valid: "in 2...\(min(Self.maximumBatches, max(2, steps - warmup))) (recorded steps)")
    }
    self.steps = steps
    self.warmup = warmup
    self.seed = seed
    self.batches = batches
  }
}

/// Simulated long-run figures of one policy (spec G8): the same quantities as
/// `ExactPerformance`, each with a confidence interval.
public struct SimulatedPerformance: Sendable {
  public let policy: SchedulingPolicy
  public let settings: InferenceSimulationSettings
  /// Per-step rates and time averages by batch means.
  public let activeRequests: IntervalEstimate
  public let startRate: IntervalEstimate
  public let completionRate: IntervalEstimate
  public let abandonRate: IntervalEstimate
  public let dropRate: IntervalEstimate
  public let serverCpuPercent: IntervalEstimate
  public let serverMemory: IntervalEstimate
  /// Standard deviation over recorded steps of server CPU (%) and memory (GB) (G8.5).
  public let serverCpuDeviation: Double
  public let serverMemoryDeviation: Double
  public let abortRate: IntervalEstimate
  public let serverAssignmentRate: IntervalEstimate
  public let userAssignmentRate: IntervalEstimate
  /// Mean latency of completions (batch means of per-batch ratios; pooled point value).
  public let meanLatency: IntervalEstimate?
  /// Pooled P99 of completed requests and the figures' type-mean P99, by sectioning.
  public let p99Latency: IntervalEstimate?
  public let typeMeanP99: IntervalEstimate?
  /// Per type: P99 by sectioning (nil: no completions), completions, abandons.
  public let p99ByType: [IntervalEstimate?]
  public let completionsByType: [Int]
  public let abandonsByType: [Int]
  public let dropsByType: [Int]
  /// Completed latencies per type over the whole window (index = latency).
  public let latencyHistogramByType: [[Int]]
  /// Requests still active at the horizon (censored).
  public let censored: Int

  /// success_k = completed with ℓ ≤ τ / (completed + abandoned), pooled (spec G8.2).
  public func success(type: Int, threshold: Int) -> Double? {
    let histogram = latencyHistogramByType[type]
    let denominator = completionsByType[type] + abandonsByType[type]
    guard denominator > 0 else { return nil }
    let good = histogram.prefix(max(0, threshold + 1)).reduce(0, +)
    return Double(good) / Double(denominator)
  }
}

/// How a request ended (spec G8.1).
enum RequestOutcome {
  case completed, abandoned, dropped
}

/// Collects the metrics of spec G8 over the recorded window, in contiguous batches; shared
/// by the per-step sampler and the event-calendar simulator.
struct PerformanceRecorder {
  let settings: InferenceSimulationSettings
  private(set) var batches: [BatchTotals]
  private var cpuSquares = 0.0
  private var memorySquares = 0.0
  private var abandonsByType: [Int]
  private var dropsByType: [Int]
  private let recorded: Int

  init(settings: InferenceSimulationSettings, typeCount: Int) {
    self.settings = settings
    batches = (0..<settings.batches).map { _ in BatchTotals(types: typeCount) }
    abandonsByType = Array(repeating: 0, count: typeCount)
    dropsByType = Array(repeating: 0, count: typeCount)
    recorded = settings.steps - settings.warmup
  }

  /// Whether the transition t → t+1 is inside the recorded window.
  func isRecording(_ time: Int) -> Bool { time >= settings.warmup }

  private func batch(_ time: Int) -> Int { (time - settings.warmup) * settings.batches / recorded }

  /// One recorded transition: active requests at t and the server's consumption during it.
  mutating func recordStep(_ time: Int, activeRequests: Int, observation: StepObservation) {
    let index = batch(time)
    let cpu = 100 * observation.serverCpuUsed
    batches[index].steps += 1
    batches[index].active += Double(activeRequests)
    batches[index].cpu += cpu
    batches[index].memory += observation.serverMemoryHeld
    cpuSquares += cpu * cpu
    memorySquares += observation.serverMemoryHeld * observation.serverMemoryHeld
    batches[index].aborts += Double(observation.aborts)
    batches[index].serverAssignments += Double(observation.serverAssignments)
    batches[index].userAssignments += Double(observation.userAssignments)
  }

  mutating func recordStart(_ time: Int) { batches[batch(time)].starts += 1 }

  /// A request that ended at the transition t → t+1 with latency ℓ.
  mutating func recordEnd(_ time: Int, outcome: RequestOutcome, type: Int, latency: Int) {
    let index = batch(time)
    switch outcome {
    case .completed:
      batches[index].record(latency: latency, type: type)
    case .abandoned:
      batches[index].abandons += 1
      abandonsByType[type] += 1
    case .dropped:
      batches[index].drops += 1
      dropsByType[type] += 1
    }
  }

  func result(policy: SchedulingPolicy, censored: Int) -> SimulatedPerformance {
    InferenceSimulation.summarize(
      policy: policy, settings: settings, batches: batches, cpuSquares: cpuSquares,
      memorySquares: memorySquares, abandonsByType: abandonsByType, dropsByType: dropsByType,
      censored: censored)
  }
}

/// Per-batch accumulators.
struct BatchTotals {
  var steps = 0
  var active = 0.0
  var starts = 0.0
  var completions = 0.0
  var abandons = 0.0
  var drops = 0.0
  var cpu = 0.0
  var memory = 0.0
  var aborts = 0.0
  var serverAssignments = 0.0
  var userAssignments = 0.0
  var latencySum = 0.0
  var histograms: [[Int]]

  init(types: Int) { histograms = Array(repeating: [], count: types) }

  mutating func record(latency: Int, type: Int) {
    if histograms[type].count <= latency {
      histograms[type].append(
        contentsOf: repeatElement(0, count: latency + 1 - histograms[type].count))
    }
    histograms[type][latency] += 1
    latencySum += Double(latency)
    completions += 1
  }
}

/// The per-step sampler of the factored model, run over a horizon with the metrics of
/// spec G8 (docs/collaborative-inference.md §5).
public enum InferenceSimulation {
  /// Simulates `policy` from the initial state of spec G4.3 (stationary availability, idle
  /// requests, empty storage) for `settings.steps` steps and records after the warm-up.
  /// Confidence intervals: batch means for rates, sectioning for quantiles (G8.4), with
  /// `settings.batches` contiguous batches and Student t_{B−1, 0.975}.
  /// - Complexity: O(steps × (users + placed subtasks + scheduler work)); memory O(users).
  public static func run(
    _ parameters: InferenceParameters, policy: SchedulingPolicy,
    settings: InferenceSimulationSettings,
    progress: ((Int) -> Void)? = nil
  ) -> SimulatedPerformance {
    let simulated = parameters.forSimulation()
    let model = InferenceModel(parameters: simulated, policy: policy)
    let streams = RandomStreams(seed: settings.seed)
    var state = initialState(simulated, streams: streams)
    var recorder = PerformanceRecorder(settings: settings, typeCount: parameters.types.count)
    for time in 0..<settings.steps {
      let (next, observation) = model.sampleStep(state, streams: streams, time: UInt64(time))
      if recorder.isRecording(time) {
        recorder.recordStep(
          time, activeRequests: state.activeRequestCount, observation: observation)
        for (i, (before, after)) in zip(state.users, next.users).enumerated() {
          if !before.isActive {
            if after.isActive { recorder.recordStart(time) }
            continue
          }
          guard !after.isActive else { continue }
          let outcome: RequestOutcome =
            !after.online ? .dropped : state.allSubtasksDone(of: i) ? .completed : .abandoned
          recorder.recordEnd(
            time, outcome: outcome, type: Int(before.request),
            latency: Int(before.requestAge) + 1)
        }
      }
      state = next
      if let progress, time % 10_000 == 9_999 { progress(time + 1) }
    }
    return recorder.result(policy: policy, censored: state.activeRequestCount)
  }

  static func summarize(
    policy: SchedulingPolicy, settings: InferenceSimulationSettings, batches: [BatchTotals],
    cpuSquares: Double, memorySquares: Double, abandonsByType: [Int], dropsByType: [Int],
    censored: Int
  ) -> SimulatedPerformance {
    let recorded = Double(batches.reduce(0) { $0 + $1.steps })
    func rate(_ value: (BatchTotals) -> Double) -> IntervalEstimate {
      let pooled = batches.reduce(0) { $0 + value($1) } / recorded
      return interval(pooled, batches.map { value($0) / Double($0.steps) })
    }
    let typeCount = batches[0].histograms.count
    var pooledHistograms = [[Int]](repeating: [], count: typeCount)
    for batch in batches {
      for (type, histogram) in batch.histograms.enumerated() {
        pooledHistograms[type] = add(pooledHistograms[type], histogram)
      }
    }
    func p99(_ histogram: [Int]) -> Double? {
      LatencyLaw(completionRateByLatency: histogram.map(Double.init)).quantile(0.99).map(
        Double.init)
    }
    func sectioned(_ statistic: ([[Int]]) -> Double?) -> IntervalEstimate? {
      guard let pooled = statistic(pooledHistograms) else { return nil }
      return interval(pooled, batches.compactMap { statistic($0.histograms) })
    }
    func typeMean(_ histograms: [[Int]]) -> Double? {
      let values = histograms.compactMap(p99)
      return values.count == histograms.count ? values.reduce(0, +) / Double(values.count) : nil
    }
    let completions = batches.reduce(0) { $0 + $1.completions }
    let meanLatency: IntervalEstimate? =
      completions > 0
      ? interval(
        batches.reduce(0) { $0 + $1.latencySum } / completions,
        batches.filter { $0.completions > 0 }.map { $0.latencySum / $0.completions }) : nil
    let cpu = rate(\.cpu)
    let memory = rate(\.memory)
    return SimulatedPerformance(
      policy: policy, settings: settings, activeRequests: rate(\.active),
      startRate: rate(\.starts), completionRate: rate(\.completions),
      abandonRate: rate(\.abandons), dropRate: rate(\.drops), serverCpuPercent: cpu,
      serverMemory: memory,
      serverCpuDeviation: (max(0, cpuSquares / recorded - cpu.value * cpu.value)).squareRoot(),
      serverMemoryDeviation: (max(0, memorySquares / recorded - memory.value * memory.value))
        .squareRoot(),
      abortRate: rate(\.aborts), serverAssignmentRate: rate(\.serverAssignments),
      userAssignmentRate: rate(\.userAssignments), meanLatency: meanLatency,
      p99Latency: sectioned { p99($0.reduce([], add)) }, typeMeanP99: sectioned(typeMean),
      p99ByType: (0..<typeCount).map { type in sectioned { p99($0[type]) } },
      completionsByType: pooledHistograms.map { $0.reduce(0, +) },
      abandonsByType: abandonsByType, dropsByType: dropsByType,
      latencyHistogramByType: pooledHistograms, censored: censored)
  }

  static func add(_ left: [Int], _ right: [Int]) -> [Int] {
    var sum = left.count >= right.count ? left : right
    let other = left.count >= right.count ? right : left
    for (index, value) in other.enumerated() { sum[index] += value }
    return sum
  }

  /// Pooled point value with half-width t_{B−1,0.975} · sd(batch values)/√B; batches
  /// lacking the statistic are skipped and counted out (spec G12).
  static func interval(_ pooled: Double, _ values: [Double]) -> IntervalEstimate {
    guard values.count >= 2 else {
      return IntervalEstimate(value: pooled, halfWidth: .infinity, batches: values.count)
    }
    let count = Double(values.count)
    let mean = values.reduce(0, +) / count
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
    return IntervalEstimate(
      value: pooled,
      halfWidth: StudentT.quantile975(degrees: values.count - 1) * (variance / count).squareRoot(),
      batches: values.count)
  }

  /// The simulation's initial state (spec G4.3): (o, d^o) from the stationary law of the
  /// capped availability chain, levels from their initial laws, idle requests, empty
  /// storage.
  static func initialState(_ parameters: InferenceParameters, streams: RandomStreams)
    -> InferenceState
  {
    let law = AvailabilityLaw(online: parameters.online, offline: parameters.offline)
    var state = parameters.initialState
    for i in 0..<parameters.userCount {
      var generator = streams.generator(kind: 1000, element: UInt64(i), counter: 0)
      let (online, age) = law.draw(generator.nextUnitInterval())
      state.users[i].online = online
      state.users[i].availabilityAge = Int32(age)
      if online {
        var source = OutcomeSource(sampling: generator)
        state.users[i].level = Int8(source.categorical(parameters.userLevels.initial))
      }
    }
    var source = OutcomeSource(
      sampling: streams.generator(kind: 1001, element: 0, counter: 0))
    state.serverLevel = Int8(source.categorical(parameters.serverLevels.initial))
    return state
  }
}

/// The stationary law of (o, d^o) for the capped availability chain (spec G4.3):
/// π(o, d) ∝ S_o(d) for d < D_o and S_o(D_o)/h_o(D_o) at the cap.
struct AvailabilityLaw {
  var cumulative: [Double] = []
  var states: [(online: Bool, age: Int)] = []

  init(online: DurationModel, offline: DurationModel) {
    var weights: [Double] = []
    for (isOnline, model) in [(true, online), (false, offline)] {
      let cap = model.cap ?? InferenceParameters.simulationAgeCap
      var logSurvival = 0.0
      for age in 0...cap {
        let survival = exp(logSurvival)
        let hazard = model.hazard(age: age)
        let weight = age < cap ? survival : (hazard > 0 ? survival / hazard : 0)
        if weight > 0 {
          weights.append(weight)
          states.append((isOnline, age))
        }
        logSurvival += log1p(-min(hazard, 1))
        if logSurvival == -.infinity { break }
      }
    }
    var total = 0.0
    for weight in weights {
      total += weight
      cumulative.append(total)
    }
    cumulative = cumulative.map { $0 / total }
  }

  func draw(_ u: Double) -> (Bool, Int) {
    var low = 0
    var high = cumulative.count - 1
    while low < high {
      let middle = (low + high) / 2
      if cumulative[middle] > u { high = middle } else { low = middle + 1 }
    }
    return states[low]
  }
}

extension InferenceParameters {
  /// Parametric durations are tabulated up to this age for simulation (2^20 s ≈ 12 days;
  /// beyond it the hazard stays at its value there).
  public static let simulationAgeCap = 1 << 20

  /// The parameters with every parametric duration tabulated to `simulationAgeCap`.
  func forSimulation() -> InferenceParameters {
    var copy = self
    copy.online = online.tabulated(cap: Self.simulationAgeCap)
    copy.offline = offline.tabulated(cap: Self.simulationAgeCap)
    copy.think = think.tabulated(cap: Self.simulationAgeCap)
    copy.patience = patience.tabulated(cap: Self.simulationAgeCap)
    return copy
  }
}

extension DurationModel {
  /// `truncated(cap:)` in O(cap) evaluations of log S (one per age).
  func tabulated(cap: Int) -> DurationModel {
    if self.cap != nil { return self }
    var hazards = [Double](repeating: 1, count: cap + 1)
    var previous = logSurvival(0)
    for age in 0...cap {
      let next = logSurvival(Double(age + 1))
      hazards[age] = previous == -.infinity ? 1 : min(1, max(0, -expm1(next - previous)))
      previous = next
    }
    return .table(hazards)
  }
}

/// Student t quantiles for confidence intervals.
enum StudentT {
  /// t_{ν, 0.975}.
  static func quantile975(degrees: Int) -> Double {
    quantile(upperTail: 0.025, degrees: degrees)
  }

  /// t with P(T_ν > t) = `upperTail` ∈ (0, 1/2], by bisection on the exact tail
  /// P(T_ν > t) = ½ I_{ν/(ν+t²)}(ν/2, 1/2) (regularised incomplete beta function).
  static func quantile(upperTail: Double, degrees: Int) -> Double {
    precondition(upperTail > 0 && upperTail <= 0.5 && degrees >= 1)
    let v = Double(degrees)
    func tail(_ t: Double) -> Double { 0.5 * regularizedBeta(v / (v + t * t), v / 2, 0.5) }
    var low = 0.0
    var high = 1.0
    while tail(high) > upperTail, high < 1e12 { high *= 2 }
    for _ in 0..<200 {
      let middle = (low + high) / 2
      if tail(middle) > upperTail { low = middle } else { high = middle }
    }
    return (low + high) / 2
  }

  /// I_x(a, b) by the continued fraction of the incomplete beta function (modified Lentz),
  /// with the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges faster.
  static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    if x > (a + 1) / (a + b + 2) { return 1 - regularizedBeta(1 - x, b, a) }
    let front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)) / a
    let tiny = 1e-300
    var c = 1.0
    var d = 1 - (a + b) * x / (a + 1)
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var result = d
    for m in 1...500 {
      let m = Double(m)
      var numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
      d = 1 + numerator * d
      if abs(d) < tiny { d = tiny }
      c = 1 + numerator / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      result *= d * c
      numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
      d = 1 + numerator * d
      if abs(d) < tiny { d = tiny }
      c = 1 + numerator / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      result *= delta
      if abs(delta - 1) < 1e-15 { break }
    }
    return front * result
  }
}
