import LinearKernels

/// Graph algorithms on the nonzero pattern of a square sparse matrix.
enum Reachability {
  /// States reachable from `sources` through positive entries, sorted.
  static func reachable(from sources: [Int], in matrix: CSRMatrix) -> [Int] {
    var seen = [Bool](repeating: false, count: matrix.rowCount)
    var stack = sources
    for source in sources { seen[source] = true }
    while let state = stack.popLast() {
      for k in matrix.rowStart[state]..<matrix.rowStart[state + 1] where matrix.values[k] > 0 {
        let next = Int(matrix.columnIndex[k])
        if !seen[next] {
          seen[next] = true
          stack.append(next)
        }
      }
    }
    return seen.indices.filter { seen[$0] }
  }

  /// Bottom strongly connected components (closed classes) of the subgraph induced by
  /// `states` (assumed closed under reachability), by an iterative Tarjan search.
  static func bottomComponents(of states: [Int], in matrix: CSRMatrix) -> [[Int]] {
    let n = matrix.rowCount
    var index = [Int](repeating: -1, count: n)
    var lowLink = [Int](repeating: 0, count: n)
    var onStack = [Bool](repeating: false, count: n)
    var component = [Int](repeating: -1, count: n)
    var stack: [Int] = []
    var components: [[Int]] = []
    var counter = 0
    for root in states where index[root] < 0 {
      var work: [(state: Int, next: Int)] = [(root, matrix.rowStart[root])]
      index[root] = counter
      lowLink[root] = counter
      counter += 1
      stack.append(root)
      onStack[root] = true
      while !work.isEmpty {
        let (state, k) = work[work.count - 1]
        if k < matrix.rowStart[state + 1] {
          work[work.count - 1].next = k + 1
          guard matrix.values[k] > 0 else { continue }
          let next = Int(matrix.columnIndex[k])
          if index[next] < 0 {
            index[next] = counter
            lowLink[next] = counter
            counter += 1
            stack.append(next)
            onStack[next] = true
            work.append((next, matrix.rowStart[next]))
          } else if onStack[next] {
            lowLink[state] = min(lowLink[state], index[next])
          }
        } else {
          work.removeLast()
          if let parent = work.last {
            lowLink[parent.state] = min(lowLink[parent.state], lowLink[state])
          }
          if lowLink[state] == index[state] {
            var members: [Int] = []
            while let top = stack.popLast() {
              onStack[top] = false
              component[top] = components.count
              members.append(top)
              if top == state { break }
            }
            components.append(members.sorted())
          }
        }
      }
    }
    let bottom = components.enumerated().filter { id, members in
      members.allSatisfy { state in
        (matrix.rowStart[state]..<matrix.rowStart[state + 1]).allSatisfy {
          matrix.values[$0] == 0 || component[Int(matrix.columnIndex[$0])] == id
        }
      }
    }.map(\.element)
    return bottom.sorted { $0[0] < $1[0] }
  }

  /// The square submatrix on `states`, renumbered in the given order. Entries leaving the
  /// set are dropped (the caller validates row sums).
  static func submatrix(_ matrix: CSRMatrix, _ states: [Int]) -> CSRMatrix {
    var newIndex = [Int32](repeating: -1, count: matrix.rowCount)
    for (position, state) in states.enumerated() { newIndex[state] = Int32(position) }
    var builder = COOBuilder(rowCount: states.count, columnCount: states.count)
    for (position, state) in states.enumerated() {
      for k in matrix.rowStart[state]..<matrix.rowStart[state + 1] {
        let target = newIndex[Int(matrix.columnIndex[k])]
        if target >= 0 {
          builder.append(row: position, column: Int(target), value: matrix.values[k])
        }
      }
    }
    return builder.build()
  }
}
