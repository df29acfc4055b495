import BatchServiceQueue
import Foundation
import LinearKernels
import MarkovSolvers

/// Parameters from CLI-style text (law, rates), validated by the library.
func batchParameters(
  law: String, rate lambda: Double = 1, minimumBatch: Int, maximumBatch: Int,
  rates: String = "linear:1,0.5", capacity: Int? = nil, rule: RateRule = .switch
) throws -> BatchQueueParameters {
  try BatchQueueParameters(
    arrivals: InterarrivalDistribution(law: InterarrivalLaw(parsing: law), arrivalRate: lambda),
    minimumBatch: minimumBatch, maximumBatch: maximumBatch,
    serviceRates: BatchQueueParameters.serviceRates(parsing: rates, maximumBatch: maximumBatch),
    capacity: capacity, rateRule: rule)
}

/// The stationary law of the Poisson-arrival system as a CTMC, written directly from the
/// model description of spec Q0.2/Q7.5 (not from the solver's code), and solved by the
/// core's GTH: arrivals at rate λ (lost at `capacity`), completions at rate `μ_{min(n,K)}`
/// (switch) or `μ_b` (frozen, `b` the size at the batch's start) from `n >= L` to
/// `max(n - K, 0)`, where the next batch starts if at least L wait.
/// - Returns: `P(N = n)`, `n = 0...capacity`.
func poissonCTMC(
  lambda: Double, minimumBatch: Int, maximumBatch: Int, rates: [Double], capacity: Int,
  rule: RateRule
) throws -> [Double] {
  // State (n, b): b = 0 idle, else the batch's start size (switch rule: b unused, kept at
  // min(n, K) so each n has one busy state).
  var states: [(n: Int, b: Int)] = []
  var index: [Int: Int] = [:]
  func key(_ n: Int, _ b: Int) -> Int { n * (maximumBatch + 1) + b }
  func add(_ n: Int, _ b: Int) {
    index[key(n, b)] = states.count
    states.append((n, b))
  }
  for n in 0...capacity {
    if n < minimumBatch {
      add(n, 0)
    } else if rule == .switch {
      add(n, min(n, maximumBatch))
    } else {
      for b in minimumBatch...min(n, maximumBatch) { add(n, b) }
    }
  }
  func afterCompletion(_ n: Int) -> Int {
    let left = max(n - maximumBatch, 0)
    if left < minimumBatch { return index[key(left, 0)]! }
    return index[key(left, min(left, maximumBatch))]!
  }
  var builder = COOBuilder(rowCount: states.count, columnCount: states.count)
  for (i, state) in states.enumerated() {
    if state.n < capacity {
      let target: Int
      if state.b == 0 {
        target =
          state.n + 1 < minimumBatch
          ? index[key(state.n + 1, 0)]! : index[key(minimumBatch, minimumBatch)]!
      } else if rule == .switch {
        target = index[key(state.n + 1, min(state.n + 1, maximumBatch))]!
      } else {
        target = index[key(state.n + 1, state.b)]!
      }
      builder.append(row: i, column: target, value: lambda)
    }
    if state.b > 0 {
      let rate = rule == .switch ? rates[min(state.n, maximumBatch) - 1] : rates[state.b - 1]
      builder.append(row: i, column: afterCompletion(state.n), value: rate)
    }
  }
  let chain = try ContinuousTimeMarkovChain(rates: builder.build())
  let stationary = try chain.stationaryDistribution(method: .gth)
  var marginal = [Double](repeating: 0, count: capacity + 1)
  for (i, state) in states.enumerated() { marginal[state.n] += stationary.probabilities[i] }
  return marginal
}

/// The first `count` terms of a distribution.
func terms(_ distribution: SystemSizeDistribution, _ count: Int) -> [Double] {
  (0..<count).map { distribution.probability($0) }
}

/// Root in (0, 1) of a function positive at `low` and negative at `high`, by bisection.
func bisect(_ f: (Double) -> Double, low: Double = 0, high: Double) -> Double {
  var (low, high) = (low, high)
  for _ in 0..<200 {
    let middle = (low + high) / 2
    if middle <= low || middle >= high { break }
    if f(middle) > 0 { low = middle } else { high = middle }
  }
  return (low + high) / 2
}
