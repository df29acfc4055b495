/// A sparse matrix in compressed sparse row (CSR) form.
///
/// Row i holds the entries `rowStart[i]..<rowStart[i+1]` of `columnIndex` and `values`;
/// columns are strictly increasing within a row (no duplicates). Column indices are
/// 32-bit to halve index traffic in the memory-bound kernels (12 bytes per nonzero).
public struct CSRMatrix: Equatable, Sendable {
  public let rowCount: Int
  public let columnCount: Int
  /// `rowCount + 1` offsets into `columnIndex` / `values`; `rowStart[0] == 0`.
  public let rowStart: [Int]
  public let columnIndex: [Int32]
  public let values: [Double]

  /// Number of stored entries.
  public var nonzeroCount: Int { values.count }

  /// A CSR matrix from its three arrays, checked: offsets non-decreasing, columns in range
  /// and strictly increasing within each row.
  public init(
    rowCount: Int, columnCount: Int, rowStart: [Int], columnIndex: [Int32], values: [Double]
  ) {
    precondition(columnCount <= Int(Int32.max), "column count \(columnCount) exceeds Int32")
    precondition(
      rowStart.count == rowCount + 1, "rowStart has \(rowStart.count), need \(rowCount + 1)")
    precondition(rowStart.first == 0 && rowStart.last == values.count, "rowStart ends mismatch")
    precondition(columnIndex.count == values.count, "columnIndex and values differ in length")
    self.rowCount = rowCount
    self.columnCount = columnCount
    self.rowStart = rowStart
    self.columnIndex = columnIndex
    self.values = values
    #if OFFLOADLAB_INTERNAL_CHECKS
      checkInvariants()
    #endif
  }

  /// Verifies the structural invariants (offsets, column range and order).
  public func checkInvariants() {
    for row in 0..<rowCount {
      precondition(rowStart[row] <= rowStart[row + 1], "row \(row) has negative length")
      var previous = -1
      for k in rowStart[row]..<rowStart[row + 1] {
        let column = Int(columnIndex[k])
        precondition(
          column > previous && column < columnCount,
          "row \(row): column \(column) out of order or outside 0..<\(columnCount)")
        previous = column
      }
    }
  }

  /// The entries of `row` as (column, value) pairs.
  public func row(_ row: Int) -> [(column: Int, value: Double)] {
    (rowStart[row]..<rowStart[row + 1]).map { (Int(columnIndex[$0]), values[$0]) }
  }

  /// Sum of the entries of each row.
  public var rowSums: [Double] {
    (0..<rowCount).map { row in
      var sum = 0.0
      for k in rowStart[row]..<rowStart[row + 1] { sum += values[k] }
      return sum
    }
  }

  /// `y = A x`.
  /// - Complexity: O(nonzeroCount).
  public func multiply(_ x: [Double]) -> [Double] {
    var y = [Double](repeating: 0, count: rowCount)
    multiply(x, into: &y)
    return y
  }

  /// `y = A x` into a caller-owned buffer (no allocation; the hot kernel of every sweep).
  /// - Complexity: O(nonzeroCount).
  public func multiply(_ x: [Double], into y: inout [Double]) {
    precondition(x.count == columnCount, "x has \(x.count) entries, need \(columnCount)")
    precondition(y.count == rowCount, "y has \(y.count) entries, need \(rowCount)")
    rowStart.withUnsafeBufferPointer { start in
      columnIndex.withUnsafeBufferPointer { column in
        values.withUnsafeBufferPointer { value in
          x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
              var row = 0
              while row < rowCount {
                var k = start[row]
                let end = start[row + 1]
                var sum = 0.0
                while k < end {
                  sum += value[k] * x[Int(column[k])]
                  k += 1
                }
                y[row] = sum
                row += 1
              }
            }
          }
        }
      }
    }
  }

  /// `y = Aᵀ x` (row-wise scatter; the kernel of `π ← π P`).
  /// - Complexity: O(nonzeroCount + columnCount).
  public func transposedMultiply(_ x: [Double]) -> [Double] {
    precondition(x.count == rowCount, "x has \(x.count) entries, need \(rowCount)")
    var y = [Double](repeating: 0, count: columnCount)
    rowStart.withUnsafeBufferPointer { start in
      columnIndex.withUnsafeBufferPointer { column in
        values.withUnsafeBufferPointer { value in
          x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
              var row = 0
              while row < rowCount {
                let xi = x[row]
                var k = start[row]
                let end = start[row + 1]
                while k < end {
                  y[Int(column[k])] += value[k] * xi
                  k += 1
                }
                row += 1
              }
            }
          }
        }
      }
    }
    return y
  }

  /// The transpose as a new CSR matrix (column access for Gauss-Seidel on `π P = π`).
  /// - Complexity: O(nonzeroCount + rowCount + columnCount).
  public var transposed: CSRMatrix {
    var counts = [Int](repeating: 0, count: columnCount + 1)
    for column in columnIndex { counts[Int(column) + 1] += 1 }
    for i in 0..<columnCount { counts[i + 1] += counts[i] }
    var next = counts
    var newColumns = [Int32](repeating: 0, count: nonzeroCount)
    var newValues = [Double](repeating: 0, count: nonzeroCount)
    for row in 0..<rowCount {
      for k in rowStart[row]..<rowStart[row + 1] {
        let column = Int(columnIndex[k])
        let slot = next[column]
        newColumns[slot] = Int32(row)
        newValues[slot] = values[k]
        next[column] += 1
      }
    }
    return CSRMatrix(
      rowCount: columnCount, columnCount: rowCount, rowStart: counts, columnIndex: newColumns,
      values: newValues)
  }

  /// The dense equivalent (for small matrices: LAPACK solves, tests).
  public var dense: Matrix {
    var matrix = Matrix(rowCount: rowCount, columnCount: columnCount)
    for row in 0..<rowCount {
      for k in rowStart[row]..<rowStart[row + 1] {
        matrix[row, Int(columnIndex[k])] = values[k]
      }
    }
    return matrix
  }
}
