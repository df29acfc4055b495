#if canImport(Glibc)
  import Glibc
#endif

/// GMRES (Saad & Schultz 1986) right-preconditioned, without restart, for a system whose
/// preconditioner is an exact inverse of a nearby matrix.
public enum GMRES {
  /// Solves `B x = b` given the product with B and an approximate inverse M⁻¹ (e.g. the LU
  /// factors of a matrix A that differs from B in a few rows): `B M⁻¹ y = b`, `x = M⁻¹ y`.
  /// When M⁻¹ = A⁻¹ and B − A has rank m, B A⁻¹ = I + rank m, so GMRES ends in at most
  /// m + 1 steps in exact arithmetic; each step costs one preconditioner application and one
  /// product with B instead of a new factorisation.
  ///
  /// Stopping rule: the true residual `‖b − B x‖∞ <= tolerance`, checked on the returned
  /// x. Returns nil when `maxSteps` steps do not reach it, or as soon as the geometric rate
  /// observed so far predicts they will not (so that the caller factors B instead), or when
  /// the preconditioner fails (returns nil).
  /// - Parameters:
  ///   - multiply: `v ↦ B v` (n entries in and out).
  ///   - preconditioner: `v ↦ M⁻¹ v`, or nil on failure.
  /// - Complexity: O(steps · (cost of M⁻¹ + cost of B) + steps² · n).
  public static func solve(
    _ b: [Double], multiply: ([Double]) -> [Double],
    preconditioner: ([Double]) -> [Double]?, tolerance: Double, maxSteps: Int
  ) -> SparseSolution? {
    precondition(maxSteps >= 1 && tolerance > 0)
    let n = b.count
    func norm2(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    func residual(_ x: [Double]) -> [Double] {
      let product = multiply(x)
      return (0..<n).map { b[$0] - product[$0] }
    }
    func supNorm(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
    guard let x = preconditioner(b) else { return nil }
    let r = residual(x)
    let startNorm = supNorm(r)
    if startNorm <= tolerance { return SparseSolution(values: x, residual: startNorm) }
    let beta = norm2(r)
    guard beta > 0, beta.isFinite else { return nil }
    var basis: [[Double]] = [r.map { $0 / beta }]
    var hessenberg: [[Double]] = []  // column j has j + 2 entries
    var cosines: [Double] = []
    var sines: [Double] = []
    var rotated = [beta]
    for step in 0..<min(maxSteps, n) {
      guard let z = preconditioner(basis[step]) else { return nil }
      var w = multiply(z)
      var column = [Double](repeating: 0, count: step + 2)
      for i in 0...step {  // modified Gram–Schmidt
        var dot = 0.0
        for k in 0..<n { dot += w[k] * basis[i][k] }
        column[i] = dot
        for k in 0..<n { w[k] -= dot * basis[i][k] }
      }
      let wNorm = norm2(w)
      column[step + 1] = wNorm
      for i in 0..<step {  // earlier rotations
        let (a, c) = (column[i], column[i + 1])
        column[i] = cosines[i] * a + sines[i] * c
        column[i + 1] = -sines[i] * a + cosines[i] * c
      }
      let radius = (column[step] * column[step] + column[step + 1] * column[step + 1])
        .squareRoot()
      guard radius > 0 else { return nil }
      cosines.append(column[step] / radius)
      sines.append(column[step + 1] / radius)
      column[step] = radius
      column[step + 1] = 0
      rotated.append(-sines[step] * rotated[step])
      rotated[step] *= cosines[step]
      hessenberg.append(column)
      let estimate = abs(rotated[step + 1])
      // Give up early when the observed rate cannot reach the tolerance within maxSteps.
      let rate = pow(estimate / beta, 1 / Double(step + 1))
      let needed = rate < 1 ? log(tolerance / estimate) / log(rate) : .infinity
      if estimate > tolerance && Double(step + 1) + needed > Double(maxSteps) { return nil }
      basis.append(w.map { $0 / max(wNorm, .leastNormalMagnitude) })
      // The estimate is of the 2-norm, which bounds the sup norm; confirm on the true one.
      guard estimate <= tolerance || step + 1 == min(maxSteps, n) else { continue }
      var y = [Double](repeating: 0, count: step + 1)
      for i in stride(from: step, through: 0, by: -1) {
        var sum = rotated[i]
        for j in stride(from: i + 1, through: step, by: 1) { sum -= hessenberg[j][i] * y[j] }
        y[i] = sum / hessenberg[i][i]
      }
      var correction = [Double](repeating: 0, count: n)
      for i in 0...step { for k in 0..<n { correction[k] += y[i] * basis[i][k] } }
      guard let update = preconditioner(correction) else { return nil }
      let candidate = (0..<n).map { x[$0] + update[$0] }
      let candidateNorm = supNorm(residual(candidate))
      if candidateNorm <= tolerance {
        return SparseSolution(values: candidate, residual: candidateNorm)
      }
    }
    return nil
  }
}
