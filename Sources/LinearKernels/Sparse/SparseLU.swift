import CSuiteSparse
import Glibc

/// A sparse linear system that KLU could not factor or solve.
public enum SparseLUError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The matrix is not square.
  case notSquare(rowCount: Int, columnCount: Int)
  /// A matrix or right-hand-side entry is NaN or infinite.
  case nonFiniteEntry(row: Int, column: Int, value: Double)
  /// The factorisation met an exactly zero pivot: A is singular (to working precision).
  case singular(dimension: Int)
  /// KLU ran out of memory (dimension and stored entries of A).
  case outOfMemory(dimension: Int, nonzeroCount: Int)
  /// KLU reported another failure in `step` (its status code, see klu.h).
  case failed(step: String, status: Int)

  public var description: String {
    switch self {
    case .notSquare(let rows, let columns):
      return "sparse LU needs a square matrix, got \(rows)x\(columns)"
    case .nonFiniteEntry(let row, let column, let value):
      return "entry (\(row), \(column)) is \(value); a sparse LU needs finite entries"
    case .singular(let dimension):
      return "singular sparse system of dimension \(dimension): a zero pivot in the LU factors"
    case .outOfMemory(let dimension, let nonzeros):
      return "out of memory factoring a sparse matrix of dimension \(dimension) with "
        + "\(nonzeros) entries"
    case .failed(let step, let status):
      return "KLU \(step) failed with status \(status)"
    }
  }
}

/// The solution of one sparse solve with its residual certificate.
public struct SparseSolution: Sendable {
  /// x.
  public let values: [Double]
  /// `‖b − op(A) x‖∞` of the returned x, recomputed in double precision after the solve.
  public let residual: Double
}

/// A sparse LU factorisation by KLU (Davis & Palamadai Natarajan, "Algorithm 907: KLU, a
/// direct sparse solver for circuit simulation problems", ACM TOMS 37(3), 2010): a block
/// triangular form, an AMD fill-reducing ordering of each block and left-looking
/// Gilbert–Peierls LU with threshold partial pivoting, no BLAS. It suits the very sparse
/// matrices of Markov models (a few entries per row, modest fill); measured on the
/// service-mode grids it used about 7 times less CPU than UMFPACK's multifrontal method
/// (docs/average-cost.md §2).
///
/// Every solve is followed by one step of iterative refinement in double precision (kept
/// only if it lowers the residual) and reports the residual `‖b − A x‖∞`. The factorisation
/// is immutable after `init`, and solves copy it into their own workspace, so one
/// factorisation may be shared across threads. Deterministic: the same matrix gives
/// bitwise the same factors and solutions.
/// - Complexity: factorisation and solves cost what the fill of L and U costs: for the
///   2-D grids of queueing models about O(n^1.5) time and O(n log n) memory; tridiagonal
///   and tree-like patterns O(n).
public final class SparseLU: @unchecked Sendable {
  /// n, the order of A.
  public let dimension: Int
  /// Entries of L plus U (`lnz + unz`), the memory the factors hold (16 bytes each).
  public let factorNonzeroCount: Int
  /// KLU's estimate `min |U_ii| / max |U_ii|`: a cheap warning sign, not a bound on the
  /// condition number.
  public let reciprocalConditionEstimate: Double

  // A in compressed-column form of Aᵀ: the CSR arrays of A read as CSC describe Aᵀ, so
  // `A x = b` is KLU's transposed solve and `Aᵀ x = b` its plain one.
  private let rowStart: [Int]
  private let columns: [Int]
  private let values: [Double]
  private let symbolic: UnsafeMutablePointer<klu_l_symbolic>?
  private let numeric: UnsafeMutablePointer<klu_l_numeric>?

  /// Factors a square CSR matrix.
  /// - Throws: `SparseLUError.notSquare`, `.nonFiniteEntry`, `.singular` (a zero pivot),
  ///   `.outOfMemory` or `.failed`.
  public init(factoring matrix: CSRMatrix) throws(SparseLUError) {
    guard matrix.rowCount == matrix.columnCount else {
      throw .notSquare(rowCount: matrix.rowCount, columnCount: matrix.columnCount)
    }
    for row in 0..<matrix.rowCount {
      for k in matrix.rowStart[row]..<matrix.rowStart[row + 1] where !matrix.values[k].isFinite {
        throw .nonFiniteEntry(
          row: row, column: Int(matrix.columnIndex[k]), value: matrix.values[k])
      }
    }
    let n = matrix.rowCount
    dimension = n
    let starts = matrix.rowStart
    let indices = matrix.columnIndex.map { Int($0) }
    let entries = matrix.values
    (rowStart, columns, values) = (starts, indices, entries)
    guard n > 0 else {
      (symbolic, numeric, factorNonzeroCount, reciprocalConditionEstimate) = (nil, nil, 0, 1)
      return
    }
    var common = Self.common()
    var analysis = starts.withUnsafeBufferPointer { start in
      indices.withUnsafeBufferPointer { index in
        klu_l_analyze(
          n, UnsafeMutablePointer(mutating: start.baseAddress),
          UnsafeMutablePointer(mutating: index.baseAddress), &common)
      }
    }
    guard let analysed = analysis else {
      throw Self.error(common.status, step: "analysis", n: n, nonzeros: entries.count)
    }
    var factors = starts.withUnsafeBufferPointer { start in
      indices.withUnsafeBufferPointer { index in
        entries.withUnsafeBufferPointer { value in
          klu_l_factor(
            UnsafeMutablePointer(mutating: start.baseAddress),
            UnsafeMutablePointer(mutating: index.baseAddress),
            UnsafeMutablePointer(mutating: value.baseAddress), analysed, &common)
        }
      }
    }
    guard let factored = factors, common.status == KLU_OK else {
      klu_l_free_numeric(&factors, &common)
      klu_l_free_symbolic(&analysis, &common)
      throw Self.error(common.status, step: "factorisation", n: n, nonzeros: entries.count)
    }
    _ = klu_l_rcond(analysed, factored, &common)
    symbolic = analysed
    numeric = factored
    factorNonzeroCount = Int(factored.pointee.lnz + factored.pointee.unz)
    reciprocalConditionEstimate = common.rcond
  }

