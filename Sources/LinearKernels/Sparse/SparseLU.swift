import CSuiteSparse

/// A sparse linear system that UMFPACK could not factor or solve.
public enum SparseLUError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The matrix is not square.
  case notSquare(rowCount: Int, columnCount: Int)
  /// A matrix or right-hand-side entry is NaN or infinite.
  case nonFiniteEntry(row: Int, column: Int, value: Double)
  /// The factorisation met an exactly zero pivot: A is singular (to working precision).
  case singular(dimension: Int)
  /// UMFPACK ran out of memory (dimension and stored entries of A).
  case outOfMemory(dimension: Int, nonzeroCount: Int)
  /// UMFPACK reported another failure in `step` (its status code, see umfpack.h).
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
      return "UMFPACK \(step) failed with status \(status)"
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

/// A sparse LU factorisation `P R A Q = L U` by UMFPACK (Davis, "Algorithm 832: UMFPACK
/// V4.3, an unsymmetric-pattern multifrontal method", ACM TOMS 30(2), 2004), with row scaling
/// R, a fill-reducing column ordering Q (AMD/COLAMD) and threshold partial pivoting P.
///
/// Solves run UMFPACK's iterative refinement (at most 2 steps, on by default) and report
/// the residual `‖b − A x‖∞`. The factorisation is immutable after `init` and solves
/// allocate their own workspace, so one factorisation may be shared across threads.
/// Deterministic: the same matrix gives bitwise the same factors and solutions (BLAS runs
/// single-threaded unless `OPENBLAS_NUM_THREADS` says otherwise, `BLAS.setThreadCount`).
/// - Complexity: factorisation and solves cost what the fill of L and U costs: for the
///   2-D grids of queueing models about O(n^1.5) time and O(n log n) memory; tridiagonal
///   and tree-like patterns O(n).
public final class SparseLU: @unchecked Sendable {
  /// n, the order of A.
  public let dimension: Int
  /// Entries of L plus U (`lnz + unz`), the memory the factors hold (12-16 bytes each).
  public let factorNonzeroCount: Int
  /// UMFPACK's estimate `min |U_ii| / max |U_ii|`: a cheap warning sign, not a bound on
  /// the condition number.
  public let reciprocalConditionEstimate: Double

  // A in compressed-column form of Aᵀ: the CSR arrays of A read as CSC describe Aᵀ, so
  // `A x = b` is UMFPACK's transposed system and `Aᵀ x = b` its plain one.
  private let rowStart: [Int]
  private let columns: [Int]
  private let values: [Double]
  private let numeric: UnsafeMutableRawPointer?

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
    BLAS.applyDefaultThreading()
    let n = matrix.rowCount
    dimension = n
    rowStart = matrix.rowStart
    columns = matrix.columnIndex.map { Int($0) }
    values = matrix.values
    guard n > 0 else {
      (numeric, factorNonzeroCount, reciprocalConditionEstimate) = (nil, 0, 1)
      return
    }
    var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
    var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
    umfpack_dl_defaults(&control)
    var symbolic: UnsafeMutableRawPointer?
    let analysed = umfpack_dl_symbolic(
      n, n, rowStart, columns, values, &symbolic, control, &info)
    defer { umfpack_dl_free_symbolic(&symbolic) }
    try Self.check(analysed, step: "symbolic analysis", n: n, nonzeros: values.count)
    var factors: UnsafeMutableRawPointer?
    let factored = umfpack_dl_numeric(
      rowStart, columns, values, symbolic, &factors, control, &info)
    guard factored == UMFPACK_OK else {
      umfpack_dl_free_numeric(&factors)
      if factored == UMFPACK_WARNING_singular_matrix { throw .singular(dimension: n) }
      try Self.check(factored, step: "numeric factorisation", n: n, nonzeros: values.count)
      throw .failed(step: "numeric factorisation", status: factored)
    }
    numeric = factors
    factorNonzeroCount = Int(info[Int(UMFPACK_LNZ)] + info[Int(UMFPACK_UNZ)])
    reciprocalConditionEstimate = info[Int(UMFPACK_RCOND)]
  }

  deinit {
    var factors = numeric
    umfpack_dl_free_numeric(&factors)
  }

  /// Solves `A x = b`.
  /// - Throws: `SparseLUError.nonFiniteEntry` for a NaN or infinite entry of b (row = its
  ///   index, column 0), `.failed` if UMFPACK does.
  /// - Complexity: O(n + factor entries) per refinement step, plus O(nonzeros of A).
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
    var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
    var info = [Double](repeating: 0, count: Int(UMFPACK_INFO))
    umfpack_dl_defaults(&control)
    var x = [Double](repeating: 0, count: dimension)
    // UMFPACK sees Aᵀ (see the stored arrays), so A x = b is its transposed system.
    let system = transposed ? UMFPACK_A : UMFPACK_At
    let status = umfpack_dl_solve(
      Int(system), rowStart, columns, values, &x, b, numeric, control, &info)
    guard status == UMFPACK_OK else {
      if status == UMFPACK_WARNING_singular_matrix { throw .singular(dimension: dimension) }
      throw .failed(step: "solve", status: status)
    }
    return SparseSolution(values: x, residual: residual(x, b, transposed: transposed))
  }

  /// `‖b − op(A) x‖∞`.
  private func residual(_ x: [Double], _ b: [Double], transposed: Bool) -> Double {
    var product = [Double](repeating: 0, count: dimension)
    for row in 0..<dimension {
      if transposed {
        for k in rowStart[row]..<rowStart[row + 1] { product[columns[k]] += values[k] * x[row] }
      } else {
        var sum = 0.0
        for k in rowStart[row]..<rowStart[row + 1] { sum += values[k] * x[columns[k]] }
        product[row] = sum
      }
    }
    var norm = 0.0
    for row in 0..<dimension {
      let difference = abs(b[row] - product[row])
      if difference.isNaN { return .nan }
      norm = max(norm, difference)
    }
    return norm
  }

  private static func check(_ status: Int, step: String, n: Int, nonzeros: Int)
    throws(SparseLUError)
  {
    switch status {
    case Int(UMFPACK_OK): return
    case Int(UMFPACK_ERROR_out_of_memory): throw .outOfMemory(dimension: n, nonzeroCount: nonzeros)
    default: throw .failed(step: step, status: status)
    }
  }
}
