import LinearKernels

/// The inner loops every solver shares, written over unsafe buffers.
enum BellmanKernels {
  /// `W(y) = c(y) + γ Σ P(y, x') V(x')` for every row y (one fused sparse product).
  /// - Complexity: O(transitions).
  static func rowValues(
    _ process: DecisionProcess, discount: Double, values: [Double], into rowValues: inout [Double]
  ) {
    let p = process.transitions
    p.rowStart.withUnsafeBufferPointer { start in
      p.columnIndex.withUnsafeBufferPointer { column in
        p.values.withUnsafeBufferPointer { probability in
          process.costs.withUnsafeBufferPointer { cost in
            values.withUnsafeBufferPointer { v in
              rowValues.withUnsafeMutableBufferPointer { w in
                var row = 0
                let rows = p.rowCount
                while row < rows {
                  var k = start[row]
                  let end = start[row + 1]
                  var sum = 0.0
                  while k < end {
                    sum += probability[k] * v[Int(column[k])]
                    k += 1
                  }
                  w[row] = cost[row] + discount * sum
                  row += 1
                }
              }
            }
          }
        }
      }
    }
  }

  /// `V(x) = min over candidates y of x of W(y)`; returns (min, max) of `V − previous` and
  /// `scale = max(‖previous‖∞, ‖V‖∞)` (for the round-off allowance, without two more
  /// passes); `(0, 0, 0)` without states, and all NaN if any difference is NaN (an
  /// overflowed or NaN iterate), so that no bound computed from them can pass a stopping
  /// test.
  static func minimize(
    _ process: DecisionProcess, rowValues: [Double], previous: [Double],
    into values: inout [Double]
  ) -> (lower: Double, upper: Double, scale: Double) {
    if process.stateCount == 0 { return (0, 0, 0) }
    var lower = Double.infinity
    var upper = -Double.infinity
    var scale = 0.0
    var sawNaN = false
    process.candidateStart.withUnsafeBufferPointer { start in
      process.candidateRows.withUnsafeBufferPointer { candidate in
        rowValues.withUnsafeBufferPointer { w in
          previous.withUnsafeBufferPointer { old in
            values.withUnsafeMutableBufferPointer { v in
              var state = 0
              let states = process.stateCount
              while state < states {
                var k = start[state]
                let end = start[state + 1]
                var best = w[Int(candidate[k])]
                k += 1
                while k < end {
                  best = min(best, w[Int(candidate[k])])
                  k += 1
                }
                let change = best - old[state]
                // `min`/`max` would silently skip a NaN.
                if change < lower { lower = change }
                if change > upper { upper = change }
                if change.isNaN { sawNaN = true }
                scale = max(scale, abs(old[state]), abs(best))
                v[state] = best
                state += 1
              }
            }
          }
        }
      }
    }
    return sawNaN ? (.nan, .nan, .nan) : (lower, upper, scale)
  }

  /// The greedy policy on row values: the lowest action index whose value is within
  /// `tieTolerance` of the state's minimum.
  static func greedyPolicy(_ process: DecisionProcess, rowValues w: [Double], tieTolerance: Double)
    -> [Int]
  {
    var policy = [Int](repeating: 0, count: process.stateCount)
    for state in 0..<process.stateCount {
      let range = process.candidateStart[state]..<process.candidateStart[state + 1]
      var best = Double.infinity
      for k in range { best = min(best, w[Int(process.candidateRows[k])]) }
      for k in range where w[Int(process.candidateRows[k])] <= best + tieTolerance {
        policy[state] = k - range.lowerBound
        break
      }
    }
    return policy
  }

  /// One policy-improvement step: each state switches to a candidate whose row value is
  /// below the current one by more than `guardBand` (the lowest such index, then any lower
  /// by more than the band again), so that tied actions never make policy iteration cycle.
  /// Returns whether any state switched.
  /// - Complexity: O(candidates).
  static func improve(
    _ process: DecisionProcess, rowValues: [Double], guardBand: Double, policy: inout [Int]
  ) -> Bool {
    var changed = false
    for state in 0..<process.stateCount {
      let start = process.candidateStart[state]
      var best = rowValues[Int(process.candidateRows[start + policy[state]])]
      var bestAction = policy[state]
      for k in start..<process.candidateStart[state + 1] {
        let value = rowValues[Int(process.candidateRows[k])]
        if value < best - guardBand {
          best = value
          bestAction = k - start
        }
      }
      if bestAction != policy[state] {
        policy[state] = bestAction
        changed = true
      }
    }
    return changed
  }

