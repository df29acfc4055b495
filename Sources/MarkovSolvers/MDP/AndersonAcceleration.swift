import LinearKernels

/// Anderson acceleration (type II; Walker & Ni 2011) of a fixed-point iteration
/// `x ← G(x)`, used on value iteration's symmetric Gauss–Seidel map.
///
/// With residuals `f_k = G(x_k) − x_k` and the differences of the last `m` steps
/// `ΔF = [f_{i+1} − f_i]`, `ΔG = [G(x_{i+1}) − G(x_i)]`:
///
/// ```
/// θ = argmin ‖f_k − ΔF θ‖₂      (normal equations, m × m, Tikhonov 1e-12 · max diag)
/// x_{k+1} = G(x_k) − ΔG θ
/// ```
///
/// It extrapolates along the slowest error modes of the (locally linear) map; nothing in
/// it is needed for correctness, since value iteration certifies every result with
/// MacQueen–Porteus bounds, and `reset()` drops the history when a certification shows no
/// progress. Deterministic: fixed summation order.
/// - Complexity: O(m · n) time per step for the dot products and the update; memory
///   `2m + 2` vectors of n doubles.
struct AndersonMixer {
  let memory: Int
  /// Ring of the last `count` differences; slot `(newest − j) mod memory` is j steps old.
  private var differencesF: [[Double]] = []
  private var differencesG: [[Double]] = []
  private var newest = -1
  private var count = 0
  private var previousF: [Double] = []
  private var previousG: [Double] = []
  private var hasPrevious = false

  init(memory: Int) {
    precondition(memory >= 1, "Anderson memory \(memory) must be >= 1")
    self.memory = memory
  }

  /// Forget the history (the next step is a plain `x ← G(x)`).
  mutating func reset() {
    count = 0
    hasPrevious = false
  }

  /// Replaces `x` (the iterate `x_k`) by `x_{k+1}`, given `image = G(x_k)`.
  mutating func step(_ x: inout [Double], image g: [Double]) {
    let n = x.count
    // (Also on the first step, when the history is not yet allocated, even for n = 0.)
    if differencesF.isEmpty || previousF.count != n {
      previousF = [Double](repeating: 0, count: n)
      previousG = previousF
      differencesF = [[Double]](repeating: previousF, count: memory)
      differencesG = differencesF
      count = 0
      hasPrevious = false
    }
    if hasPrevious {
      newest = (newest + 1) % memory
      count = min(count + 1, memory)
    }
    let record = hasPrevious
    let slot = max(newest, 0)
    // One pass: f = g − x, the newest differences, and the new "previous" vectors.
    x.withUnsafeBufferPointer { x in
      g.withUnsafeBufferPointer { g in
        previousF.withUnsafeMutableBufferPointer { pf in
          previousG.withUnsafeMutableBufferPointer { pg in
            differencesF[slot].withUnsafeMutableBufferPointer { df in
              differencesG[slot].withUnsafeMutableBufferPointer { dg in
                for i in 0..<n {
                  let f = g[i] - x[i]
                  if record {
                    df[i] = f - pf[i]
                    dg[i] = g[i] - pg[i]
                  }
                  pf[i] = f
                  pg[i] = g[i]
                }
              }
            }
          }
        }
      }
    }
    hasPrevious = true
    guard let theta = leastSquares() else {
      x = g
      return
    }
    let slots = (0..<count).map { (newest - $0 + memory) % memory }
    for (index, (weight, slot)) in zip(theta, slots).enumerated() {
      differencesG[slot].withUnsafeBufferPointer { dg in
        x.withUnsafeMutableBufferPointer { x in
          if index == 0 {
            g.withUnsafeBufferPointer { g in for i in 0..<n { x[i] = g[i] - weight * dg[i] } }
          } else {
            for i in 0..<n { x[i] -= weight * dg[i] }
          }
        }
      }
    }
  }

  /// θ of `min ‖f − ΔF θ‖₂` (f = the newest residual), or nil without history or for a
  /// singular system.
  private func leastSquares() -> [Double]? {
    guard count > 0 else { return nil }
    let slots = (0..<count).map { (newest - $0 + memory) % memory }
    var gram = Matrix(rowCount: count, columnCount: count)
    var right = [Double](repeating: 0, count: count)
    for a in 0..<count {
      for b in a..<count {
        let product = dot(differencesF[slots[a]], differencesF[slots[b]])
        gram[a, b] = product
        gram[b, a] = product
      }
      right[a] = dot(differencesF[slots[a]], previousF)
    }
    let largest = (0..<count).map { gram[$0, $0] }.max() ?? 0
    guard largest > 0 else { return nil }
    for a in 0..<count { gram[a, a] += 1e-12 * largest }
    return try? LAPACK.solve(gram, right)
  }

  private func dot(_ a: [Double], _ b: [Double]) -> Double {
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
      }
    }
  }
}
