import LinearKernels

/// Whether an iterative method met its stopping rule.
public enum SolverStatus: String, Sendable, Codable, Equatable {
  case converged
  case iterationLimitReached
  /// Stopped above the tolerance because the certified bound reached its floating-point
  /// floor: the contraction part of the bound fell to its round-off noise (or, for value
  /// iteration, the bound stopped improving), so further iterations would not meet the
  /// tolerance. The bound is still valid; a tolerance of at least twice the floor is always
  /// reached.
  case roundOffLimited
  /// An average-cost solve met a policy with several recurrent classes (a multichain
  /// model), whose gain may depend on the start state: no single optimal gain is claimed
  /// (the reported Odoni bracket still holds in every state).
  case multichain
}

/// How to compute a stationary distribution.
public enum StationaryMethod: Sendable, Equatable {
  /// Grassmann–Taksar–Heyman elimination on a dense copy: subtraction-free, accurate to a
  /// few ulps even for nearly decomposable chains. O(n³) time, O(n²) memory.
  case gth
  /// Gauss–Seidel on `π = π P` (column sweeps of P, renormalised each sweep), stopped when
  /// the residual `‖π P − π‖₁ <= tolerance`. O(transitions) per sweep.
  case gaussSeidel(tolerance: Double = 1e-12, maxIterations: Int = 100_000)
  /// GTH up to `denseLimit` recurrent states, Gauss–Seidel with default settings above.
  case automatic(denseLimit: Int = 1500)
  /// A direct sparse solve on the recurrent class: `x (I − P̃) = e_r` with P̃ = P without
  /// its column r (x(r) = 1 in place of the r-th balance equation, which is redundant), then
  /// π = x / Σ x (`PinnedChainFactorization`, factored by `SparseLU`). Accurate to a
  /// residual of a few ulps per state; cost that of the LU fill (about O(n^1.5) on 2-D
  /// queueing grids). docs/average-cost.md §4.
  case sparseLU
}

/// A chain whose long-run behaviour is not determined by a single distribution.
public enum ChainError: Error, Equatable, Sendable, CustomStringConvertible {
  /// More than one closed recurrent class: the stationary distribution is not unique.
  case multipleRecurrentClasses(count: Int, representatives: [Int])
  /// A chain without states, or a model error found while building the restricted chain.
  case invalidModel(ModelError)

  public var description: String {
    switch self {
    case .multipleRecurrentClasses(let count, let representatives):
      return "the chain has \(count) recurrent classes (containing states "
        + "\(representatives.map(String.init).joined(separator: ", "))); restrict it to one "
        + "with restrictedToRecurrentClass(reachedFrom:)"
    case .invalidModel(let error):
      return error.description
    }
  }
}

/// The stationary distribution π of a chain (`π P = π`, `Σ π = 1`) with the facts needed
/// to trust it.
public struct StationaryDistribution: Sendable {
  /// π, zero on transient states.
  public let probabilities: [Double]
  /// `‖π P − π‖₁` of the returned vector, recomputed after the method stopped (the
  /// certificate of the iterative method; round-off level for GTH).
  public let residual: Double
  public let status: SolverStatus
  /// Gauss–Seidel sweeps (0 for GTH).
  public let iterations: Int
  /// The method actually used (`.gth` or `.gaussSeidel`).
  public let method: StationaryMethod
}

extension DiscreteTimeMarkovChain {
  /// The unique stationary distribution of a chain with one recurrent class (transient
  /// states allowed; they get probability 0).
  ///
  /// The recurrent class is found first (bottom strongly connected component, O(n + nnz)),
  /// and the method runs on that class only.
  /// - Throws: `ChainError.multipleRecurrentClasses` if the distribution is not unique,
  ///   `ChainError.invalidModel` for a chain without states.
  public func stationaryDistribution(method: StationaryMethod = .automatic())
    throws(ChainError) -> StationaryDistribution
  {
    let (chain, recurrent) = try onlyRecurrentClass()
    let resolved: StationaryMethod
    switch method {
    case .automatic(let denseLimit):
      resolved = recurrent.count <= denseLimit ? .gth : .gaussSeidel()
    default:
      resolved = method
    }
    var probabilities: [Double]
    var status = SolverStatus.converged
    var iterations = 0
    switch resolved {
    case .gaussSeidel(let tolerance, let maxIterations):
      (probabilities, status, iterations) = StationarySolvers.gaussSeidel(
        chain.transitions, tolerance: tolerance, maxIterations: maxIterations)
    case .sparseLU:
      (probabilities, status) = StationarySolvers.sparseLU(chain.transitions)
    default:
      probabilities = StationarySolvers.gth(chain.transitions.dense)
    }
    if recurrent.count != stateCount {
      var full = [Double](repeating: 0, count: stateCount)
      for (position, state) in recurrent.enumerated() { full[state] = probabilities[position] }
      probabilities = full
    }
    return StationaryDistribution(
      probabilities: probabilities,
      residual: StationarySolvers.residual(probabilities, transitions),
      status: status, iterations: iterations, method: resolved)
  }
}

