import Foundation
import MarkovSolvers
import Synchronization

/// The discounted Bellman operator of the service-mode model computed matrix-free from the
/// state coordinates, for value iteration on large grids.
///
/// It is the operator of `ServiceModeModel.discountedMDP` (the same rows; Gauss–Seidel and
/// the greedy policy sum them in the same order), but stores nothing per state:
///
/// ```
/// W(y) = |y| + γ [ p_dep V(dep y) + stay(y) V(y) + p_l2 1{yl=1, y2<B2} V(y + 2)
///                  + p_λ 1{yb<B} V(y + 4(B2+1)) ]
/// V(x) = min_{y ∈ R(x)} W(y)
/// ```
///
/// with `dep y = y − 4` (SM2 cloud departure, `p_dep = μ_c2/ν`) when `y2 >= 1`, else
/// `y − 1` (SM1 departure, `μ_c1/ν`) when `y1 = 1`. The Gauss–Seidel sweep solves each
/// state's idle candidate exactly (its only self-loop), `V(x) = min( (|x| + γ Σ_{e≠stay})
/// / (1 − γ stay(x)), min_{y ≠ x} W(y) )`, and alternates forward and backward sweeps
/// (symmetric Gauss–Seidel), which about halves the sweeps of a one-way order here.
///
/// Memory: nothing beyond the caller's value vectors (8 bytes per state each).
/// Docs: docs/service-modes.md §S3.4, §S4.1.
/// - Complexity: O(states) per sweep, at most 4 candidates of at most 5 transitions each.
public struct ServiceModeGridOperator: BellmanOperator {
  public let stateSpace: ServiceModeStateSpace
  public let discountFactor: Double
  private let arrival: Double
  private let sm1Departure: Double
  private let sm2Departure: Double
  private let localCompletion: Double

  /// The operator of a compiled model (same rates, ν and γ).
  public init(_ model: ServiceModeModel) {
    self.init(
      parameters: model.parameters, stateSpace: model.stateSpace, rate: model.uniformizationRate,
      discountFactor: model.discountFactor)
  }

  /// The operator without compiling a sparse model (for grids too large to store one).
  /// - Throws: `ParameterError` exactly when `ServiceModeModel.init` would.
  public init(
    parameters: ServiceModeParameters, bufferLimit: Int, cloudBufferLimit: Int? = nil,
    uniformization: UniformizationConvention = .sum, discount: Discount = .discrete(0.99)
  ) throws(ParameterError) {
    let (space, nu, gamma, _) = try ServiceModeModel.resolve(
      parameters, bufferLimit, cloudBufferLimit, uniformization, discount)
    self.init(parameters: parameters, stateSpace: space, rate: nu, discountFactor: gamma)
  }

  private init(
    parameters: ServiceModeParameters, stateSpace: ServiceModeStateSpace, rate nu: Double,
    discountFactor: Double
  ) {
    self.stateSpace = stateSpace
    self.discountFactor = discountFactor
    arrival = parameters.arrivalRate / nu
    sm1Departure = parameters.sm1CloudRate / nu
    sm2Departure = parameters.sm2CloudRate / nu
    localCompletion = parameters.sm2LocalRate / nu
  }

  public var stateCount: Int { stateSpace.stateCount }

  /// Threads of a Gauss–Seidel sweep (1 or 2 are used); results do not depend on it.
  public var threads = 1

  /// The smallest level (states per base length, `4(B2+1)`) worth a second thread: below
  /// it the per-level barrier costs more than it saves (measured: B = 100 and 200 ran
  /// slower on two threads, B = 400 1.5 times faster).
  public static let parallelLevelSize = 1024

  /// The threads a sweep really uses: 2 when asked for and the grid has at least 8 levels
  /// of at least `parallelLevelSize` states, else 1.
  public var sweepThreads: Int {
    threads >= 2 && stateSpace.bufferLimit + 1 >= 8
      && stateSpace.baseStride >= Self.parallelLevelSize ? 2 : 1
  }

  /// The terms of row y: `W(y) = |y| + γ (departure + stay·V(y) + local + arrival)`.
  /// `stay` is computed as in `ServiceModeModel.compile`, so the rows are identical.
  @inline(__always)
  private func rowTerms(
    _ v: UnsafeMutablePointer<Double>, row y: Int, base yb: Int, local yl: Int, sm1 y1: Int,
    sm2Queue y2: Int
  ) -> (departure: Double, stay: Double, local: Double, arrival: Double) {
    var moving = 0.0
    var departure = 0.0
    if y2 >= 1 {
      moving = sm2Departure
      departure = sm2Departure * v[y - 4]
    } else if y1 == 1 {
      moving = sm1Departure
      departure = sm1Departure * v[y - 1]
    }
    var local = 0.0
    var arrival = 0.0
    if yl == 1 && y2 < stateSpace.cloudBufferLimit {
      moving += localCompletion
      local = localCompletion * v[y + 2]
    }
    if yb < stateSpace.bufferLimit {
      moving += self.arrival
      arrival = self.arrival * v[y + stateSpace.baseStride]
    }
    return (departure, Swift.max(0, 1 - moving), local, arrival)
  }

