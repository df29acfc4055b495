import COpenBLAS
import LinearKernels
import Testing

/// Small systems are solved outside OpenBLAS so that their bits do not depend on the
/// process-wide BLAS thread count (`LAPACK.smallSystemLimit`; the thread-count check itself
/// is in MarkovSolversTests' DeterminismTests, the one suite that changes that count).
@Suite("Small dense solves: exact and thread-independent")
struct SmallSolveTests {
  /// A well-conditioned n x n system with k right-hand sides from a fixed LCG.
  static func system(_ n: Int, rightHandSides k: Int) -> (Matrix, Matrix) {
    var state: UInt64 = 0x5DEE_CE66_D1CE_4E5B
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53) - 0.5
    }
    var a = Matrix(rowCount: n, columnCount: n)
    for j in 0..<n { for i in 0..<n { a[i, j] = next() + (i == j ? 0.1 : 0) } }
    let b = Matrix(rowCount: n, columnCount: k, columnMajor: (0..<(n * k)).map { _ in next() })
    return (a, b)
  }

  /// The same systems through OpenBLAS's `dgesv`, called directly: an independent LU.
  static func openBLASSolve(_ a: Matrix, _ b: Matrix) -> [Double] {
    var lu = a.storage
    var x = b.storage
    var pivots = [Int32](repeating: 0, count: a.rowCount)
    let n = Int32(a.rowCount)
    let info = LAPACKE_dgesv(LAPACK_COL_MAJOR, n, Int32(b.columnCount), &lu, n, &pivots, &x, n)
    precondition(info == 0, "dgesv info \(info)")
    return x
  }

  @Test(arguments: [1, 2, 5, 17, LAPACK.smallSystemLimit])
  func agreesWithOpenBLASToRoundOff(_ n: Int) throws {
    let (a, b) = Self.system(n, rightHandSides: 3)
    let swift = try LAPACK.solve(a, b).storage
    let reference = Self.openBLASSolve(a, b)
    let scale = reference.map(abs).max() ?? 1
    for (mine, theirs) in zip(swift, reference) {
      #expect(abs(mine - theirs) <= 1e-11 * scale)
    }
  }

  /// [[1, 2], [2, 4]]: the pivot of column 1 is row 2; then u22 = 2 − (1/2)·4 = 0, so LU
  /// stops at pivot 2, as LAPACK reports it.
  @Test func singularSystemNamesThePivot() {
    let a = Matrix(rows: [[1, 2], [2, 4]])
    #expect(throws: LinearSolveError.singular(pivot: 2)) { try LAPACK.solve(a, [1, 1]) }
    var nan = Matrix.identity(3)
    nan[1, 0] = .nan
    #expect(((try? LAPACK.solve(nan, [1, 1, 1])) ?? []).contains { $0.isNaN })
  }
}
