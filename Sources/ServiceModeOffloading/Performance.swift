import LinearKernels
import MarkovSolvers

/// Exact long-run figures of one stationary policy on the truncated system.
///
/// ```
/// L = Σ π(y) |y|,   P_block = Σ_{yb = B} π(y),   λ_eff = λ (1 − P_block)
/// T = L / λ_eff                                   (Little's law over admitted jobs)
/// SM2 share = μ_l2 P(yl = 1, y2 < B2) / λ_eff,   SM1 share = μ_c1 P(y1 = 1, y2 = 0) / λ_eff
/// ```
///
/// with π the stationary law of the post-decision chain. Lost jobs never enter and no
/// admitted job is lost, so the two shares sum to 1. When `blockingProbability` is not
/// negligible, T is the truncated system's delay, not the infinite-buffer one.
///
/// A policy can admit no job at all in the long run (it idles with a full base buffer,
/// e.g. the optimum of a small, overloaded truncation, docs/service-modes.md §S2.3): then λ_eff =
/// 0, the queued jobs never leave, T = +∞, both shares are 0 and `warnings` says so.
///
/// Docs: docs/service-modes.md §S7.1.
public struct DelayFigures: Sendable, Equatable {
  /// T, the mean sojourn time of an admitted job.
  public let meanDelay: Double
  /// L, the time-average number of jobs in the system.
  public let meanJobs: Double
  /// `P(xb = B)`, the fraction of arrivals lost.
  public let blockingProbability: Double
  /// λ_eff, the admitted arrival rate.
  public let effectiveArrivalRate: Double
  /// Fraction of admitted jobs served in SM1.
  public let sm1Share: Double
  /// Fraction of admitted jobs served in SM2.
  public let sm2Share: Double
  /// Post-decision states reachable from the empty state (the chain's size).
  public let reachableStates: Int
  /// `‖π M − π‖₁` of the computed distribution.
  public let residual: Double
  /// Whether the stationary solver met its tolerance.
  public let status: SolverStatus
  /// Why a figure is not a finite delay (empty for an ordinary policy).
  public let warnings: [AssumptionWarning]
  /// Bounds on the error of L, P_block and T from the computed stationary law (sparse-LU
  /// method only, nil otherwise; docs/average-cost.md §4).
  public let errorBounds: DelayErrorBounds?
}

/// First-order bounds on the error of the exact delay figures from the stationary solve:
/// `|L̃ − L| <= meanJobs`, `|P̃_block − P_block| <= blockingProbability`, and for
/// T = L / (λ (1 − P_block)) the largest change of T over those two intervals
/// (`meanDelay`; +∞ when the interval of P_block reaches 1, where T is unbounded). Docs:
/// docs/average-cost.md §4.
public struct DelayErrorBounds: Sendable, Equatable {
  public let meanJobs: Double
  public let blockingProbability: Double
  public let meanDelay: Double
}

extension ServiceModeModel {
  /// The exact long-run figures of `policy` (docs/service-modes.md §S7.1).
  ///
  /// The process lives on post-decision states; its uniformized transition matrix is
  /// `M = P R_π` (event, then the policy's immediate assignments), built only on the states
  /// reachable from the empty state and solved for `π M = π, Σ π = 1` by the core
  /// (`method`: by default one sparse LU, whose residual `‖π M − π‖₁` is reported, with
  /// first-order bounds on the errors of L, P_block and T, `errorBounds`;
  /// docs/average-cost.md §4).
  /// - Throws: `ChainError` if the reachable chain has several recurrent classes.
  /// - Complexity: O(states) to build the chain, plus the stationary solve (and, for the
  ///   bounds, two more solves with its factors).
  public func delay(of policy: ServiceModePolicy, method: StationaryMethod = .sparseLU)
    throws(ChainError) -> DelayFigures
  {
    precondition(policy.stateSpace == stateSpace, "the policy belongs to another state space")
    let (chain, states) = postDecisionChain(of: policy)
    let stationary: StationaryDistribution
    var errorBounds: DelayErrorBounds?
    if method == .sparseLU {
      let jobs = states.map { Double(stateSpace.state(at: Int($0)).jobCount) }
      let full = states.map { stateSpace.state(at: Int($0)).baseQueue == stateSpace.bufferLimit }
      let (law, averages) = try chain.longRunAverages(of: [jobs, full.map { $0 ? 1 : 0 }])
      stationary = law
      errorBounds = Self.delayErrorBounds(
        meanJobs: averages[0], blocking: averages[1], arrivalRate: parameters.arrivalRate)
    } else {
      stationary = try chain.stationaryDistribution(method: method)
    }
    var meanJobs = 0.0
    var blocked = 0.0
    var sm1Busy = 0.0
    var sm2Moving = 0.0
    for (position, index) in states.enumerated() {
      let probability = stationary.probabilities[position]
      let y = stateSpace.state(at: Int(index))
      meanJobs += probability * Double(y.jobCount)
      if y.baseQueue == stateSpace.bufferLimit { blocked += probability }
      if y.cloudSM1 == 1 && y.cloudSM2 == 0 { sm1Busy += probability }
      if y.localBusy == 1 && y.cloudSM2 < stateSpace.cloudBufferLimit { sm2Moving += probability }
    }
    let admitted = parameters.arrivalRate * (1 - blocked)
    // P_block = 1 (up to the stationary solver's round-off): every recurrent state has a
    // full base buffer and no job in service (one would leave and free the buffer), so
    // nothing is admitted or served.
    guard blocked < 1 - 1e-12 else {
      let warning = AssumptionWarning(
        assumption: "jobs admitted in the long run",
        detail: "the policy idles with a full base buffer (P_block = 1): no job is admitted, "
          + "the \(formatParameterValue(meanJobs)) queued jobs never leave, so the mean delay "
          + "is infinite and the SM1/SM2 shares are 0",
        reference: "docs/service-modes.md §S2.3, §S7.1")
      return DelayFigures(
        meanDelay: .infinity, meanJobs: meanJobs, blockingProbability: blocked,
        effectiveArrivalRate: 0, sm1Share: 0, sm2Share: 0, reachableStates: states.count,
        residual: stationary.residual, status: stationary.status, warnings: [warning],
        errorBounds: errorBounds)
    }
    return DelayFigures(
      meanDelay: meanJobs / admitted, meanJobs: meanJobs, blockingProbability: blocked,
      effectiveArrivalRate: admitted, sm1Share: parameters.sm1CloudRate * sm1Busy / admitted,
      sm2Share: parameters.sm2LocalRate * sm2Moving / admitted,
      reachableStates: states.count, residual: stationary.residual, status: stationary.status,
      warnings: [], errorBounds: errorBounds)
  }

