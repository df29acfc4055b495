/// A dense real matrix stored column-major (LAPACK's native order), so BLAS and LAPACK
/// read it without copies or transposition.
///
/// Element (i, j) lives at `storage[i + j * rowCount]`.
public struct Matrix: Equatable, Sendable {
  public let rowCount: Int
  public let columnCount: Int
  /// Column-major entries, `rowCount * columnCount` of them.
  public var storage: [Double]

  /// A matrix filled with `value`.
  public init(rowCount: Int, columnCount: Int, repeating value: Double = 0) {
    precondition(rowCount >= 0 && columnCount >= 0, "negative size \(rowCount)x\(columnCount)")
    self.rowCount = rowCount
    self.columnCount = columnCount
    self.storage = Array(repeating: value, count: rowCount * columnCount)
  }

  /// A matrix from column-major entries.
  public init(rowCount: Int, columnCount: Int, columnMajor entries: [Double]) {
    precondition(
      entries.count == rowCount * columnCount,
      "\(entries.count) entries for a \(rowCount)x\(columnCount) matrix")
    self.rowCount = rowCount
    self.columnCount = columnCount
    self.storage = entries
  }

  /// A matrix from a list of rows (convenient for literals in tests and examples).
  public init(rows: [[Double]]) {
    let columns = rows.first?.count ?? 0
    precondition(rows.allSatisfy { $0.count == columns }, "rows of unequal length")
    self.init(rowCount: rows.count, columnCount: columns)
    for (i, row) in rows.enumerated() {
      for (j, value) in row.enumerated() { self[i, j] = value }
    }
  }

  /// The n x n identity.
  public static func identity(_ n: Int) -> Matrix {
    var matrix = Matrix(rowCount: n, columnCount: n)
    for i in 0..<n { matrix[i, i] = 1 }
    return matrix
  }

  public subscript(row: Int, column: Int) -> Double {
    get {
      precondition(
        row >= 0 && row < rowCount && column >= 0 && column < columnCount,
        "index (\(row), \(column)) outside \(rowCount)x\(columnCount)")
      return storage[row + column * rowCount]
    }
    set {
      precondition(
        row >= 0 && row < rowCount && column >= 0 && column < columnCount,
        "index (\(row), \(column)) outside \(rowCount)x\(columnCount)")
      storage[row + column * rowCount] = newValue
    }
  }

  /// The transpose (a copy).
  public var transposed: Matrix {
    var result = Matrix(rowCount: columnCount, columnCount: rowCount)
    for j in 0..<columnCount {
      for i in 0..<rowCount { result[j, i] = self[i, j] }
    }
    return result
  }
}
