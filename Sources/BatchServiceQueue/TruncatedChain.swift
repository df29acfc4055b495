import Foundation
import LinearKernels
import MarkovSolvers

/// The embedded chain at pre-arrival epochs on a finite state space (spec Q3.2, Q2.6,
/// Q2.7; docs/batch-queue.md §4.2): exact for a finite capacity, a certified truncation of
/// the infinite model otherwise, and the only solver of the frozen rule.
///
/// Between arrivals the system is a pure death process along a fixed path (Q2.2). With the
/// uniformised step `P_U = I + Q/Λ` and the mixed-Poisson weights `α_k(Λ)`,
///
/// ```
/// P[i, ·]  = Σ_k α_k(Λ) (e_{arr(i)} P_U^k)                       (pre-arrival kernel)
/// p        = λ Σ_i π_i Σ_k β_k (e_{arr(i)} P_U^k),  β_k = (1 - α_0 - ... - α_k)/Λ   (Q4.1)
/// ```
///
/// Each row is propagated along its own path only. A row stops when its busy mass is below
/// 1e-18 (absorbed) or when the α- and β-tails left are below 1e-16 of their totals; the
/// remaining weight is put on the last vector (Q2.4 item 2). π comes from the core's
/// stationary solver (GTH up to 1500 recurrent states, Gauss–Seidel above).
enum TruncatedChain {
  /// Largest automatic truncation (states) for an infinite model (spec Q3.2.3).
  static let maximumAutomaticStates = 20_000
  /// Largest number of stored kernel entries (bounds memory: two doubles and an index
  /// each).
  static let maximumKernelEntries = 20_000_000
  /// Largest number of path updates of the uniformisation (bounds time).
  static let maximumWork = 4_000_000_000.0
  /// Largest number of uniformisation steps of one row.
  static let maximumSteps = 1 << 22

  /// A state of the death process: system size, completion rate (0 if idle), the state a
  /// completion leads to, and the state an (admitted) arrival leads to.
  struct Layout {
    var size: [Int] = []
    var rate: [Double] = []
    var successor: [Int] = []
    var arrival: [Int] = []
    var count: Int { size.count }
  }

  /// The states of Q2.6 (switch rule: `0...N`) or Q2.7 (frozen rule: `(n, 0)`, `n < L`, and
  /// `(n, b)`, `L <= b <= min(n, K)`), with capacity `N`.
  static func layout(_ parameters: BatchQueueParameters, level: Int) -> Layout {
    let (minimumBatch, maximumBatch) = (parameters.minimumBatch, parameters.maximumBatch)
    var layout = Layout()
    switch parameters.rateRule {
    case .switch:
      for n in 0...level {
        layout.size.append(n)
        let busy = n >= minimumBatch
        layout.rate.append(busy ? parameters.serviceRate(batchSize: min(n, maximumBatch)) : 0)
        layout.successor.append(busy ? max(n - maximumBatch, 0) : n)
        layout.arrival.append(min(n + 1, level))
      }
    case .frozen:
      // Index of (n, b): idle n for n < L; busy states row by row in n, b = L...min(n, K).
      var firstBusy = [Int](repeating: 0, count: level + 1)
      var next = minimumBatch
      for n in minimumBatch...level {
        firstBusy[n] = next
        next += min(n, maximumBatch) - minimumBatch + 1
      }
      func index(_ n: Int, _ b: Int) -> Int { b == 0 ? n : firstBusy[n] + b - minimumBatch }
      func afterCompletion(_ n: Int) -> Int {
        let queue = max(n - maximumBatch, 0)
        return queue >= minimumBatch ? index(queue, min(queue, maximumBatch)) : index(queue, 0)
      }
      for n in 0..<minimumBatch {
        layout.size.append(n)
        layout.rate.append(0)
        layout.successor.append(n)
        layout.arrival.append(
          n + 1 < minimumBatch ? index(n + 1, 0) : index(minimumBatch, minimumBatch))
      }
      for n in minimumBatch...level {
        for b in minimumBatch...min(n, maximumBatch) {
          layout.size.append(n)
          layout.rate.append(parameters.serviceRate(batchSize: b))
          layout.successor.append(afterCompletion(n))
          layout.arrival.append(n < level ? index(n + 1, b) : index(n, b))
        }
      }
    }
    return layout
  }

  /// The tail decay rate η of Q2.7: σ for the switch rule,
  /// `max(σ, max_{L <= b < K} A*(μ_b))` for the frozen rule.
  static func tailDecay(_ parameters: BatchQueueParameters, sigma: Double) -> Double {
    guard parameters.rateRule == .frozen else { return sigma }
    let startRates = (parameters.minimumBatch..<parameters.maximumBatch).map {
      parameters.arrivals.transform(parameters.serviceRate(batchSize: $0))
    }
    return max(sigma, startRates.max() ?? 0)
  }