  /// `W(y)`, summed in the CSR row's column order (departure, stay, local, arrival).
  @inline(__always)
  private func rowValue(
    _ v: UnsafeMutablePointer<Double>, row y: Int, base yb: Int, local yl: Int, sm1 y1: Int,
    sm2Queue y2: Int
  ) -> Double {
    let t = rowTerms(v, row: y, base: yb, local: yl, sm1: y1, sm2Queue: y2)
    var sum = t.departure
    if t.stay > 0 { sum += t.stay * v[y] }
    return Double(yb + yl + y1 + y2) + discountFactor * (sum + t.local + t.arrival)
  }

  /// `min_{y ∈ R(x), y ≠ x} W(y)` (the assignment candidates; +∞ if there are none).
  @inline(__always)
  private func bestAssignment(
    _ v: UnsafeMutablePointer<Double>, state x: Int, base xb: Int, local xl: Int, sm1 x1: Int,
    sm2Queue x2: Int
  ) -> Double {
    let step = stateSpace.baseStride
    var best = Double.infinity
    if xb >= 1 && x1 == 0 {
      best = Swift.min(
        best, rowValue(v, row: x + 1 - step, base: xb - 1, local: xl, sm1: 1, sm2Queue: x2))
    }
    if xb >= 1 && xl == 0 {
      best = Swift.min(
        best, rowValue(v, row: x + 2 - step, base: xb - 1, local: 1, sm1: x1, sm2Queue: x2))
    }
    if xb >= 2 && x1 == 0 && xl == 0 {
      best = Swift.min(
        best, rowValue(v, row: x + 3 - 2 * step, base: xb - 2, local: 1, sm1: 1, sm2Queue: x2))
    }
    return best
  }

  /// Calls `body(x, xb, xl, x1, x2)` for every state of base level `xb` in index order,
  /// or in reverse.
  @inline(__always)
  private func forEachState(
    onLevel xb: Int, reversed: Bool,
    _ body: (_ x: Int, _ xb: Int, _ xl: Int, _ x1: Int, _ x2: Int) -> Void
  ) {
    let b2 = stateSpace.cloudBufferLimit
    let level = xb * stateSpace.baseStride
    if reversed {
      for x2 in stride(from: b2, through: 0, by: -1) {
        let line = level + 4 * x2
        body(line + 3, xb, 1, 1, x2)
        body(line + 2, xb, 1, 0, x2)
        body(line + 1, xb, 0, 1, x2)
        body(line, xb, 0, 0, x2)
      }
    } else {
      for x2 in 0...b2 {
        let line = level + 4 * x2
        body(line, xb, 0, 0, x2)
        body(line + 1, xb, 0, 1, x2)
        body(line + 2, xb, 1, 0, x2)
        body(line + 3, xb, 1, 1, x2)
      }
    }
  }

  /// Calls `body(x, xb, xl, x1, x2)` for every state in index order, or in reverse.
  @inline(__always)
  private func forEachState(
    reversed: Bool, _ body: (_ x: Int, _ xb: Int, _ xl: Int, _ x1: Int, _ x2: Int) -> Void
  ) {
    let b = stateSpace.bufferLimit
    for xb in 0...b { forEachState(onLevel: reversed ? b - xb : xb, reversed: reversed, body) }
  }

  /// `E(y) = W(y) − V(y)` in difference form, `|y| − (1 − γ) V(y) + γ Σ_j p_j (V(j) − V(y))`
  /// over the moves j of row y (the stay probability, the exact complement `1 − Σ_j p_j`,
  /// drops out), and the magnitude `|y| + (1 − γ)|V(y)| + γ Σ_j p_j |V(j) − V(y)|` that
  /// bounds its round-off: a few ulps of that, not of `V(y)` itself.
  @inline(__always)
  private func rowExcess(
    _ v: UnsafeMutablePointer<Double>, row y: Int, base yb: Int, local yl: Int, sm1 y1: Int,
    sm2Queue y2: Int
  ) -> (excess: Double, magnitude: Double) {
    let own = v[y]
    var moves = 0.0
    var spread = 0.0
    if y2 >= 1 {
      moves = sm2Departure * (v[y - 4] - own)
      spread = abs(moves)
    } else if y1 == 1 {
      moves = sm1Departure * (v[y - 1] - own)
      spread = abs(moves)
    }
    if yl == 1 && y2 < stateSpace.cloudBufferLimit {
      let term = localCompletion * (v[y + 2] - own)
      moves += term
      spread += abs(term)
    }
    if yb < stateSpace.bufferLimit {
      let term = arrival * (v[y + stateSpace.baseStride] - own)
      moves += term
      spread += abs(term)
    }
    let cost = Double(yb + yl + y1 + y2)
    let decay = (1 - discountFactor) * own
    return (cost - decay + discountFactor * moves, cost + abs(decay) + discountFactor * spread)
  }