  deinit {
    var common = Self.common()
    var factors = numeric
    var analysis = symbolic
    klu_l_free_numeric(&factors, &common)
    klu_l_free_symbolic(&analysis, &common)
  }

  /// Solves `A x = b`.
  /// - Throws: `SparseLUError.nonFiniteEntry` for a NaN or infinite entry of b (row = its
  ///   index, column 0), `.failed` if KLU does.
  /// - Complexity: O(n + factor entries + nonzeros of A).
  public func solve(_ b: [Double]) throws(SparseLUError) -> SparseSolution {
    try solve(b, transposed: false)
  }

  /// Solves `Aᵀ x = b` with the same factors (e.g. `π A = e` for a stationary law).
  /// - Throws: as `solve(_:)`.
  public func solveTransposed(_ b: [Double]) throws(SparseLUError) -> SparseSolution {
    try solve(b, transposed: true)
  }

  private func solve(_ b: [Double], transposed: Bool) throws(SparseLUError) -> SparseSolution {
    precondition(b.count == dimension, "b has \(b.count) entries, need \(dimension)")
    for (row, value) in b.enumerated() where !value.isFinite {
      throw .nonFiniteEntry(row: row, column: 0, value: value)
    }
    guard dimension > 0 else { return SparseSolution(values: [], residual: 0) }
    var x = try substitute(b, transposed: transposed)
    var r = residualVector(x, b, transposed: transposed)
    var norm = Self.supNorm(r)
    if norm > 0 {
      let correction = try substitute(r, transposed: transposed)
      let refined = zip(x, correction).map { $0 + $1 }
      let refinedResidual = residualVector(refined, b, transposed: transposed)
      let refinedNorm = Self.supNorm(refinedResidual)
      if refinedNorm < norm { (x, r, norm) = (refined, refinedResidual, refinedNorm) }
    }
    return SparseSolution(values: x, residual: norm)
  }

  /// `A⁻¹ v` by one forward and back substitution, without refinement or residual (the
  /// preconditioner step of `solve(_:nearby:tolerance:maxSteps:)`).
  func applyInverse(_ v: [Double]) throws(SparseLUError) -> [Double] {
    try substitute(v, transposed: false)
  }

  /// The forward and back substitutions of `op(A) x = b` with the stored factors.
  private func substitute(_ b: [Double], transposed: Bool) throws(SparseLUError) -> [Double] {
    var common = Self.common()
    var x = b
    // KLU sees Aᵀ (see the stored arrays), so A x = b is its transposed solve.
    let ok = x.withUnsafeMutableBufferPointer { x in
      transposed
        ? klu_l_solve(symbolic, numeric, dimension, 1, x.baseAddress, &common)
        : klu_l_tsolve(symbolic, numeric, dimension, 1, x.baseAddress, &common)
    }
    guard ok != 0, common.status == KLU_OK else {
      throw Self.error(common.status, step: "solve", n: dimension, nonzeros: values.count)
    }
    return x
  }

  /// `b − op(A) x`.
  private func residualVector(_ x: [Double], _ b: [Double], transposed: Bool) -> [Double] {
    var r = b
    for row in 0..<dimension {
      if transposed {
        for k in rowStart[row]..<rowStart[row + 1] { r[columns[k]] -= values[k] * x[row] }
      } else {
        var sum = 0.0
        for k in rowStart[row]..<rowStart[row + 1] { sum += values[k] * x[columns[k]] }
        r[row] -= sum
      }
    }
    return r
  }

  /// `max |v|`, NaN if an entry is NaN.
  private static func supNorm(_ v: [Double]) -> Double {
    var norm = 0.0
    for value in v {
      if value.isNaN { return .nan }
      norm = max(norm, abs(value))
    }
    return norm
  }

  /// KLU's defaults: stop at a singular pivot, AMD ordering, block triangular form.
  private static func common() -> klu_l_common {
    var common = klu_l_common()
    _ = klu_l_defaults(&common)
    return common
  }

  private static func error(_ status: Int, step: String, n: Int, nonzeros: Int)
    -> SparseLUError
  {
    switch status {
    case Int(KLU_SINGULAR): return .singular(dimension: n)
    case Int(KLU_OUT_OF_MEMORY): return .outOfMemory(dimension: n, nonzeroCount: nonzeros)
    default: return .failed(step: step, status: status)
    }
  }
}
