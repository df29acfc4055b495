// Kernel benchmarks of the numerics core: sparse products, value-iteration sweeps, dense LU
// solves and GTH elimination, each at three sizes. Inputs are deterministic (no RNG) and
// built in `setup`, outside the measurement.
import Benchmark
import OffloadLab

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal],
    timeUnits: .microseconds,
    maxDuration: .seconds(2),
    maxIterations: 10_000
  )

  // y = A x on a banded CSR matrix (10 nonzeros per row, columns i-5...i+4): the access
  // pattern of birth-death and queueing generators.
  for (label, n) in [("1e4", 10_000), ("1e5", 100_000), ("1e6", 1_000_000)] {
    Benchmark("Kernel.spmv banded n=\(label)") { benchmark, input in
      var y = [Double](repeating: 0, count: n)
      for _ in benchmark.scaledIterations {
        input.matrix.multiply(input.x, into: &y)
        blackHole(y)
      }
    } setup: {
      (matrix: bandedMatrix(n: n, lowerWidth: 5, upperWidth: 4), x: deterministicVector(n))
    }
  }

  // Jacobi value iteration on a post-decision queue model (5 transitions per row, 3
  // candidates per state). A run of 1 sweep and a run of 11 sweeps share the fixed costs
  // (allocation, policy read-off), so one sweep costs (t(11) - t(1)) / 10.
  for (label, n) in [("1e4", 10_000), ("1e5", 100_000), ("1e6", 1_000_000)] {
    for sweeps in [1, 11] {
      Benchmark("Kernel.VI jacobi sweeps=\(sweeps) n=\(label)") { benchmark, mdp in
        let solver = ValueIteration(
          tolerance: .absolute(.leastNonzeroMagnitude), maxIterations: sweeps, ordering: .jacobi)
        for _ in benchmark.scaledIterations {
          blackHole(solver.solve(mdp))
        }
      } setup: {
        try postDecisionQueue(n: n)
      }
    }
  }

  // Dense LU solve (LAPACK dgesv, one right-hand side) of a diagonally dominant system.
  for n in [100, 400, 1000] {
    Benchmark("Kernel.LAPACK.solve n=\(n)") { benchmark, input in
      for _ in benchmark.scaledIterations {
        do {
          blackHole(try LAPACK.solve(input.matrix, input.rhs))
        } catch {
          benchmark.error("LAPACK.solve failed: \(error)")
        }
      }
    } setup: {
      (matrix: diagonallyDominantMatrix(n: n), rhs: deterministicVector(n))
    }
  }

  // GTH elimination on a dense irreducible chain (O(n³): no zero entries to skip), through
  // the public stationary-distribution entry point.
  for n in [100, 300, 600] {
    Benchmark("Kernel.GTH n=\(n)") { benchmark, chain in
      for _ in benchmark.scaledIterations {
        do {
          blackHole(try chain.stationaryDistribution(method: .gth))
        } catch {
          benchmark.error("GTH failed: \(error)")
        }
      }
    } setup: {
      try denseChain(n: n)
    }
  }
}

/// A value in [1, 2) that depends on (i, j) in a scrambled but reproducible way.
private func pseudoRandom(_ i: Int, _ j: Int = 0) -> Double {
  1 + Double((i &* 7919 &+ j &* 104_729) % 1000) / 1000
}

private func deterministicVector(_ n: Int) -> [Double] {
  (0..<n).map { pseudoRandom($0) }
}

/// Row i holds pseudo-random positive entries in columns i-lowerWidth...i+upperWidth
/// (clipped), normalised to sum to 1.
private func bandedMatrix(n: Int, lowerWidth: Int, upperWidth: Int) -> CSRMatrix {
  var rowStart = [0]
  var columns: [Int32] = []
  var values: [Double] = []
  rowStart.reserveCapacity(n + 1)
  columns.reserveCapacity(n * (lowerWidth + upperWidth + 1))
  values.reserveCapacity(n * (lowerWidth + upperWidth + 1))
  for i in 0..<n {
    let band = max(0, i - lowerWidth)...min(n - 1, i + upperWidth)
    let weights = band.map { pseudoRandom(i, $0) }
    let total = weights.reduce(0, +)
    for (column, weight) in zip(band, weights) {
      columns.append(Int32(column))
      values.append(weight / total)
    }
    rowStart.append(values.count)
  }
  return CSRMatrix(
    rowCount: n, columnCount: n, rowStart: rowStart, columnIndex: columns, values: values)
}

/// A post-decision model shaped like a controlled queue: post-decision state y moves to
/// y-2...y+2, and state x may select x-1, x or x+1 (an instantaneous assignment).
private func postDecisionQueue(n: Int) throws -> DiscountedMDP {
  let transitions = bandedMatrix(n: n, lowerWidth: 2, upperWidth: 2)
  let costs = (0..<n).map { Double($0) / Double(n) + pseudoRandom($0) }
  var candidateStart = [0]
  var candidateRows: [Int32] = []
  for state in 0..<n {
    for row in max(0, state - 1)...min(n - 1, state + 1) { candidateRows.append(Int32(row)) }
    candidateStart.append(candidateRows.count)
  }
  let process = try DecisionProcess(
    postDecisionTransitions: transitions, costs: costs, candidateStart: candidateStart,
    candidateRows: candidateRows)
  return try DiscountedMDP(process: process, discountFactor: 0.99)
}

private func diagonallyDominantMatrix(n: Int) -> Matrix {
  var matrix = Matrix(rowCount: n, columnCount: n)
  for i in 0..<n {
    for j in 0..<n { matrix[i, j] = pseudoRandom(i, j) }
    matrix[i, i] += 2 * Double(n)
  }
  return matrix
}

private func denseChain(n: Int) throws -> DiscreteTimeMarkovChain {
  try DiscreteTimeMarkovChain(transitions: bandedMatrix(n: n, lowerWidth: n, upperWidth: n))
}
