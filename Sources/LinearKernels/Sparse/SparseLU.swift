import CSuiteSparse
import Glibc

/// A sparse linear system that the sparse LU could not factor or solve.
public enum SparseLUError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The matrix is not square.
  case notSquare(rowCount: Int, columnCount: Int)
  /// A matrix or right-hand-side entry is NaN or infinite.
  case nonFiniteEntry(row: Int, column: Int, value: Double)
  /// The factorisation met an exactly zero pivot: A is singular (to working precision).
  case singular(dimension: Int)
  /// The solver ran out of memory (dimension and stored entries of A).
  case outOfMemory(dimension: Int, nonzeroCount: Int)
  /// The solver reported another failure in `step` ("KLU …" or "UMFPACK …"; its status
  /// code, see klu.h or umfpack.h).
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
      return "\(step) failed with status \(status)"
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

/// A sparse LU factorisation by one of two SuiteSparse solvers, chosen by the order n:
///
/// - n < `multifrontalThreshold`: KLU (Davis & Palamadai Natarajan, "Algorithm 907: KLU,
///   a direct sparse solver for circuit simulation problems", ACM TOMS 37(3), 2010): block
///   triangular form, AMD ordering of each block, left-looking Gilbert–Peierls LU with
///   threshold partial pivoting, no BLAS. Cheapest when the fill is modest.
/// - n >= `multifrontalThreshold`: UMFPACK (Davis, "Algorithm 832: UMFPACK V4.3, an
///   unsymmetric-pattern multifrontal method", ACM TOMS 30(2), 2004) with its symmetric
///   strategy (AMD on A + Aᵀ, preference for diagonal pivots), whose dense frontal matrices
///   use BLAS. On the 2-D grids of queueing models the fill grows like n log n and the
///   work like n^1.5, and dense kernels win: one 81,004-state service-mode chain took
///   0.6 s against KLU's 1.3 s (docs/average-cost.md §2).
///
/// Every solve is followed by one step of iterative refinement in double precision (kept
/// only if it lowers the residual) and reports the residual `‖b − A x‖∞`. The factors are
/// not changed by solves, but KLU's solves use a scratch vector stored with them, so solves
/// on one factorisation must not run at the same time on several threads (give each
/// thread its own factorisation, as the library does). Deterministic: the same matrix gives
/// bitwise the same factors and solutions (BLAS runs on one thread, `BLAS.threadCount`).
/// - Complexity: factorisation and solves cost what the fill of L and U costs: for the
///   2-D grids of queueing models about O(n^1.5) time and O(n log n) memory; tridiagonal
///   and tree-like patterns O(n).
public final class SparseLU: @unchecked Sendable {
  /// The order from which the multifrontal solver (UMFPACK) is used instead of KLU:
  /// measured crossover on the service-mode grids (docs/average-cost.md §2).
  public static let multifrontalThreshold = 15_000

  /// n, the order of A.
  public let dimension: Int
  /// Entries of L plus U (`lnz + unz`), the memory the factors hold (16 bytes each).
  public let factorNonzeroCount: Int
  /// The solver's estimate of the reciprocal condition number (KLU: `min |U_ii| /
  /// max |U_ii|`): a cheap warning sign, not a bound on the condition number.
  public let reciprocalConditionEstimate: Double

  // A in compressed-column form of Aᵀ: the CSR arrays of A read as CSC describe Aᵀ, so
  // `A x = b` is the solvers' transposed solve and `Aᵀ x = b` their plain one.
  private let rowStart: [Int]
  private let columns: [Int]
  private let values: [Double]
  private let factors: Factors