  /// Solves the finite chain: capacity `N_cap` if given, else the automatic level
  /// `2K + ceil(ln(1e-17)/ln η)` of Q3.2.3 (or `level` if given).
  /// - Throws: `ParameterError` if η > 1 - 1e-12 or the automatic level exceeds 20000
  ///   states, or the kernel would exceed the memory or work bound (the message says which).
  /// - Complexity: O(Σ_rows steps × path length) for the kernel, plus GTH O(S³) up to 1500
  ///   states or Gauss–Seidel sweeps of O(kernel entries) above.
  static func solve(_ parameters: BatchQueueParameters, level requestedLevel: Int? = nil)
    throws(ParameterError) -> BatchQueueSolution
  {
    let maximumBatch = parameters.maximumBatch
    var sigma: Double?
    var decay: Double?
    let level: Int
    if let capacity = parameters.capacity {
      level = capacity
    } else {
      let (root, _) = try RootsMethod.sigma(parameters)
      sigma = root
      let eta = tailDecay(parameters, sigma: root)
      decay = eta
      if let requestedLevel {
        guard requestedLevel >= maximumBatch, requestedLevel <= BatchQueueParameters.maximumCapacity
        else {
          throw .outOfRange(
            "truncation level", requestedLevel,
            valid: "an integer with K = \(maximumBatch) <= level <= "
              + "\(BatchQueueParameters.maximumCapacity)")
        }
        level = requestedLevel
      } else {
        guard eta <= 1 - 1e-12 else {
          throw .inconsistent(
            name: "tail decay eta", value: formatParameterValue(eta),
            reason: "above 1 - 1e-12: the truncated solver cannot reach a 1e-17 tail; use the "
              + "roots method or give a truncation level")
        }
        let automatic = 2 * Double(maximumBatch) + (log(1e-17) / log(eta)).rounded(.up)
        let states = automaticStateCount(parameters, level: automatic)
        guard states <= Double(maximumAutomaticStates) else {
          throw .inconsistent(
            name: "truncation level", value: formatParameterValue(automatic),
            reason: "the automatic level needs \(formatParameterValue(states)) states, more than "
              + "\(maximumAutomaticStates); use the roots method or give a truncation level")
        }
        level = Int(automatic)
      }
    }
    let layout = layout(parameters, level: level)
    let kernels = try Kernels(parameters: parameters, layout: layout)
    let chain: DiscreteTimeMarkovChain
    let stationary: StationaryDistribution
    do {
      chain = try DiscreteTimeMarkovChain(transitions: kernels.preArrival)
      stationary = try chain.stationaryDistribution()
    } catch {
      throw .inconsistent(
        name: "truncated chain", value: "\(layout.count) states", reason: "\(error)")
    }
    let lambda = parameters.arrivalRate
    var stateTime = [Double](repeating: 0, count: layout.count)
    for (state, weight) in stationary.probabilities.enumerated() where weight > 0 {
      for entry in kernels.timeRowStart[state]..<kernels.timeRowStart[state + 1] {
        stateTime[kernels.timeColumn[entry]] += lambda * weight * kernels.timeValue[entry]
      }
    }
    var pi = [Double](repeating: 0, count: level + 1)
    var p = [Double](repeating: 0, count: level + 1)
    var flows = [Double](repeating: 0, count: level + 1)
    for state in 0..<layout.count {
      let n = layout.size[state]
      pi[n] += stationary.probabilities[state]
      p[n] += stateTime[state]
      flows[n] += layout.rate[state] * stateTime[state]
    }
    var checks = MethodChecks(stationaryResidual: stationary.residual)
    if parameters.capacity == nil, let decay {
      let excess = pow(decay, Double(level - maximumBatch + 2)) / (1 - decay)
      if parameters.rateRule == .switch {
        checks.truncationBound = excess
      } else {
        checks.truncationTailEstimate = excess
      }
    }
    return BatchQueueSolution(
      parameters: parameters, method: .truncated, sigma: sigma,
      preArrival: SystemSizeDistribution(head: pi), arbitrary: SystemSizeDistribution(head: p),
      flows: .listed(flows), methodChecks: checks,
      solverConverged: stationary.status == .converged, iterations: kernels.largestStepCount,
      stateCount: layout.count)
  }

  /// The number of states at level `N` (as a double, so that huge levels do not overflow).
  static func automaticStateCount(_ parameters: BatchQueueParameters, level: Double) -> Double {
    guard parameters.rateRule == .frozen else { return level + 1 }
    let (low, high) = (Double(parameters.minimumBatch), Double(parameters.maximumBatch))
    return level * (high - low + 1) + low
  }

