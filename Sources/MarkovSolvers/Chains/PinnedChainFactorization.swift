import LinearKernels

/// A transition matrix P with one recurrent class, factored once for both of its long-run
/// linear systems by pinning a recurrent state r (docs/average-cost.md §2):
///
/// ```
/// Ã = I − P̃,  P̃ = P without its column r   (taboo matrix: no dense row or column)
/// stationary law:  Ãᵀ x = e_r,  π = x / Σ x            (x = π / π(r))
/// evaluation:      (I − P) h + g 1 = c,  h(r) = 0
///                  ⇔ (Ã + u e_rᵀ) z = c,  u = 1 − e_r,  z = h with g in place of h(r)
///                  z = y − w y(r) / (1 + w(r)),  y = Ã⁻¹ c,  w = Ã⁻¹ u   (Sherman–Morrison)
/// ```
///
/// Ã is nonsingular exactly when r is reached from every state, i.e. when P has one
/// recurrent class and r lies in it; then w(x) is the mean hitting time of r from x ≠ r
/// and `1 + w(r) = 1 / π(r)`. The usual bordered form, `I − P` with column r replaced by
/// ones, has a dense column that costs a sparse LU about three times the time and memory
/// on queueing grids (measured: 4.0 s against 1.3 s for one KLU factorisation of an
/// 81,004-state service-mode chain).
///
/// Each solve is refined once on the system it answers (kept only if the residual drops),
/// and reports that residual.
/// - Complexity: one sparse LU of Ã (about O(n^1.5) on 2-D queueing grids), then
///   O(n + factor entries + nnz) per solve.
public struct PinnedChainFactorization: Sendable {
  /// P.
  public let transitions: CSRMatrix
  /// r, the pinned recurrent state.
  public let reference: Int
  private let factors: SparseLU
  /// `w = Ã⁻¹ u`, the mean hitting times of r (w(r): the mean return time − 1).
  private let hittingTimes: [Double]

  /// Factors Ã for `transitions` pinned at `reference`.
  /// - Precondition: `reference` lies in the only recurrent class of `transitions` (not
  ///   checked here: the caller has found the class; otherwise Ã is singular and the
  ///   factorisation throws `.singular` or the solves are meaningless).
  /// - Throws: `SparseLUError` from the factorisation.
  public init(_ transitions: CSRMatrix, reference: Int) throws(SparseLUError) {
    let n = transitions.rowCount
    precondition(transitions.columnCount == n, "P must be square")
    precondition(reference >= 0 && reference < n, "reference \(reference) outside 0..<\(n)")
    self.transitions = transitions
    self.reference = reference
    factors = try SparseLU(factoring: Self.tabooSystem(transitions, reference: reference))
    var u = [Double](repeating: 1, count: n)
    u[reference] = 0
    hittingTimes = try factors.solve(u).values
  }

  /// Entries of the LU factors (the memory they hold, 16 bytes each).
  public var factorNonzeroCount: Int { factors.factorNonzeroCount }

  /// π with `π P = π`, `Σ π = 1`, and `‖π P − π‖₁`. Round-off can leave entries of a few
  /// ulps below zero on rarely visited states; they are set to 0 before normalising.
  public func stationaryDistribution() throws(SparseLUError) -> (
    probabilities: [Double], residual: Double
  ) {
    let n = transitions.rowCount
    var unit = [Double](repeating: 0, count: n)
    unit[reference] = 1
    var x = try factors.solveTransposed(unit).values
    for j in 0..<n where x[j] < 0 { x[j] = 0 }
    let total = x.reduce(0, +)
    let pi = x.map { $0 / total }
    let next = transitions.transposedMultiply(pi)
    return (pi, zip(next, pi).reduce(0) { $0 + abs($1.0 - $1.1) })
  }

  /// h and g with `(I − P) h + g 1 = c`, `h(r) = 0`, and the residual
  /// `‖c − g 1 − (I − P) h‖∞`.
  /// - Throws: `SparseLUError.nonFiniteEntry` for a non-finite cost.
  public func evaluate(costs: [Double]) throws(SparseLUError) -> (
    bias: [Double], gain: Double, residual: Double
  ) {
    precondition(costs.count == transitions.rowCount, "costs has \(costs.count) entries")
    var z = try applyBorderedInverse(costs)
    var residual = borderedResidual(z, costs)
    var norm = Self.supNorm(residual)
    if norm > 0 {
      let correction = try applyBorderedInverse(residual)
      let refined = zip(z, correction).map { $0 + $1 }
      let refinedResidual = borderedResidual(refined, costs)
      let refinedNorm = Self.supNorm(refinedResidual)
      if refinedNorm < norm { (z, residual, norm) = (refined, refinedResidual, refinedNorm) }
    }
    let gain = z[reference]
    z[reference] = 0
    return (z, gain, norm)
  }

