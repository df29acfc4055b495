import LinearKernels
import PropertyBased
import TestSupport
import Testing

@Suite("Sparse LU (KLU) against dense LAPACK and by hand")
struct SparseLUTests {
  /// [[2, 1], [1, 3]] x = [3, 5] has x = (4/5, 7/5) by Cramer's rule; the transposed
  /// system of [[2, 1], [0, 3]] with b = (2, 7) has x = (1, 2) by substitution.
  @Test func handSystems() throws {
    let symmetric = CSRMatrix(
      rowCount: 2, columnCount: 2, rowStart: [0, 2, 4], columnIndex: [0, 1, 0, 1],
      values: [2, 1, 1, 3])
    let x = try SparseLU(factoring: symmetric).solve([3, 5])
    #expect(abs(x.values[0] - 0.8) <= 1e-15 && abs(x.values[1] - 1.4) <= 1e-15)
    #expect(x.residual <= 1e-15)
    let upper = CSRMatrix(
      rowCount: 2, columnCount: 2, rowStart: [0, 2, 3], columnIndex: [0, 1, 1],
      values: [2, 1, 3])
    let y = try SparseLU(factoring: upper).solveTransposed([2, 7])
    #expect(y.values == [1, 2])
  }

  /// Random sparse, diagonally dominant systems: the sparse solution and the transposed
  /// one agree with LAPACK's dense LU (an independent factorisation).
  @Test func matchesDenseLAPACK() async {
    await propertyCheck(count: 50, input: Gen.int(in: 1...60), Gen.uint64()) { n, seed in
      var rng = SeededGenerator(seed: seed)
      var dense = Matrix(rowCount: n, columnCount: n)
      var builder = COOBuilder(rowCount: n, columnCount: n)
      for i in 0..<n {
        var offDiagonal = 0.0
        for j in 0..<n where j != i && rng.uniform(0...1) < 0.1 {
          dense[i, j] = rng.uniform(-1...1)
          offDiagonal += abs(dense[i, j])
          builder.append(row: i, column: j, value: dense[i, j])
        }
        dense[i, i] = offDiagonal + rng.uniform(0.5...2)
        builder.append(row: i, column: i, value: dense[i, i])
      }
      let b = (0..<n).map { _ in rng.uniform(-5...5) }
      let lu = try SparseLU(factoring: builder.build())
      let sparse = try lu.solve(b)
      let reference = try LAPACK.solve(dense, b)
      #expect(maxAbsDifference(sparse.values, reference) <= 1e-13)
      #expect(sparse.residual <= 1e-13)
      var transpose = Matrix(rowCount: n, columnCount: n)
      for i in 0..<n { for j in 0..<n { transpose[j, i] = dense[i, j] } }
      let transposed = try lu.solveTransposed(b)
      #expect(maxAbsDifference(transposed.values, try LAPACK.solve(transpose, b)) <= 1e-13)
      #expect(lu.dimension == n && lu.factorNonzeroCount >= n)
    }
  }

  @Test func errorsNameTheProblem() {
    let singular = CSRMatrix(
      rowCount: 2, columnCount: 2, rowStart: [0, 2, 4], columnIndex: [0, 1, 0, 1],
      values: [1, 1, 1, 1])
    #expect(throws: SparseLUError.singular(dimension: 2)) {
      try SparseLU(factoring: singular)
    }
    let wide = CSRMatrix(
      rowCount: 1, columnCount: 2, rowStart: [0, 1], columnIndex: [1], values: [1])
    #expect(throws: SparseLUError.notSquare(rowCount: 1, columnCount: 2)) {
      try SparseLU(factoring: wide)
    }
    let nan = CSRMatrix(
      rowCount: 1, columnCount: 1, rowStart: [0, 1], columnIndex: [0], values: [.nan])
    #expect(throws: SparseLUError.self) { try SparseLU(factoring: nan) }
    #expect(SparseLUError.singular(dimension: 2).description.contains("singular"))
  }

  @Test func emptySystem() throws {
    let empty = CSRMatrix(rowCount: 0, columnCount: 0, rowStart: [0], columnIndex: [], values: [])
    #expect(try SparseLU(factoring: empty).solve([]).values.isEmpty)
  }
}