  /// The pre-arrival kernel (as a sparse stochastic matrix) and the time kernel
  /// `∫ Abar(t) exp(Qt) dt` (rows of `arr(i)`), built row by row along the death paths.
  struct Kernels {
    let preArrival: CSRMatrix
    let timeRowStart: [Int]
    let timeColumn: [Int]
    let timeValue: [Double]
    let largestStepCount: Int

    init(parameters: BatchQueueParameters, layout: Layout) throws(ParameterError) {
      let rate = parameters.uniformizationRate
      let lambda = parameters.arrivalRate
      var entries = 0
      var paths: [[Int]] = []
      paths.reserveCapacity(layout.count)
      for state in 0..<layout.count {
        var path = [layout.arrival[state]]
        while let last = path.last, layout.rate[last] > 0 { path.append(layout.successor[last]) }
        entries += path.count
        guard entries <= maximumKernelEntries else {
          throw .inconsistent(
            name: "truncated chain", value: "\(layout.count) states",
            reason: "its kernels would hold more than \(maximumKernelEntries) entries; lower the "
              + "capacity (or truncation level) or raise K")
        }
        paths.append(path)
      }
      var weights = UniformizationWeights(
        arrivals: parameters.arrivals, rate: rate, count: 512)
      var builder = COOBuilder(
        rowCount: layout.count, columnCount: layout.count, reservingCapacity: entries)
      var timeRowStart = [0]
      var timeColumn: [Int] = []
      var timeValue: [Double] = []
      timeColumn.reserveCapacity(entries)
      timeValue.reserveCapacity(entries)
      var work = 0.0
      var largestStepCount = 0
      for (state, path) in paths.enumerated() {
        let steps = path.map { layout.rate[$0] / rate }
        var vector = [Double](repeating: 0, count: path.count)
        var preArrival = [Double](repeating: 0, count: path.count)
        var time = [Double](repeating: 0, count: path.count)
        vector[0] = 1
        var alphaSum = 0.0
        var betaSum = 0.0
        var k = 0
        while true {
          if k >= weights.alpha.count {
            guard weights.alpha.count < maximumSteps else {
              throw .inconsistent(
                name: "truncated chain", value: "\(layout.count) states",
                reason: "a row needs more than \(maximumSteps) uniformisation steps (rates "
                  + "differ too much); use the roots method")
            }
            weights = UniformizationWeights(
              arrivals: parameters.arrivals, rate: rate, count: 4 * weights.alpha.count)
          }
          let front = min(k, path.count - 1)
          let (alpha, beta) = (weights.alpha[k], weights.beta[k])
          var busy = 0.0
          for j in 0...front {
            preArrival[j] += alpha * vector[j]
            time[j] += beta * vector[j]
            if j < path.count - 1 { busy += vector[j] }
          }
          alphaSum += alpha
          betaSum += beta
          let alphaLeft = max(0, 1 - alphaSum)
          let betaLeft = max(0, 1 / lambda - betaSum)
          work += Double(front + 1)
          if busy < 1e-18 || (alphaLeft <= 1e-16 && betaLeft <= 1e-16 / lambda) {
            for j in 0...front {
              preArrival[j] += alphaLeft * vector[j]
              time[j] += betaLeft * vector[j]
            }
            break
          }
          guard work <= maximumWork else {
            throw .inconsistent(
              name: "truncated chain", value: "\(layout.count) states",
              reason: "the uniformisation would need more than "
                + "\(formatParameterValue(maximumWork)) path updates; lower the capacity")
          }
          // One step of P_U along the path: mass moves from j to j+1 with probability d_j.
          var j = min(k + 1, path.count - 1)
          while j >= 1 {
            vector[j] = vector[j] * (1 - steps[j]) + vector[j - 1] * steps[j - 1]
            j -= 1
          }
          vector[0] *= 1 - steps[0]
          k += 1
        }
        largestStepCount = max(largestStepCount, k + 1)
        for (position, target) in path.enumerated() {
          builder.append(row: state, column: target, value: preArrival[position])
          timeColumn.append(target)
          timeValue.append(time[position])
        }
        timeRowStart.append(timeColumn.count)
      }
      preArrival = builder.build()
      self.timeRowStart = timeRowStart
      self.timeColumn = timeColumn
      self.timeValue = timeValue
      self.largestStepCount = largestStepCount
    }
  }

  /// `α_k(Λ)` and `β_k = (1 - α_0 - ... - α_k)/Λ` for `k < count`.
  struct UniformizationWeights {
    let alpha: [Double]
    let beta: [Double]

    init(arrivals: InterarrivalDistribution, rate: Double, count: Int) {
      alpha = arrivals.mixedPoissonProbabilities(rate: rate, count: count)
      var cumulative = 0.0
      beta = alpha.map { value in
        cumulative += value
        return max(0, 1 - cumulative) / rate
      }
    }
  }
}