  /// `DelayErrorBounds` from the averages L and P_block with their bounds: T over the box
  /// `[L ± b_L] × [P_block ± b_B]` is monotone in each coordinate, so its extremes are at
  /// corners.
  static func delayErrorBounds(
    meanJobs: (value: Double, errorBound: Double),
    blocking: (value: Double, errorBound: Double), arrivalRate: Double
  ) -> DelayErrorBounds {
    let delay = { (jobs: Double, blocked: Double) in jobs / (arrivalRate * (1 - blocked)) }
    let center = delay(meanJobs.value, blocking.value)
    let highBlocking = blocking.value + blocking.errorBound
    let worst =
      highBlocking >= 1
      ? Double.infinity
      : max(
        abs(delay(meanJobs.value + meanJobs.errorBound, highBlocking) - center),
        abs(
          center
            - delay(
              max(0, meanJobs.value - meanJobs.errorBound),
              max(0, blocking.value - blocking.errorBound))))
    return DelayErrorBounds(
      meanJobs: meanJobs.errorBound, blockingProbability: blocking.errorBound, meanDelay: worst)
  }

  /// `M = P R_π` on the post-decision states reachable from the empty state, renumbered in
  /// increasing state index, and those states' indices.
  /// - Complexity: O(states).
  func postDecisionChain(of policy: ServiceModePolicy) -> (DiscreteTimeMarkovChain, [Int32]) {
    let n = stateSpace.stateCount
    let p = process.transitions
    let post = policy.postDecisionIndices
    // Depth-first search from R(empty) = empty (no job to assign).
    var position = [Int32](repeating: -1, count: n)
    var stack: [Int32] = [post[0]]
    position[Int(post[0])] = 0
    while let y = stack.popLast() {
      for k in p.rowStart[Int(y)]..<p.rowStart[Int(y) + 1] {
        let next = post[Int(p.columnIndex[k])]
        if position[Int(next)] < 0 {
          position[Int(next)] = 0
          stack.append(next)
        }
      }
    }
    var states: [Int32] = []
    for index in 0..<n where position[index] >= 0 {
      position[index] = Int32(truncatingIfNeeded: states.count)
      states.append(Int32(truncatingIfNeeded: index))
    }
    var rowStart = [0]
    var columns: [Int32] = []
    var values: [Double] = []
    rowStart.reserveCapacity(states.count + 1)
    columns.reserveCapacity(5 * states.count)
    values.reserveCapacity(5 * states.count)
    for y in states {
      // At most 5 successors: insertion-sort them by column and merge duplicates.
      let rowBegin = values.count
      for k in p.rowStart[Int(y)]..<p.rowStart[Int(y) + 1] {
        let column = position[Int(post[Int(p.columnIndex[k])])]
        var slot = values.count
        columns.append(column)
        values.append(p.values[k])
        while slot > rowBegin && columns[slot - 1] >= column {
          if columns[slot - 1] == column {
            values[slot - 1] += values[slot]
            columns.remove(at: slot)
            values.remove(at: slot)
            break
          }
          columns.swapAt(slot - 1, slot)
          values.swapAt(slot - 1, slot)
          slot -= 1
        }
      }
      rowStart.append(values.count)
    }
    let matrix = CSRMatrix(
      rowCount: states.count, columnCount: states.count, rowStart: rowStart,
      columnIndex: columns, values: values)
    do {
      return (try DiscreteTimeMarkovChain(transitions: matrix), states)
    } catch {
      preconditionFailure("the post-decision chain is not stochastic: \(error)")
    }
  }
}
