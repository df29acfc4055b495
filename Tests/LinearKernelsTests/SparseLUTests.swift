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

@Suite("Sparse LU on large grids (the multifrontal path)")
struct SparseLUMultifrontalTests {
  /// A 2-D five-point grid of 125 × 125 = 15,625 unknowns (at the multifrontal threshold),
  /// diagonally dominant with seeded random couplings, and a manufactured solution x*:
  /// both solves return x* from b = A x* (and b = Aᵀ x*).
  @Test func manufacturedSolutionOnAGrid() throws {
    let side = 125
    let n = side * side
    #expect(n >= SparseLU.multifrontalThreshold)
    var rng = SeededGenerator(seed: 2026)
    var builder = COOBuilder(rowCount: n, columnCount: n)
    for row in 0..<side {
      for column in 0..<side {
        let state = row * side + column
        var offDiagonal = 0.0
        for (dr, dc) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
          let (r, c) = (row + dr, column + dc)
          guard (0..<side).contains(r) && (0..<side).contains(c) else { continue }
          let value = -rng.uniform(0.1...1)
          offDiagonal += abs(value)
          builder.append(row: state, column: r * side + c, value: value)
        }
        builder.append(row: state, column: state, value: offDiagonal + rng.uniform(0.01...0.1))
      }
    }
    let a = builder.build()
    let expected = (0..<n).map { _ in rng.uniform(-1...1) }
    let lu = try SparseLU(factoring: a)
    let solution = try lu.solve(a.multiply(expected))
    #expect(maxAbsDifference(solution.values, expected) <= 1e-9)
    #expect(solution.residual <= 1e-12)
    let transposed = try lu.solveTransposed(a.transposedMultiply(expected))
    #expect(maxAbsDifference(transposed.values, expected) <= 1e-9)
    #expect(lu.factorNonzeroCount > a.nonzeroCount)
  }

  /// A large matrix with two equal rows is singular, and the multifrontal path says so.
  @Test func singularLargeMatrixIsReported() {
    let n = SparseLU.multifrontalThreshold + 1
    var builder = COOBuilder(rowCount: n, columnCount: n)
    for state in 0..<n { builder.append(row: state, column: state, value: 2) }
    builder.append(row: 0, column: 1, value: 2)
    builder.append(row: 1, column: 0, value: 2)
    #expect(throws: SparseLUError.singular(dimension: n)) {
      try SparseLU(factoring: builder.build())
    }
  }
}