  /// `evaluate(costs:)` of another transition matrix `nearby` (the same states, a few
  /// rows different) by GMRES preconditioned with these factors, to a residual of
  /// `tolerance`; nil when `maxSteps` steps do not reach it (`GMRES.solve`), so that the
  /// caller factors `nearby` instead.
  public func evaluate(
    costs: [Double], nearby: CSRMatrix, tolerance: Double, maxSteps: Int
  ) -> (bias: [Double], gain: Double, residual: Double)? {
    precondition(nearby.rowCount == transitions.rowCount && nearby.columnCount == nearby.rowCount)
    let other = PinnedOperator(transitions: nearby, reference: reference)
    guard
      let solution = GMRES.solve(
        costs, multiply: other.apply, preconditioner: { try? applyBorderedInverse($0) },
        tolerance: tolerance, maxSteps: maxSteps)
    else { return nil }
    var bias = solution.values
    let gain = bias[reference]
    bias[reference] = 0
    return (bias, gain, solution.residual)
  }

  /// `(Ã + u e_rᵀ)⁻¹ v` by Sherman–Morrison on Ã's factors.
  private func applyBorderedInverse(_ v: [Double]) throws(SparseLUError) -> [Double] {
    let y = try factors.applyInverse(v)
    let scale = y[reference] / (1 + hittingTimes[reference])
    return zip(y, hittingTimes).map { $0 - $1 * scale }
  }

  /// `v − (Ã + u e_rᵀ) z`.
  private func borderedResidual(_ z: [Double], _ v: [Double]) -> [Double] {
    let product = PinnedOperator(transitions: transitions, reference: reference).apply(z)
    return zip(v, product).map { $0 - $1 }
  }

  /// Ã = I − P̃ in CSR form (rows of P with column r dropped, plus the identity).
  /// - Complexity: O(n + nnz(P)).
  static func tabooSystem(_ p: CSRMatrix, reference: Int) -> CSRMatrix {
    let n = p.rowCount
    var rowStart = [0]
    var columns: [Int32] = []
    var values: [Double] = []
    rowStart.reserveCapacity(n + 1)
    columns.reserveCapacity(p.nonzeroCount + n)
    values.reserveCapacity(p.nonzeroCount + n)
    for state in 0..<n {
      var diagonalPending = true
      for k in p.rowStart[state]..<p.rowStart[state + 1] {
        let column = Int(p.columnIndex[k])
        if column == reference && state != reference { continue }
        if diagonalPending && column >= state {
          diagonalPending = false
          if column == state {
            columns.append(Int32(column))
            values.append(1 - (column == reference ? 0 : p.values[k]))
            continue
          }
          columns.append(Int32(state))
          values.append(1)
        }
        columns.append(Int32(column))
        values.append(-p.values[k])
      }
      if diagonalPending {
        columns.append(Int32(state))
        values.append(1)
      }
      rowStart.append(values.count)
    }
    return CSRMatrix(
      rowCount: n, columnCount: n, rowStart: rowStart, columnIndex: columns, values: values)
  }

  private static func supNorm(_ v: [Double]) -> Double {
    v.reduce(0) { $1.isNaN ? .nan : max($0, abs($1)) }
  }
}

/// `z ↦ (Ã + u e_rᵀ) z = z − P̃ z + (1 − e_r) z(r)`: the bordered evaluation operator of
/// `PinnedChainFactorization`, applied without forming its dense column.
private struct PinnedOperator {
  let transitions: CSRMatrix
  let reference: Int

  func apply(_ z: [Double]) -> [Double] {
    let p = transitions
    let pinned = z[reference]
    var out = [Double](repeating: 0, count: p.rowCount)
    for state in 0..<p.rowCount {
      var sum = 0.0
      for k in p.rowStart[state]..<p.rowStart[state + 1] {
        let column = Int(p.columnIndex[k])
        if column != reference { sum += p.values[k] * z[column] }
      }
      out[state] = z[state] - sum + (state == reference ? 0 : pinned)
    }
    return out
  }
}