  /// The Jacobi step in difference form, so that its certificate does not degrade with the
  /// size of the values (at B = 1000, ‖V‖∞ ≈ 1e5 would put a row-sum round-off of 8 ε ‖V‖∞
  /// at about 2e-8 after the 1/(1 − γ) of the bound):
  ///
  /// ```
  /// d(x) = min_{y ∈ R(x)} [ E(y) + (V(y) − V(x)) ],   next(x) = V(x) + d(x)
  /// ```
  ///
  /// The reported round-off is `δ = 8 ε (max_y magnitude(y) + max_{x, y∈R(x)} |V(y) − V(x)|)`
  /// (see `rowExcess`). It certifies the model whose stay probabilities are the exact
  /// complements of the moves; `next` equals the sparse model's `T V` to within δ plus a
  /// few ulps of the values.
  /// - Complexity: O(states); reads each row once and each state's candidates once.
  public func apply(_ values: [Double], into next: inout [Double]) -> JacobiStep {
    precondition(values.count == stateCount && next.count == stateCount, "vector length")
    var values = values
    var lower = Double.infinity
    var upper = -Double.infinity
    var sawNaN = false
    var magnitude = 0.0
    var jump = 0.0
    var scale = 0.0
    let step = stateSpace.baseStride
    values.withUnsafeMutableBufferPointer { old in
      next.withUnsafeMutableBufferPointer { w in
        let v = old.baseAddress!
        let out = w.baseAddress!
        // Pass 1: E(y) for every row. Pass 2, descending: d(x) = min over R(x), whose
        // assignment rows have lower indices and still hold E.
        forEachState(reversed: false) { y, yb, yl, y1, y2 in
          let row = rowExcess(v, row: y, base: yb, local: yl, sm1: y1, sm2Queue: y2)
          out[y] = row.excess
          magnitude = Swift.max(magnitude, row.magnitude)
        }
        forEachState(reversed: true) { x, xb, xl, x1, x2 in
          let own = v[x]
          var change = out[x]
          func consider(_ y: Int) {
            let rise = v[y] - own
            change = Swift.min(change, out[y] + rise)
            jump = Swift.max(jump, abs(rise))
          }
          if xb >= 1 && x1 == 0 { consider(x + 1 - step) }
          if xb >= 1 && xl == 0 { consider(x + 2 - step) }
          if xb >= 2 && x1 == 0 && xl == 0 { consider(x + 3 - 2 * step) }
          out[x] = own + change
          scale = Swift.max(scale, abs(own), abs(out[x]))
          // `min`/`max` would silently skip a NaN.
          if change < lower { lower = change }
          if change > upper { upper = change }
          if change.isNaN { sawNaN = true }
        }
      }
    }
    if sawNaN || magnitude.isNaN || jump.isNaN {
      return JacobiStep(lower: .nan, upper: .nan, roundOff: .nan, scale: .nan)
    }
    return JacobiStep(
      lower: lower, upper: upper, roundOff: 8 * Double.ulpOfOne * (magnitude + jump),
      scale: scale)
  }

  /// Odd sweeps run forward, even sweeps backward, over base levels in a fixed
  /// interleaved order: step j relaxes level j of the lower half `0..<h` and then level
  /// `h + j` of the upper half (`h = ⌈(B+1)/2⌉`; mirrored backward). Levels of one step are
  /// at least 3 apart and a state reads only levels `xb − 2 ... xb + 1`, so with
  /// `threads >= 2` (and levels of at least `parallelLevelSize` states) the two halves run
  /// on two threads in lockstep (one barrier per step) and compute exactly the sequential
  /// result.
  /// - Complexity: O(states), up to 4 row evaluations per state.
  public func gaussSeidelSweep(_ values: inout [Double], sweep: Int) {
    precondition(values.count == stateCount, "vector length")
    let reversed = sweep % 2 == 0
    let levels = stateSpace.bufferLimit + 1
    let half = (levels + 1) / 2
    let lowerLevel: @Sendable (Int) -> Int = { step in reversed ? half - 1 - step : step }
    let upperLevel: @Sendable (Int) -> Int? = { step in
      let level = reversed ? levels - 1 - step : half + step
      return level >= half && level < levels ? level : nil
    }
    values.withUnsafeMutableBufferPointer { buffer in
      let v = SharedValues(base: buffer.baseAddress!)
      if sweepThreads < 2 {
        for step in 0..<half {
          relax(v.base, level: lowerLevel(step), reversed: reversed)
          if let level = upperLevel(step) { relax(v.base, level: level, reversed: reversed) }
        }
        return
      }
      let barrier = SpinBarrier()
      let finished = DispatchSemaphore(value: 0)
      let worker = Thread { [self] in
        for step in 0..<half {
          if let level = upperLevel(step) { relax(v.base, level: level, reversed: reversed) }
          barrier.wait()
        }
        finished.signal()
      }
      worker.start()
      for step in 0..<half {
        relax(v.base, level: lowerLevel(step), reversed: reversed)
        barrier.wait()
      }
      finished.wait()
    }
  }

