import Foundation
import MarkovSolvers

/// Settings of the event-driven simulation (spec Q8.3).
public struct BatchQueueSimulationSettings: Sendable, Equatable {
  /// Bounds that keep the work bounded (spec Q9: at least 2 replications and 1000 arrivals).
  public static let replicationRange = 2...10_000
  public static let arrivalRange = 1_000...100_000_000
  public static let maximumTotalArrivals = 2_000_000_000

  /// Independent replications R (seeds `(seed, r)`).
  public let replications: Int
  /// Counted arrivals per replication (after the warm-up).
  public let arrivals: Int
  /// Warm-up arrivals per replication, discarded (default: a tenth of `arrivals`).
  public let warmupArrivals: Int
  public let seed: UInt64
  /// Two-sided confidence level of the Student-t intervals.
  public let confidence: Double

  /// - Throws: `ParameterError` for replications outside 2...10000, arrivals outside
  ///   1000...10^8, more than 2·10^9 arrivals in all, or a confidence outside (0, 1).
  public init(
    replications: Int = 20, arrivals: Int = 200_000, warmupArrivals: Int? = nil, seed: UInt64 = 1,
    confidence: Double = 0.95
  ) throws(ParameterError) {
    guard Self.replicationRange.contains(replications) else {
      throw .outOfRange(
        "replications", replications,
        valid:
          "an integer in \(Self.replicationRange.lowerBound)...\(Self.replicationRange.upperBound)")
    }
    guard Self.arrivalRange.contains(arrivals) else {
      throw .outOfRange(
        "arrivals per replication", arrivals,
        valid: "an integer in \(Self.arrivalRange.lowerBound)...\(Self.arrivalRange.upperBound)")
    }
    let warmup = warmupArrivals ?? arrivals / 10
    guard warmup >= 0, warmup <= arrivals else {
      throw .outOfRange("warm-up arrivals", warmup, valid: "an integer in 0...\(arrivals)")
    }
    guard replications * (arrivals + warmup) <= Self.maximumTotalArrivals else {
      throw .inconsistent(
        name: "replications x arrivals", value: "\(replications) x \(arrivals + warmup)",
        reason: "more than \(Self.maximumTotalArrivals) simulated arrivals in all")
    }
    guard confidence > 0, confidence < 1 else {
      throw .outOfRange("confidence", confidence, valid: "in (0, 1)")
    }
    self.replications = replications
    self.arrivals = arrivals
    self.warmupArrivals = warmup
    self.seed = seed
    self.confidence = confidence
  }
}

/// A mean over replications with its two-sided Student-t confidence interval
/// `mean ± t_{(1+c)/2, R-1} s/√R`.
public struct SimulationEstimate: Sendable, Equatable {
  public let mean: Double
  public let halfWidth: Double

  init(samples: [Double], confidence: Double) {
    let count = Double(samples.count)
    let average = samples.reduce(0, +) / count
    mean = average
    let variance = samples.reduce(0) { $0 + ($1 - average) * ($1 - average) } / (count - 1)
    halfWidth =
      SpecialFunctions.studentQuantile(confidence: confidence, degreesOfFreedom: samples.count - 1)
      * (variance / count).squareRoot()
  }

  /// Whether `value` lies in `[mean - halfWidth, mean + halfWidth]`, widened by 1e-12 of
  /// the mean for round-off (a quantity without variance has half-width 0).
  public func contains(_ value: Double) -> Bool {
    abs(value - mean) <= halfWidth + 1e-12 * abs(mean)
  }
}

/// Simulated estimates of the measures of spec Q5 (time averages over `[t_warm, t_end]`,
/// per-task waiting and sojourn times, pre-arrival frequencies over counted arrivals).
public struct BatchQueueSimulationResult: Sendable, Equatable {
  public let settings: BatchQueueSimulationSettings
  public let idleProbability: SimulationEstimate
  public let meanInSystem: SimulationEstimate
  public let meanQueue: SimulationEstimate
  public let meanWithServer: SimulationEstimate
  /// Measured per task, not by Little's law.
  public let meanSojourn: SimulationEstimate
  /// Measured per task (time until the task enters service).
  public let meanWait: SimulationEstimate
  public let meanServedBatch: SimulationEstimate
  public let arrivalJoinsBatch: SimulationEstimate
  public let blockingProbability: SimulationEstimate
  public let throughput: SimulationEstimate

  /// The estimates by the names of `BatchQueueMeasures`, in a stable order.
  public var named: [(name: String, estimate: SimulationEstimate)] {
    [
      ("idleProbability", idleProbability), ("meanInSystem", meanInSystem),
      ("meanQueue", meanQueue), ("meanWithServer", meanWithServer),
      ("meanSojourn", meanSojourn), ("meanWait", meanWait), ("meanServedBatch", meanServedBatch),
      ("arrivalJoinsBatch", arrivalJoinsBatch), ("blockingProbability", blockingProbability),
      ("throughput", throughput),
    ]
  }
}