extension DiscreteTimeMarkovChain {
  /// The chain restricted to its only recurrent class, and that class's states in the
  /// restricted chain's order (the chain itself when every state is recurrent).
  /// - Throws: `ChainError` as `stationaryDistribution(method:)`.
  /// - Complexity: O(n + nnz).
  func onlyRecurrentClass() throws(ChainError) -> (chain: DiscreteTimeMarkovChain, states: [Int]) {
    guard stateCount > 0 else { throw .invalidModel(.dimensionMismatch("the chain has no states")) }
    let classes = Reachability.bottomComponents(of: Array(0..<stateCount), in: transitions)
    guard classes.count == 1 else {
      throw .multipleRecurrentClasses(count: classes.count, representatives: classes.map { $0[0] })
    }
    let recurrent = classes[0]
    do {
      return (recurrent.count == stateCount ? self : try restricted(to: recurrent), recurrent)
    } catch { throw .invalidModel(error) }
  }

  /// Long-run averages `π f` of `functions` (each one value per state) with a bound on the
  /// error of each, from one sparse LU of the recurrent class (`PinnedChainFactorization`).
  ///
  /// For the computed π̃ with residual row vector `r = π̃ (I − P)` and the relative values
  /// h_f of f (`(I − P) h_f = f − π f`), `π̃ f − π f = r h_f` exactly, and `r 1 = 0`, so
  ///
  /// ```
  /// |π̃ f − π f| <= ‖r‖₁ span(h_f) / 2  +  n ε Σ π̃ |f|
  /// ```
  ///
  /// where the second term covers the round-off of the sum π̃ f. h_f is the computed
  /// solution of its own system (residual at round-off level), so the bound holds to first
  /// order in the (tiny) error of h_f. docs/average-cost.md §4.
  /// - Throws: `ChainError` as `stationaryDistribution(method:)`; `.invalidModel` if the
  ///   factorisation fails or a function has the wrong length or a non-finite entry.
  /// - Complexity: one sparse LU of the recurrent class, then O(factor entries) per
  ///   function.
  public func longRunAverages(of functions: [[Double]]) throws(ChainError) -> (
    stationary: StationaryDistribution, averages: [(value: Double, errorBound: Double)]
  ) {
    for (index, f) in functions.enumerated() {
      guard f.count == stateCount, f.allSatisfy(\.isFinite) else {
        throw .invalidModel(
          .dimensionMismatch(
            "function \(index) needs \(stateCount) finite values, got \(f.count) "
              + "(\(f.filter { !$0.isFinite }.count) non-finite)"))
      }
    }
    let (chain, recurrent) = try onlyRecurrentClass()
    let pinned: PinnedChainFactorization
    let restrictedLaw: (probabilities: [Double], residual: Double)
    do {
      pinned = try PinnedChainFactorization(chain.transitions, reference: 0)
      restrictedLaw = try pinned.stationaryDistribution()
    } catch {
      throw .invalidModel(.dimensionMismatch("sparse LU of the recurrent class failed: \(error)"))
    }
    let pi = restrictedLaw.probabilities
    let next = chain.transitions.transposedMultiply(pi)
    let residualNorm = zip(pi, next).reduce(0) { $0 + abs($1.0 - $1.1) }
    let n = Double(recurrent.count)
    var averages: [(value: Double, errorBound: Double)] = []
    for f in functions {
      let local = recurrent.map { f[$0] }
      let h: [Double]
      do { h = try pinned.evaluate(costs: local).bias } catch {
        throw .invalidModel(.dimensionMismatch("relative values of a function failed: \(error)"))
      }
      let span = (h.max() ?? 0) - (h.min() ?? 0)
      let value = zip(pi, local).reduce(0) { $0 + $1.0 * $1.1 }
      let magnitude = zip(pi, local).reduce(0) { $0 + $1.0 * abs($1.1) }
      averages.append(
        (value, residualNorm * span / 2 + n * Double.ulpOfOne * magnitude))
    }
    var probabilities = [Double](repeating: 0, count: stateCount)
    for (position, state) in recurrent.enumerated() { probabilities[state] = pi[position] }
    let stationary = StationaryDistribution(
      probabilities: probabilities,
      residual: StationarySolvers.residual(probabilities, transitions),
      status: .converged, iterations: 0, method: .sparseLU)
    return (stationary, averages)
  }
}