  /// Gauss–Seidel update of every state of one base level, in place.
  @inline(__always)
  private func relax(_ v: UnsafeMutablePointer<Double>, level: Int, reversed: Bool) {
    let gamma = discountFactor
    forEachState(onLevel: level, reversed: reversed) { x, xb, xl, x1, x2 in
      let t = rowTerms(v, row: x, base: xb, local: xl, sm1: x1, sm2Queue: x2)
      let idle =
        (Double(xb + xl + x1 + x2) + gamma * (t.departure + t.local + t.arrival))
        / (1 - gamma * t.stay)
      v[x] = Swift.min(
        idle, bestAssignment(v, state: x, base: xb, local: xl, sm1: x1, sm2Queue: x2))
    }
  }

  /// - Complexity: O(states).
  public func greedyPolicy(_ values: [Double], tieRule: TieRule, errorBound: Double)
    -> (policy: [Int], tieTolerance: Double)
  {
    precondition(values.count == stateCount, "vector length")
    var values = values
    var rowValues = [Double](repeating: 0, count: stateCount)
    var scale = 0.0
    values.withUnsafeMutableBufferPointer { old in
      rowValues.withUnsafeMutableBufferPointer { w in
        forEachState(reversed: false) { y, yb, yl, y1, y2 in
          w[y] = rowValue(old.baseAddress!, row: y, base: yb, local: yl, sm1: y1, sm2Queue: y2)
          scale = Swift.max(scale, abs(w[y]))
        }
      }
    }
    let tieTolerance = tieRule.tolerance(errorBound: errorBound, scale: scale)
    let step = stateSpace.baseStride
    var policy = [Int](repeating: 0, count: stateCount)
    forEachState(reversed: false) { x, xb, xl, x1, x2 in
      // Candidate rows in action order (idle, SM1, SM2, SM1+SM2); -1 where inadmissible.
      let rows = (
        x, xb >= 1 && x1 == 0 ? x + 1 - step : -1, xb >= 1 && xl == 0 ? x + 2 - step : -1,
        xb >= 2 && x1 == 0 && xl == 0 ? x + 3 - 2 * step : -1
      )
      var best = rowValues[rows.0]
      if rows.1 >= 0 { best = Swift.min(best, rowValues[rows.1]) }
      if rows.2 >= 0 { best = Swift.min(best, rowValues[rows.2]) }
      if rows.3 >= 0 { best = Swift.min(best, rowValues[rows.3]) }
      // The first admissible action within the tie tolerance; its position in the state's
      // candidate list counts admissible actions only.
      var position = 0
      for action in 0..<4 {
        let row = action == 0 ? rows.0 : action == 1 ? rows.1 : action == 2 ? rows.2 : rows.3
        guard row >= 0 else { continue }
        if rowValues[row] <= best + tieTolerance { break }
        position += 1
      }
      policy[x] = position
    }
    return (policy, tieTolerance)
  }
}

/// The value vector's base address, shared by the two halves of a sweep, which write
/// disjoint levels and read nothing the other half writes in the same step.
private struct SharedValues: @unchecked Sendable {
  let base: UnsafeMutablePointer<Double>
}

/// A reusable barrier for two threads that spins (yielding after a while): a sweep step
/// lasts microseconds, far shorter than a sleep and wake-up.
private final class SpinBarrier: Sendable {
  private let arrived = Atomic<Int>(0)
  private let generation = Atomic<Int>(0)

  func wait() {
    let current = generation.load(ordering: .acquiring)
    if arrived.add(1, ordering: .acquiringAndReleasing).newValue == 2 {
      arrived.store(0, ordering: .relaxed)
      generation.add(1, ordering: .releasing)
      return
    }
    var spins = 0
    while generation.load(ordering: .acquiring) == current {
      spins += 1
      if spins > 1000 { sched_yield() }
    }
  }
}
