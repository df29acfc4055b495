import Foundation
import LinearKernels
import ServiceModeOffloading
import TestSupport

// Two independent implementations of the truncated system's dynamics, written from the
// event table of docs/service-modes.md §S2.2 without the model's compiled matrices: an exact CTMC
// built by breadth-first search with a dense solve (docs/service-modes.md §S7.4), and a job-level
// discrete-event simulation (docs/service-modes.md §S7.3).

/// The events enabled in post-decision state y: (rate, successor), blocked events omitted.
func enabledEvents(
  _ y: ServiceModeState, _ p: ServiceModeParameters, bufferLimit b: Int, cloudBufferLimit b2: Int
) -> [(rate: Double, target: ServiceModeState)] {
  var events: [(Double, ServiceModeState)] = []
  if y.baseQueue < b {
    var next = y
    next.baseQueue += 1
    events.append((p.arrivalRate, next))
  }
  if y.cloudSM2 >= 1 {
    var next = y
    next.cloudSM2 -= 1
    events.append((p.sm2CloudRate, next))
  } else if y.cloudSM1 == 1 {
    var next = y
    next.cloudSM1 = 0
    events.append((p.sm1CloudRate, next))
  }
  if y.localBusy == 1 && y.cloudSM2 < b2 {
    var next = y
    next.localBusy = 0
    next.cloudSM2 += 1
    events.append((p.sm2LocalRate, next))
  }
  return events
}

/// Applies the policy's decisions until it idles (SM1 before SM2 within one action).
func decide(_ x: ServiceModeState, _ policy: ServiceModePolicy) -> ServiceModeState {
  var state = x
  while policy[state] != .idle { state = state.applying(policy[state]) }
  return state
}

/// The exact long-run figures from a CTMC over post-decision states built with a
/// dictionary and BFS, solved densely: `π Q = 0` with one balance equation replaced by
/// `Σ π = 1`.
func naiveStationaryFigures(
  _ policy: ServiceModePolicy, _ p: ServiceModeParameters
) throws -> (meanJobs: Double, blocking: Double, meanDelay: Double, sm2Share: Double, states: Int) {
  let (b, b2) = (policy.stateSpace.bufferLimit, policy.stateSpace.cloudBufferLimit)
  let start = decide(ServiceModeState(baseQueue: 0, localBusy: 0, cloudSM1: 0, cloudSM2: 0), policy)
  var number: [ServiceModeState: Int] = [start: 0]
  var states = [start]
  var edges: [(from: Int, to: Int, rate: Double)] = []
  var head = 0
  while head < states.count {
    let y = states[head]
    for (rate, target) in enabledEvents(y, p, bufferLimit: b, cloudBufferLimit: b2) {
      let next = decide(target, policy)
      if number[next] == nil {
        number[next] = states.count
        states.append(next)
      }
      edges.append((head, number[next]!, rate))
    }
    head += 1
  }
  let n = states.count
  // Rows of Qᵀ: (Qᵀ π)_j = Σ_i π_i Q_ij = 0; the last row becomes Σ π = 1.
  var system = Matrix(rowCount: n, columnCount: n)
  for (from, to, rate) in edges where from != to {
    system[to, from] += rate
    system[from, from] -= rate
  }
  for j in 0..<n { system[n - 1, j] = 1 }
  var rhs = [Double](repeating: 0, count: n)
  rhs[n - 1] = 1
  let pi = try LAPACK.solve(system, rhs)
  var jobs = 0.0
  var blocking = 0.0
  var sm2 = 0.0
  for (i, y) in states.enumerated() {
    jobs += pi[i] * Double(y.jobCount)
    if y.baseQueue == b { blocking += pi[i] }
    if y.localBusy == 1 && y.cloudSM2 < b2 { sm2 += pi[i] * p.sm2LocalRate }
  }
  let admitted = p.arrivalRate * (1 - blocking)
  return (jobs, blocking, jobs / admitted, sm2 / admitted, n)
}

/// A job-level continuous-time simulation of the truncated system: FIFO base and SM2
/// cloud queues, SM2 jobs served at the cloud before the SM1 job (preemptive), arrivals
/// lost at xb = B, local completions blocked at x2 = B2, decisions applied after every
/// event. Sojourn times are measured per admitted job, after a 10 % warm-up, and averaged
/// in 20 batches.
struct JobLevelSimulation {
  var parameters: ServiceModeParameters
  var policy: ServiceModePolicy

  struct Output {
    var batchMeans: [Double]
    var arrivals: Int
    var lost: Int
  }

  func run(seed: UInt64, departures target: Int, batches: Int = 20) -> Output {
    var generator = SeededGenerator(seed: seed)
    let p = parameters
    let (b, b2) = (policy.stateSpace.bufferLimit, policy.stateSpace.cloudBufferLimit)
    var now = 0.0
    var base: [Double] = []  // arrival times, FIFO from baseHead
    var baseHead = 0
    var local: Double?
    var sm1: Double?
    var cloudQueue: [Double] = []
    var cloudHead = 0
    var sojourns: [Double] = []
    var arrivals = 0
    var lost = 0
    sojourns.reserveCapacity(target)
    while sojourns.count < target {
      while true {
        let x = ServiceModeState(
          baseQueue: base.count - baseHead, localBusy: local == nil ? 0 : 1,
          cloudSM1: sm1 == nil ? 0 : 1, cloudSM2: cloudQueue.count - cloudHead)
        let action = policy[x]
        if action == .idle { break }
        if action.usesSM1 {
          sm1 = base[baseHead]
          baseHead += 1
        }
        if action.usesSM2 {
          local = base[baseHead]
          baseHead += 1
        }
      }
      let cloudLength = cloudQueue.count - cloudHead
      let cloudRate = cloudLength > 0 ? p.sm2CloudRate : (sm1 != nil ? p.sm1CloudRate : 0)
      let localRate = local != nil && cloudLength < b2 ? p.sm2LocalRate : 0
      let total = p.arrivalRate + cloudRate + localRate
      now += -log(1 - Double.random(in: 0..<1, using: &generator)) / total
      let u = Double.random(in: 0..<1, using: &generator) * total
      if u < p.arrivalRate {
        arrivals += 1
        if base.count - baseHead == b { lost += 1 } else { base.append(now) }
      } else if u < p.arrivalRate + cloudRate {
        if cloudLength > 0 {
          sojourns.append(now - cloudQueue[cloudHead])
          cloudHead += 1
        } else {
          sojourns.append(now - sm1!)
          sm1 = nil
        }
      } else {
        cloudQueue.append(local!)
        local = nil
      }
    }
    let kept = sojourns[(target / 10)...]
    let size = kept.count / batches
    let means = (0..<batches).map { batch in
      kept.dropFirst(batch * size).prefix(size).reduce(0, +) / Double(size)
    }
    return Output(batchMeans: means, arrivals: arrivals, lost: lost)
  }
}

/// The 95 % confidence interval of the mean of `samples` (Student t, Cornish–Fisher
/// expansion of the quantile, accurate to 1e-3 for 30 or more degrees of freedom).
func confidenceInterval95(_ samples: [Double]) -> ClosedRange<Double> {
  let n = Double(samples.count)
  let mean = samples.reduce(0, +) / n
  let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
  let z = 1.959964
  let df = n - 1
  let t = z + (z * z * z + z) / (4 * df) + (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * df * df)
  let half = t * (variance / n).squareRoot()
  return (mean - half)...(mean + half)
}