extension ContinuousTimeMarkovChain {
  /// The stationary distribution (`π Q = 0`), computed on the uniformized chain, which has
  /// the same stationary law. The residual is that of the uniformized chain.
  /// - Throws: `ChainError` as for discrete-time chains.
  public func stationaryDistribution(method: StationaryMethod = .automatic())
    throws(ChainError) -> StationaryDistribution
  {
    let chain: DiscreteTimeMarkovChain
    do { chain = try uniformized() } catch { throw .invalidModel(error) }
    return try chain.stationaryDistribution(method: method)
  }
}

/// Kernels behind `stationaryDistribution(method:)`.
enum StationarySolvers {
  /// GTH elimination on an irreducible stochastic matrix (Grassmann, Taksar & Heyman 1985).
  /// Every pivot is a sum of positive entries, so no cancellation occurs.
  static func gth(_ matrix: Matrix) -> [Double] {
    let n = matrix.rowCount
    if n == 1 { return [1] }
    var a = matrix
    a.storage.withUnsafeMutableBufferPointer { a in
      // element (i, j) at a[i + j*n]
      var k = n - 1
      while k >= 1 {
        var pivot = 0.0
        for j in 0..<k { pivot += a[k + j * n] }
        precondition(pivot > 0, "GTH pivot \(pivot) at state \(k): chain is not irreducible")
        for i in 0..<k { a[i + k * n] /= pivot }
        for j in 0..<k {
          let akj = a[k + j * n]
          if akj == 0 { continue }
          var i = 0
          while i < k {
            a[i + j * n] += a[i + k * n] * akj
            i += 1
          }
        }
        k -= 1
      }
    }
    var x = [Double](repeating: 0, count: n)
    x[0] = 1
    for j in 1..<n {
      var sum = 0.0
      for i in 0..<j { sum += x[i] * a[i, j] }
      x[j] = sum
    }
    let total = x.reduce(0, +)
    return x.map { $0 / total }
  }

  /// Gauss–Seidel on `π_j = Σ_{i≠j} π_i P_ij / (1 − P_jj)`, renormalised after each sweep.
  static func gaussSeidel(_ transitions: CSRMatrix, tolerance: Double, maxIterations: Int)
    -> ([Double], SolverStatus, Int)
  {
    let n = transitions.rowCount
    // A single absorbing state has P_jj = 1: the update would be 0/0.
    if n == 1 { return ([1], .converged, 0) }
    let columns = transitions.transposed
    var pi = [Double](repeating: 1 / Double(n), count: n)
    var sweep = 0
    while sweep < maxIterations {
      sweep += 1
      var change = 0.0
      columns.rowStart.withUnsafeBufferPointer { start in
        columns.columnIndex.withUnsafeBufferPointer { source in
          columns.values.withUnsafeBufferPointer { value in
            pi.withUnsafeMutableBufferPointer { pi in
              var j = 0
              while j < n {
                var inflow = 0.0
                var stay = 0.0
                var k = start[j]
                let end = start[j + 1]
                while k < end {
                  let i = Int(source[k])
                  if i == j { stay = value[k] } else { inflow += pi[i] * value[k] }
                  k += 1
                }
                let updated = inflow / (1 - stay)
                change += abs(updated - pi[j])
                pi[j] = updated
                j += 1
              }
            }
          }
        }
      }
      let total = pi.reduce(0, +)
      for j in 0..<n { pi[j] /= total }
      if change / total <= tolerance, residual(pi, transitions) <= tolerance {
        return (pi, .converged, sweep)
      }
    }
    return (pi, residual(pi, transitions) <= tolerance ? .converged : .iterationLimitReached, sweep)
  }

  /// The direct solve of `.sparseLU` on an irreducible chain; status
  /// `.iterationLimitReached` if KLU reports the system singular (not irreducible), with
  /// the uniform vector so that the residual shows the failure.
  static func sparseLU(_ transitions: CSRMatrix) -> ([Double], SolverStatus) {
    let n = transitions.rowCount
    do {
      let (pi, _) = try PinnedChainFactorization(transitions, reference: 0)
        .stationaryDistribution()
      return (pi, .converged)
    } catch {
      return ([Double](repeating: 1 / Double(n), count: n), .iterationLimitReached)
    }
  }

  /// `‖π P − π‖₁`.
  static func residual(_ pi: [Double], _ transitions: CSRMatrix) -> Double {
    let next = transitions.transposedMultiply(pi)
    return zip(next, pi).reduce(0) { $0 + abs($1.0 - $1.1) }
  }
}
