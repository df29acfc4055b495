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
  /// Solves `A X = B` by LU with partial pivoting (`dgesv`).
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

  /// Solves `A x = b` for one right-hand side.
  /// - Throws: `LinearSolveError.singular(pivot:)` if A is exactly singular.
  /// - Complexity: O(n³).
  public static func solve(_ a: Matrix, _ b: [Double]) throws(LinearSolveError) -> [Double] {
    try solve(a, Matrix(rowCount: b.count, columnCount: 1, columnMajor: b)).storage
  }
}