/// Event-driven simulation of the queue (spec Q8.3, docs/batch-queue.md §7): exponential completion clocks are
/// redrawn after every event (exact by memorylessness; this implements both rate rules),
/// tasks are tracked one by one (FIFO) for their waiting and sojourn times.
/// Replication `r` has its own generator derived from `(seed, r)`
/// (`replicationGenerator(seed:replication:)`), so results do not depend on how the
/// replications are scheduled.
public enum BatchQueueSimulator {
  /// - Parameter progress: called after each replication with (done, total).
  /// - Complexity: O(R · arrivals) events.
  public static func run(
    _ parameters: BatchQueueParameters, settings: BatchQueueSimulationSettings,
    progress: (Int, Int) -> Void = { _, _ in }
  ) -> BatchQueueSimulationResult {
    var samples = [[Double]](repeating: [], count: 10)
    for replication in 0..<settings.replications {
      var generator = replicationGenerator(seed: settings.seed, replication: replication)
      let values = simulateOnce(parameters, settings: settings, generator: &generator)
      for (index, value) in values.enumerated() { samples[index].append(value) }
      progress(replication + 1, settings.replications)
    }
    let estimates = samples.map { SimulationEstimate(samples: $0, confidence: settings.confidence) }
    return BatchQueueSimulationResult(
      settings: settings, idleProbability: estimates[0], meanInSystem: estimates[1],
      meanQueue: estimates[2], meanWithServer: estimates[3], meanSojourn: estimates[4],
      meanWait: estimates[5], meanServedBatch: estimates[6], arrivalJoinsBatch: estimates[7],
      blockingProbability: estimates[8], throughput: estimates[9])
  }

  /// The generator of replication `r`: SplitMix64 started at the state
  /// `mix(mix(seed) + r)` (`mix` = one SplitMix64 output), a pseudo-random point of the
  /// 2^64 cycle, so that the streams of different replications do not overlap (seeds that
  /// differ by a multiple of the SplitMix increment would give shifted copies of one stream).
  static func replicationGenerator(seed: UInt64, replication: Int) -> SplitMix64 {
    var base = SplitMix64(seed: seed)
    var start = SplitMix64(seed: base.next() &+ UInt64(replication))
    return SplitMix64(seed: start.next())
  }

  /// One replication; returns the ten estimates in the order of `BatchQueueSimulationResult`.
  static func simulateOnce(
    _ parameters: BatchQueueParameters, settings: BatchQueueSimulationSettings,
    generator: inout SplitMix64
  ) -> [Double] {
    let (minimumBatch, maximumBatch) = (parameters.minimumBatch, parameters.maximumBatch)
    let capacity = parameters.capacity ?? Int.max
    var waiting: [Double] = []  // arrival times, FIFO from `waitingHead`
    var waitingHead = 0
    var inService: [Double] = []
    var startSize = 0
    var now = 0.0
    var nextArrival = parameters.arrivals.sample(using: &generator)
    var arrivalsSeen = 0
    let totalArrivals = settings.warmupArrivals + settings.arrivals
    var warmupTime = 0.0
    var counting = settings.warmupArrivals == 0
    // Time integrals over the counted period.
    var idleTime = 0.0
    var systemArea = 0.0
    var queueArea = 0.0
    var serverArea = 0.0
    // Per-event counters over the counted period.
    var joins = 0.0
    var blocked = 0.0
    var admitted = 0.0
    var waitSum = 0.0
    var waitCount = 0.0
    var sojournSum = 0.0
    var sojournCount = 0.0
    var servedSum = 0.0
    var batches = 0.0

    func startBatchIfQuorum() {
      let queued = waiting.count - waitingHead
      guard inService.isEmpty, queued >= minimumBatch else { return }
      let size = min(queued, maximumBatch)
      for arrival in waiting[waitingHead..<(waitingHead + size)] {
        if arrival > warmupTime, counting {
          waitSum += now - arrival
          waitCount += 1
        }
        inService.append(arrival)
      }
      waitingHead += size
      startSize = size
      if waitingHead > 4096, waitingHead * 2 > waiting.count {
        waiting.removeFirst(waitingHead)
        waitingHead = 0
      }
    }

    while arrivalsSeen < totalArrivals {
      let content = inService.count
      let rate =
        content == 0
        ? 0
        : parameters.serviceRate(
          batchSize: parameters.rateRule == .switch ? content : startSize)
      let completion =
        rate > 0 ? now - log(InterarrivalDistribution.openUnit(&generator)) / rate : .infinity
      let next = min(completion, nextArrival)
      if counting {
        let elapsed = next - now
        let queued = Double(waiting.count - waitingHead)
        if content == 0 { idleTime += elapsed }
        systemArea += elapsed * (queued + Double(content))
        queueArea += elapsed * queued
        serverArea += elapsed * Double(content)
      }
      now = next
      if nextArrival <= completion {
        arrivalsSeen += 1
        let inSystem = waiting.count - waitingHead + content
        if inSystem >= capacity {
          if counting { blocked += 1 }
        } else {
          if counting { admitted += 1 }
          if content > 0, content < maximumBatch {
            inService.append(now)
            if counting {
              joins += 1
              waitCount += 1
            }
          } else {
            waiting.append(now)
            startBatchIfQuorum()
          }
        }
        nextArrival = now + parameters.arrivals.sample(using: &generator)
        // The counted period starts at the last warm-up arrival: it then holds exactly the
        // counted arrivals' gaps.
        if !counting, arrivalsSeen == settings.warmupArrivals {
          counting = true
          warmupTime = now
        }
      } else {
        if counting {
          servedSum += Double(content)
          batches += 1
          for arrival in inService where arrival > warmupTime {
            sojournSum += now - arrival
            sojournCount += 1
          }
        }
        inService.removeAll(keepingCapacity: true)
        startBatchIfQuorum()
      }
    }
    let duration = now - warmupTime
    let arrivals = Double(settings.arrivals)
    return [
      idleTime / duration, systemArea / duration, queueArea / duration, serverArea / duration,
      sojournSum / max(sojournCount, 1), waitSum / max(waitCount, 1),
      servedSum / max(batches, 1), joins / arrivals, blocked / arrivals, admitted / duration,
    ]
  }
}