  /// The factors held by one of the two solvers (nil pointers for n = 0).
  private enum Factors {
    case klu(UnsafeMutablePointer<klu_l_symbolic>?, UnsafeMutablePointer<klu_l_numeric>?)
    case umfpack(UnsafeMutableRawPointer?)
  }

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
    (rowStart, columns, values) = (
      matrix.rowStart, matrix.columnIndex.map { Int($0) }, matrix.values
    )
    guard n > 0 else {
      (factors, factorNonzeroCount, reciprocalConditionEstimate) = (.klu(nil, nil), 0, 1)
      return
    }
    if n >= Self.multifrontalThreshold {
      (factors, factorNonzeroCount, reciprocalConditionEstimate) =
        try Self.umfpackFactor(n, rowStart, columns, values)
    } else {
      (factors, factorNonzeroCount, reciprocalConditionEstimate) =
        try Self.kluFactor(n, rowStart, columns, values)
    }
  }

  /// KLU's analysis and factorisation of the stored CSC arrays.
  private static func kluFactor(
    _ n: Int, _ starts: [Int], _ indices: [Int], _ entries: [Double]
  ) throws(SparseLUError) -> (Factors, Int, Double) {
    var common = kluCommon()
    var analysis = starts.withUnsafeBufferPointer { start in
      indices.withUnsafeBufferPointer { index in
        klu_l_analyze(
          n, UnsafeMutablePointer(mutating: start.baseAddress),
          UnsafeMutablePointer(mutating: index.baseAddress), &common)
      }
    }
    guard let analysed = analysis else {
      throw error(kluStatus: common.status, step: "analysis", n: n, nonzeros: entries.count)
    }
    var factored = starts.withUnsafeBufferPointer { start in
      indices.withUnsafeBufferPointer { index in
        entries.withUnsafeBufferPointer { value in
          klu_l_factor(
            UnsafeMutablePointer(mutating: start.baseAddress),
            UnsafeMutablePointer(mutating: index.baseAddress),
            UnsafeMutablePointer(mutating: value.baseAddress), analysed, &common)
        }
      }
    }
    guard let numeric = factored, common.status == KLU_OK else {
      klu_l_free_numeric(&factored, &common)
      klu_l_free_symbolic(&analysis, &common)
      throw error(kluStatus: common.status, step: "factorisation", n: n, nonzeros: entries.count)
    }
    _ = klu_l_rcond(analysed, numeric, &common)
    return (
      .klu(analysed, numeric), Int(numeric.pointee.lnz + numeric.pointee.unz), common.rcond
    )
  }

  /// UMFPACK's symbolic and numeric factorisation of the stored CSC arrays (symmetric
  /// strategy, no refinement inside the solves: `solve` refines itself).
  private static func umfpackFactor(
    _ n: Int, _ starts: [Int], _ indices: [Int], _ entries: [Double]
  ) throws(SparseLUError) -> (Factors, Int, Double) {
    let control = umfpackControl()
    var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
    var symbolic: UnsafeMutableRawPointer?
    var numeric: UnsafeMutableRawPointer?
    var status = umfpack_dl_symbolic(n, n, starts, indices, entries, &symbolic, control, &info)
    guard status == UMFPACK_OK else {
      umfpack_dl_free_symbolic(&symbolic)
      throw error(umfpackStatus: status, step: "analysis", n: n, nonzeros: entries.count)
    }
    status = umfpack_dl_numeric(starts, indices, entries, symbolic, &numeric, control, &info)
    umfpack_dl_free_symbolic(&symbolic)
    guard status == UMFPACK_OK else {
      umfpack_dl_free_numeric(&numeric)
      throw error(umfpackStatus: status, step: "factorisation", n: n, nonzeros: entries.count)
    }
    let stored = Int(info[Int(UMFPACK_LNZ)] + info[Int(UMFPACK_UNZ)])
    return (.umfpack(numeric), stored, info[Int(UMFPACK_RCOND)])
  }

  deinit {
    switch factors {
    case .klu(var symbolic, var numeric):
      var common = Self.kluCommon()
      klu_l_free_numeric(&numeric, &common)
      klu_l_free_symbolic(&symbolic, &common)
    case .umfpack(var numeric):
      umfpack_dl_free_numeric(&numeric)
    }
  }

  /// Solves `A x = b`.
  /// - Throws: `SparseLUError.nonFiniteEntry` for a NaN or infinite entry of b (row = its
  ///   index, column 0), `.failed` if the solver does.
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

  /// `A⁻¹ v` (or `A⁻ᵀ v`) by one forward and back substitution, without refinement or
  /// residual (e.g. a preconditioner step of `GMRES.solve`, or a caller refining itself).
  /// - Complexity: O(n + factor entries).
  public func applyInverse(_ v: [Double], transposed: Bool = false) throws(SparseLUError)
    -> [Double]
  {
    precondition(v.count == dimension, "v has \(v.count) entries, need \(dimension)")
    return dimension == 0 ? [] : try substitute(v, transposed: transposed)
  }

  /// The forward and back substitutions of `op(A) x = b` with the stored factors.
  private func substitute(_ b: [Double], transposed: Bool) throws(SparseLUError) -> [Double] {
    switch factors {
    case .klu(let symbolic, let numeric):
      var common = Self.kluCommon()
      var x = b
      // KLU sees Aᵀ (see the stored arrays), so A x = b is its transposed solve.
      let ok = x.withUnsafeMutableBufferPointer { x in
        transposed
          ? klu_l_solve(symbolic, numeric, dimension, 1, x.baseAddress, &common)
          : klu_l_tsolve(symbolic, numeric, dimension, 1, x.baseAddress, &common)
      }
      guard ok != 0, common.status == KLU_OK else {
        throw Self.error(
          kluStatus: common.status, step: "solve", n: dimension, nonzeros: values.count)
      }
      return x
    case .umfpack(let numeric):
      var x = [Double](repeating: 0, count: dimension)
      var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
      // UMFPACK sees Aᵀ as well: A x = b is its UMFPACK_At system.
      let status = umfpack_dl_solve(
        Int(transposed ? UMFPACK_A : UMFPACK_At), rowStart, columns, values, &x, b, numeric,
        Self.umfpackControl(), &info)
      guard status == UMFPACK_OK else {
        throw Self.error(
          umfpackStatus: status, step: "solve", n: dimension, nonzeros: values.count)
      }
      return x
    }
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
  private static func kluCommon() -> klu_l_common {
    var common = klu_l_common()
    _ = klu_l_defaults(&common)
    return common
  }

  /// UMFPACK's defaults with the symmetric strategy, no iterative refinement, silent.
  private static func umfpackControl() -> [Double] {
    var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
    umfpack_dl_defaults(&control)
    control[Int(UMFPACK_STRATEGY)] = Double(UMFPACK_STRATEGY_SYMMETRIC)
    control[Int(UMFPACK_IRSTEP)] = 0
    control[Int(UMFPACK_PRL)] = 0
    return control
  }

  private static func error(kluStatus status: Int, step: String, n: Int, nonzeros: Int)
    -> SparseLUError
  {
    switch status {
    case Int(KLU_SINGULAR): return .singular(dimension: n)
    case Int(KLU_OUT_OF_MEMORY): return .outOfMemory(dimension: n, nonzeroCount: nonzeros)
    default: return .failed(step: "KLU " + step, status: status)
    }
  }

  private static func error(umfpackStatus status: Int, step: String, n: Int, nonzeros: Int)
    -> SparseLUError
  {
    switch status {
    case Int(UMFPACK_WARNING_singular_matrix): return .singular(dimension: n)
    case Int(UMFPACK_ERROR_out_of_memory):
      return .outOfMemory(dimension: n, nonzeroCount: nonzeros)
    default: return .failed(step: "UMFPACK " + step, status: status)
    }
  }
}
