import LinearKernels
import PropertyBased
import TestSupport
import Testing

/// A random dense matrix with about `density` of its entries nonzero (values in [-1, 1]),
/// and the same entries in a CSR matrix assembled from the triplets in random order.
private func randomSparsePair(rowCount: Int, columnCount: Int, density: Double, seed: UInt64)
  -> (dense: Matrix, sparse: CSRMatrix)
{
  var rng = SeededGenerator(seed: seed)
  var dense = Matrix(rowCount: rowCount, columnCount: columnCount)
  var triplets: [(row: Int, column: Int, value: Double)] = []
  for i in 0..<rowCount {
    for j in 0..<columnCount where rng.uniform(0...1) < density {
      dense[i, j] = rng.uniform(-1...1)
      triplets.append((i, j, dense[i, j]))
    }
  }
  var builder = COOBuilder(rowCount: rowCount, columnCount: columnCount)
  for triplet in triplets.shuffled(using: &rng) {
    builder.append(row: triplet.row, column: triplet.column, value: triplet.value)
  }
  return (dense, builder.build())
}

@Suite("Sparse CSR kernels and the COO builder")
struct SparseKernelTests {
  /// Triplets in scrambled order with two duplicated positions; the expected arrays are
  /// written out by hand: row 0 = {0: 1, 2: 5 - 1}, row 1 = {1: 2}, row 2 = {0: 4, 3: 1 + 0.5}.
  @Test func buildSumsDuplicatesAndSortsColumns() {
    var builder = COOBuilder(rowCount: 3, columnCount: 4)
    for (row, column, value) in [
      (2, 3, 1.0), (0, 2, 5), (2, 0, 4), (0, 2, -1), (1, 1, 2), (0, 0, 1), (2, 3, 0.5),
    ] {
      builder.append(row: row, column: column, value: value)
    }
    #expect(builder.entryCount == 7)
    let matrix = builder.build()
    #expect(matrix.rowStart == [0, 2, 3, 5])
    #expect(matrix.columnIndex == [0, 2, 1, 0, 3])
    #expect(matrix.values == [1, 4, 2, 4, 1.5])
    #expect(matrix.rowSums == [5, 2, 5.5])
    #expect(matrix.row(2).map(\.column) == [0, 3])
  }

  @Test func entriesThatCancelAreKeptUnlessDropped() {
    var builder = COOBuilder(rowCount: 2, columnCount: 2)
    builder.append(row: 0, column: 1, value: 1)
    builder.append(row: 1, column: 0, value: 2)
    builder.append(row: 0, column: 1, value: -1)
    let kept = builder.build()
    #expect(kept.rowStart == [0, 1, 2] && kept.columnIndex == [1, 0] && kept.values == [0, 2])
    let dropped = builder.build(dropZeros: true)
    #expect(dropped.rowStart == [0, 0, 1] && dropped.columnIndex == [0] && dropped.values == [2])
  }

  @Test func builtMatrixNeverAliasesTheBuilder() {
    var builder = COOBuilder(rowCount: 2, columnCount: 2)
    builder.append(row: 0, column: 0, value: 1)
    builder.append(row: 1, column: 1, value: 2)
    let first = builder.build()
    let expected = CSRMatrix(
      rowCount: 2, columnCount: 2, rowStart: [0, 1, 2], columnIndex: [0, 1], values: [1, 2])
    #expect(first == expected)

    // Reusing the builder (more triplets, including a duplicate) and building again
    // changes neither the first result nor a copy taken before.
    let copy = builder
    builder.append(row: 0, column: 0, value: 10)
    builder.append(row: 0, column: 1, value: 3)
    let second = builder.build()
    #expect(first == expected)
    #expect(copy.build() == expected)
    #expect(second.values == [11, 3, 2])
    #expect(builder.build() == second)
  }

  @Test func sparseProductsMatchDenseGemv() async {
    await propertyCheck(
      count: 100, input: Gen.int(in: 1...30), Gen.int(in: 1...30), Gen.uint64()
    ) { rowCount, columnCount, seed in
      let (dense, sparse) = randomSparsePair(
        rowCount: rowCount, columnCount: columnCount, density: 0.3, seed: seed)
      #expect(sparse.dense == dense)
      var rng = SeededGenerator(seed: seed ^ 0xFF)
      let x = (0..<columnCount).map { _ in rng.uniform(-1...1) }
      let xT = (0..<rowCount).map { _ in rng.uniform(-1...1) }
      let tolerance = 1e-14 * Double(max(rowCount, columnCount))
      #expect(maxAbsDifference(sparse.multiply(x), BLAS.gemv(dense, x)) <= tolerance)
      #expect(
        maxAbsDifference(sparse.transposedMultiply(xT), BLAS.gemv(dense, xT, transposed: true))
          <= tolerance)
      var y = [Double](repeating: .nan, count: rowCount)
      sparse.multiply(x, into: &y)
      #expect(y == sparse.multiply(x))
    }
  }

  @Test func transposingTwiceGivesTheOriginal() async {
    await propertyCheck(
      count: 100, input: Gen.int(in: 1...25), Gen.int(in: 1...25), Gen.uint64()
    ) { rowCount, columnCount, seed in
      let (dense, sparse) = randomSparsePair(
        rowCount: rowCount, columnCount: columnCount, density: 0.25, seed: seed)
      let transposed = sparse.transposed
      #expect(transposed.rowCount == columnCount && transposed.columnCount == rowCount)
      #expect(transposed.dense == dense.transposed)
      #expect(transposed.transposed == sparse)
    }
  }

  @Test func choiceMatrixGroupsRowsByState() {
    var builder = COOBuilder(rowCount: 3, columnCount: 2)
    builder.append(row: 0, column: 1, value: 1)
    builder.append(row: 1, column: 0, value: 1)
    builder.append(row: 2, column: 0, value: 1)
    let choices = ChoiceMatrix(transitions: builder.build(), groupStart: [0, 2, 3])
    #expect(choices.stateCount == 2 && choices.choiceCount == 3)
    #expect(choices.choices(of: 0) == 0..<2)
    #expect(choices.choices(of: 1) == 2..<3)
  }
}