  /// One in-place Gauss–Seidel sweep of the Bellman operator restricted to `rows` (one
  /// selected row per state) or, when `rows` is nil, minimised over all candidates.
  ///
  /// Each state's own equation is solved exactly (diagonal elimination): a candidate y of
  /// state x contributes `(c(y) + γ Σ_{x'≠x} P(y,x') V(x')) / (1 − γ P(y,x))`, and the
  /// minimum of these per-candidate fixed points is the fixed point of the minimum (every
  /// candidate map is affine in V(x) with slope γP(y,x) < 1). The sweep stays a
  /// γ-contraction in the sup norm. Returns `max |V_new − V_old|`.
  ///
  /// For the average criterion (γ = 1) every cost is shifted by `costOffset` (−g, so that
  /// relative values have a fixed point) and a candidate that stays put with probability 1
  /// keeps the Jacobi form `c(y) + offset + V(x)`. `backward` sweeps states in decreasing
  /// index order.
  static func gaussSeidelSweep(
    _ process: DecisionProcess, discount: Double, values: inout [Double], rows selected: [Int32]?,
    costOffset: Double = 0, backward: Bool = false
  ) -> Double {
    var largestChange = 0.0
    let p = process.transitions
    p.rowStart.withUnsafeBufferPointer { start in
      p.columnIndex.withUnsafeBufferPointer { column in
        p.values.withUnsafeBufferPointer { probability in
          process.costs.withUnsafeBufferPointer { cost in
            process.candidateStart.withUnsafeBufferPointer { candidateStart in
              process.candidateRows.withUnsafeBufferPointer { candidate in
                values.withUnsafeMutableBufferPointer { v in
                  func fixedPoint(_ row: Int, state: Int) -> Double {
                    var k = start[row]
                    let end = start[row + 1]
                    var sum = 0.0
                    var diagonal = 0.0
                    while k < end {
                      let target = Int(column[k])
                      if target == state {
                        diagonal = probability[k]
                      } else {
                        sum += probability[k] * v[target]
                      }
                      k += 1
                    }
                    let stay = 1 - discount * diagonal
                    let shifted = cost[row] + costOffset + discount * sum
                    return stay > 0 ? shifted / stay : shifted + diagonal * v[state]
                  }
                  let states = process.stateCount
                  for position in 0..<states {
                    let state = backward ? states - 1 - position : position
                    var best: Double
                    if let selected {
                      best = fixedPoint(Int(selected[state]), state: state)
                    } else {
                      var k = candidateStart[state]
                      let end = candidateStart[state + 1]
                      best = fixedPoint(Int(candidate[k]), state: state)
                      k += 1
                      while k < end {
                        best = min(best, fixedPoint(Int(candidate[k]), state: state))
                        k += 1
                      }
                    }
                    largestChange = max(largestChange, abs(best - v[state]))
                    v[state] = best
                  }
                }
              }
            }
          }
        }
      }
    }
    return largestChange
  }

  /// `V(x) = c(π(x)) + γ Σ P(π(x), x') V(x')` (one Jacobi step of a fixed policy).
  static func policyStep(
    _ process: DecisionProcess, discount: Double, rows selected: [Int32], values: [Double],
    into next: inout [Double]
  ) {
    let p = process.transitions
    for state in 0..<process.stateCount {
      let row = Int(selected[state])
      var sum = 0.0
      for k in p.rowStart[row]..<p.rowStart[row + 1] {
        sum += p.values[k] * values[Int(p.columnIndex[k])]
      }
      next[state] = process.costs[row] + discount * sum
    }
  }

  /// `max |v|` (0 for no entries), NaN if any entry is NaN.
  static func supNorm(_ values: [Double]) -> Double {
    var norm = 0.0
    for value in values {
      if value.isNaN { return .nan }
      norm = max(norm, abs(value))
    }
    return norm
  }

  /// The round-off δ of computing `T V` and `T V − V` row by row at values of sup norm
  /// `scale`: `δ = 8 ε max(1, scale)` per entry (ε = 2⁻⁵²; a fused row product and the cost
  /// addition of rows with a few successors, and the subtraction). NaN for a NaN scale and
  /// ∞ for an infinite one, so that an overflowed iterate never passes a stopping test.
  static func roundOff(scale: Double) -> Double {
    if scale.isNaN { return .nan }
    return 8 * Double.ulpOfOne * max(1, scale)
  }

  /// Whether an iteration whose bound is `contraction + roundOff` has reached its
  /// floating-point floor without meeting `tolerance` (status `.roundOffLimited`). The
  /// contraction part `γ/(1 − γ)·span(d)/2` is noise once it is at most
  /// `roundOff + γ/(1 − γ)·ε·iterateScale`: the round-off of computing d, plus the span of d
  /// that storing V in doubles alone causes (V rounded to half an ulp per entry moves each
  /// `d(x)` by up to `(1 + γ)·ε/2·‖V‖∞`). It gives up only if the tolerance also misses twice
  /// that noise rescaled from the iterate's scale to the solution's (a MacQueen–Porteus
  /// bracket may be narrow while the iterate is still far larger than its midpoint;
  /// iterating on brings the round-off down to that scale), so a tolerance of at least twice
  /// the floor is always met, never given up on.
  static func isAtRoundOffFloor(
    contraction: Double, roundOff: Double, discount: Double, iterateScale: Double,
    solutionScale: Double, tolerance: Tolerance
  ) -> Bool {
    let noise = contractionNoise(roundOff: roundOff, discount: discount, iterateScale: iterateScale)
    guard noise.isFinite, contraction <= noise else { return false }
    let floorAtSolution = noise * max(1, solutionScale) / max(1, iterateScale)
    return !tolerance.isMet(by: 2 * floorAtSolution, scale: solutionScale)
  }

  /// The level `roundOff + γ/(1 − γ)·ε·iterateScale` below which the contraction part of a
  /// MacQueen–Porteus bound is round-off noise (see `isAtRoundOffFloor`); a bound is at its
  /// floating-point floor when it is about `roundOff` plus this.
  static func contractionNoise(roundOff: Double, discount: Double, iterateScale: Double)
    -> Double
  {
    roundOff + discount / (1 - discount) * Double.ulpOfOne * iterateScale
  }

  /// The round-off allowance of a contraction certificate: a per-entry error δ of `T V`
  /// (`roundOff(scale:)`) is carried into the bound by a γ-contraction as `δ / (1 − γ)`.
  static func roundOffBound(scale: Double, discount: Double) -> Double {
    roundOff(scale: scale) / (1 - discount)
  }
}
