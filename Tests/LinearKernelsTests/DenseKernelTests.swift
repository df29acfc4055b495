import LinearKernels
import TestSupport
import Testing

/// Random m x n entries in [-1, 1], as rows.
private func randomRows(_ m: Int, _ n: Int, seed: UInt64) -> [[Double]] {
  var rng = SeededGenerator(seed: seed)
  return (0..<m).map { _ in (0..<n).map { _ in rng.uniform(-1...1) } }
}

private func randomVector(_ n: Int, seed: UInt64) -> [Double] {
  randomRows(1, n, seed: seed)[0]
}

@Suite("Dense BLAS and LAPACK wrappers")
struct DenseKernelTests {
  @Test func matrixStorageIsColumnMajor() {
    let matrix = Matrix(rows: [[1, 2, 3], [4, 5, 6]])
    #expect(matrix.storage == [1, 4, 2, 5, 3, 6])
    #expect(matrix[1, 2] == 6)
    #expect(matrix.transposed == Matrix(rows: [[1, 4], [2, 5], [3, 6]]))
    #expect(Matrix.identity(2) == Matrix(rows: [[1, 0], [0, 1]]))
  }

  @Test(arguments: [(1, 1), (3, 5), (7, 2), (40, 33), (150, 140)])
  func gemvMatchesNaiveLoops(rowCount m: Int, columnCount n: Int) {
    let rows = randomRows(m, n, seed: UInt64(m * 1000 + n))
    let a = Matrix(rows: rows)
    let x = randomVector(n, seed: 1)
    let xT = randomVector(m, seed: 2)
    let y = randomVector(m, seed: 3)
    let (alpha, beta) = (1.5, -0.5)

    var expected = [Double](repeating: 0, count: m)
    for i in 0..<m {
      var sum = 0.0
      for j in 0..<n { sum += rows[i][j] * x[j] }
      expected[i] = alpha * sum + beta * y[i]
    }
    var expectedTransposed = [Double](repeating: 0, count: n)
    for j in 0..<n {
      for i in 0..<m { expectedTransposed[j] += rows[i][j] * xT[i] }
    }

    let scale = 1e-14 * Double(max(m, n))
    #expect(maxAbsDifference(BLAS.gemv(a, x, alpha: alpha, beta: beta, y: y), expected) <= scale)
    #expect(maxAbsDifference(BLAS.gemv(a, xT, transposed: true), expectedTransposed) <= scale)
  }

  @Test func gemvWithAnEmptyDimensionOnlyScalesY() {
    let empty = Matrix(rowCount: 3, columnCount: 0)
    #expect(BLAS.gemv(empty, [], beta: 2, y: [1, 2, 3]) == [2, 4, 6])
    #expect(BLAS.gemv(empty, [1, 1, 1], transposed: true) == [])
  }

  /// BLAS convention: with β = 0, y is not read (a NaN there does not reach the result),
  /// whether or not a dimension is empty.
  @Test func gemvWithZeroBetaIgnoresY() {
    #expect(BLAS.gemv(Matrix(rows: [[2]]), [3], y: [.nan]) == [6])
    #expect(BLAS.gemv(Matrix(rowCount: 2, columnCount: 0), [], y: [.nan, .infinity]) == [0, 0])
  }

  @Test(arguments: [(2, 3, 4), (17, 9, 13), (64, 50, 70)])
  func gemmMatchesNaiveLoops(m: Int, k: Int, n: Int) {
    let a = randomRows(m, k, seed: 11)
    let b = randomRows(k, n, seed: 12)
    let product = BLAS.gemm(Matrix(rows: a), Matrix(rows: b))
    #expect(product.rowCount == m && product.columnCount == n)
    var largestError = 0.0
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for l in 0..<k { sum += a[i][l] * b[l][j] }
        largestError = max(largestError, abs(product[i, j] - sum))
      }
    }
    #expect(largestError <= 1e-14 * Double(k))
  }

  /// 2x + y - z = 8, -3x - y + 2z = -11, -2x + y + 2z = -3 has the solution (2, 3, -1)
  /// (substitute to check).
  @Test func solveMatchesAHandSolvedSystem() throws {
    let a = Matrix(rows: [[2, 1, -1], [-3, -1, 2], [-2, 1, 2]])
    let x = try LAPACK.solve(a, [8, -11, -3])
    #expect(maxAbsDifference(x, [2, 3, -1]) <= 1e-14)

    // Second right-hand side: A's first column, whose solution is e1.
    let b = Matrix(rows: [[8, 2], [-11, -3], [-3, -2]])
    let both = try LAPACK.solve(a, b)
    #expect(maxAbsDifference(both.storage, [2, 3, -1, 1, 0, 0]) <= 1e-14)
  }

  /// Partial pivoting by hand.
  /// - [[1,2,3],[2,4,6],[1,0,1]]: pivot row 2 (|2| largest); the old row 1 becomes 0 and
  ///   row 3 becomes (0,-2,-2); the second pivot is -2 after a swap, and U(3,3) = 0.
  /// - [[1,1,0],[1,1,0],[0,0,1]]: after the first step column 2 is zero below and on the
  ///   diagonal, so U(2,2) = 0 is the first zero pivot.
  @Test(arguments: [
    ([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]], 3),
    ([[1.0, 1, 0], [1, 1, 0], [0, 0, 1]], 2),
  ])
  func singularMatrixReportsItsZeroPivot(rows: [[Double]], pivot: Int) {
    #expect(throws: LinearSolveError.singular(pivot: pivot)) {
      try LAPACK.solve(Matrix(rows: rows), [1, 1, 1])
    }
  }

  @Test func linearSolveErrorDescriptionsNameTheCause() {
    #expect(
      LinearSolveError.singular(pivot: 2).description
        == "singular linear system: zero pivot U(2,2) in the LU factorisation")
    #expect(
      LinearSolveError.illegalArgument(position: 4).description == "LAPACK rejected argument 4")
    #expect(
      LinearSolveError.tooLarge(dimension: 3_000_000_000).description
        == "dimension 3000000000 exceeds the 32-bit LAPACK index range")
  }
}
