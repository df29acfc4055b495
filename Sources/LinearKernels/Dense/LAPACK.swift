import COpenBLAS

/// A linear system that LAPACK could not solve.
public enum LinearSolveError: Error, Equatable, Sendable, CustomStringConvertible {
  /// `U(pivot, pivot)` is exactly zero (1-based, as LAPACK reports it): A is singular.
  case singular(pivot: Int)
  /// LAPACK rejected argument number `position` (a programming error in the wrapper).
  case illegalArgument(position: Int)
  /// The dimension exceeds LAPACK's 32-bit index range.
  case tooLarge(dimension: Int)

  public var description: String {
    switch self {
    case .singular(let pivot):
      return "singular linear system: zero pivot U(\(pivot),\(pivot)) in the LU factorisation"
    case .illegalArgument(let position):
      return "LAPACK rejected argument \(position)"
    case .tooLarge(let dimension):
      return "dimension \(dimension) exceeds the 32-bit LAPACK index range"
    }
  }
}

/// Dense LU solves through LAPACKE (column-major, no transposing copies).
public enum LAPACK {
  /// Systems of at most this order are solved by `smallSolve`, not by OpenBLAS.
  ///
  /// OpenBLAS's `dgesv` takes its multithreaded path (`getrf_parallel`) whenever the
  /// process-wide thread count is above one, even for a 6 x 6 system, and that path sums in
  /// another order: the same call then returned results differing in the last bit depending
  /// on the thread count that some other part of the process had set at that moment (a
  /// test suite running beside one that calls `BLAS.setThreadCount(2)`; a CLI run with
  /// `OPENBLAS_NUM_THREADS=2`). Input alignment plays no part: 64-byte-aligned copies and
  /// copies at every 8-byte offset gave the same bits at a fixed thread count. Small systems
  /// gain nothing from threads, so they are solved in Swift with a fixed operation order:
  /// bit-identical for every thread count, call and alignment.
  public static let smallSystemLimit = 64

  /// Solves `A X = B` by LU with partial pivoting: `smallSolve` up to `smallSystemLimit`
  /// (bit-reproducible whatever the BLAS thread count), LAPACK's `dgesv` above (whose last
  /// bits may depend on the thread count, see `BLAS.setThreadCount(_:)`).
  /// - Returns: X, `A.rowCount x B.columnCount`.
  /// - Throws: `LinearSolveError.singular(pivot:)` if A is exactly singular.
  /// - Complexity: O(n³ + n² k).
  public static func solve(_ a: Matrix, _ b: Matrix) throws(LinearSolveError) -> Matrix {
    BLAS.applyDefaultThreading()
    precondition(a.rowCount == a.columnCount, "A is \(a.rowCount)x\(a.columnCount), not square")
    precondition(b.rowCount == a.rowCount, "B has \(b.rowCount) rows, A has \(a.rowCount)")
    let n = a.rowCount
    guard n <= Int32.max, b.columnCount <= Int32.max else {
      throw .tooLarge(dimension: max(n, b.columnCount))
    }
    if n == 0 { return b }
    if n <= smallSystemLimit { return try smallSolve(a, b) }
    var lu = a.storage
    var x = b
    var pivots = [Int32](repeating: 0, count: n)
    let info = LAPACKE_dgesv(
      LAPACK_COL_MAJOR, Int32(n), Int32(b.columnCount), &lu, Int32(n), &pivots, &x.storage,
      Int32(n))
    if info < 0 { throw .illegalArgument(position: Int(-info)) }
    if info > 0 { throw .singular(pivot: Int(info)) }
    return x
  }

  /// LU with partial pivoting in a fixed order, in the steps of LAPACK's unblocked `dgetf2`
  /// and `dgetrs`:
  /// at step k the pivot is the first row of largest |a(i, k)| (a NaN is taken, so that it
  /// propagates), rows are swapped, the column below the pivot is divided by it and the
  /// trailing block updated column by column; then `L y = P b` forward and `U x = y`
  /// backward, per right-hand side.
  /// - Throws: `LinearSolveError.singular(pivot:)` (1-based) if a pivot is exactly zero.
  /// - Complexity: O(n³ + n² k).
  static func smallSolve(_ a: Matrix, _ b: Matrix) throws(LinearSolveError) -> Matrix {
    let n = a.rowCount
    var lu = a.storage
    var x = b
    for k in 0..<n {
      var pivot = k
      var largest = -1.0
      for i in k..<n where !(abs(lu[i + k * n]) <= largest) {
        pivot = i
        largest = abs(lu[i + k * n])
        if largest.isNaN { break }
      }
      if lu[pivot + k * n] == 0 { throw .singular(pivot: k + 1) }
      if pivot != k {
        for j in 0..<n { lu.swapAt(k + j * n, pivot + j * n) }
        for j in 0..<x.columnCount { x.storage.swapAt(k + j * n, pivot + j * n) }
      }
      let diagonal = lu[k + k * n]
      for i in (k + 1)..<n { lu[i + k * n] /= diagonal }
      for j in (k + 1)..<n {
        let factor = lu[k + j * n]
        for i in (k + 1)..<n { lu[i + j * n] -= lu[i + k * n] * factor }
      }
    }
    for column in 0..<x.columnCount {
      let offset = column * n
      for k in 0..<n {
        let value = x.storage[offset + k]
        for i in (k + 1)..<n { x.storage[offset + i] -= lu[i + k * n] * value }
      }
      for k in stride(from: n - 1, through: 0, by: -1) {
        x.storage[offset + k] /= lu[k + k * n]
        let value = x.storage[offset + k]
        for i in 0..<k { x.storage[offset + i] -= lu[i + k * n] * value }
      }
    }
    return x
  }

  /// Solves `A x = b` for one right-hand side.
  /// - Throws: `LinearSolveError.singular(pivot:)` if A is exactly singular.
  /// - Complexity: O(n³).
  public static func solve(_ a: Matrix, _ b: [Double]) throws(LinearSolveError) -> [Double] {
    try solve(a, Matrix(rowCount: b.count, columnCount: 1, columnMajor: b)).storage
  }
}
