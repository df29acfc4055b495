/// Collects (row, column, value) triplets in any order and builds a `CSRMatrix`, summing
/// duplicates.
///
/// The builder owns its triplets and `build()` writes into freshly allocated arrays, so the
/// result never shares storage with the input (docs/service-modes.md §S12: summing
/// duplicates in place over a matrix's own arrays silently corrupts it).
public struct COOBuilder: Sendable {
  public let rowCount: Int
  public let columnCount: Int
  private var rows: [Int32] = []
  private var columns: [Int32] = []
  private var values: [Double] = []

  public init(rowCount: Int, columnCount: Int, reservingCapacity capacity: Int = 0) {
    precondition(
      rowCount <= Int(Int32.max) && columnCount <= Int(Int32.max),
      "size \(rowCount)x\(columnCount) exceeds 32-bit indices")
    self.rowCount = rowCount
    self.columnCount = columnCount
    rows.reserveCapacity(capacity)
    columns.reserveCapacity(capacity)
    values.reserveCapacity(capacity)
  }

  /// Number of triplets collected so far (duplicates counted separately).
  public var entryCount: Int { values.count }

  /// Adds `value` at (row, column); repeated positions are summed by `build()`.
  public mutating func append(row: Int, column: Int, value: Double) {
    precondition(
      row >= 0 && row < rowCount && column >= 0 && column < columnCount,
      "entry (\(row), \(column)) outside \(rowCount)x\(columnCount)")
    rows.append(Int32(row))
    columns.append(Int32(column))
    values.append(value)
  }

  /// The CSR matrix with duplicates summed and columns sorted within rows. Entries that sum
  /// to exactly zero are kept when `dropZeros` is false (the default keeps the pattern).
  /// - Complexity: O(entries + rowCount) plus a sort of each row's entries.
  public func build(dropZeros: Bool = false) -> CSRMatrix {
    var counts = [Int](repeating: 0, count: rowCount + 1)
    for row in rows { counts[Int(row) + 1] += 1 }
    for i in 0..<rowCount { counts[i + 1] += counts[i] }
    var next = counts
    var order = [Int](repeating: 0, count: values.count)
    for (entry, row) in rows.enumerated() {
      order[next[Int(row)]] = entry
      next[Int(row)] += 1
    }
    var rowStart = [Int](repeating: 0, count: rowCount + 1)
    var outColumns: [Int32] = []
    var outValues: [Double] = []
    outColumns.reserveCapacity(values.count)
    outValues.reserveCapacity(values.count)
    for row in 0..<rowCount {
      let entries = order[counts[row]..<counts[row + 1]].sorted {
        (columns[$0], $0) < (columns[$1], $1)
      }
      var index = 0
      while index < entries.count {
        let column = columns[entries[index]]
        var sum = 0.0
        while index < entries.count && columns[entries[index]] == column {
          sum += values[entries[index]]
          index += 1
        }
        if !(dropZeros && sum == 0) {
          outColumns.append(column)
          outValues.append(sum)
        }
      }
      rowStart[row + 1] = outValues.count
    }
    return CSRMatrix(
      rowCount: rowCount, columnCount: columnCount, rowStart: rowStart, columnIndex: outColumns,
      values: outValues)
  }
}
