import LinearKernels

/// A finite discrete-time Markov chain with transition matrix P (rows sum to 1).
public struct DiscreteTimeMarkovChain: Sendable {
  public let transitions: CSRMatrix

  public var stateCount: Int { transitions.rowCount }

  /// - Throws: `ModelError` if P is not square or a row is not a probability distribution
  ///   (entries in [0, 1], sum within 1e-12 of 1).
  public init(transitions: CSRMatrix) throws(ModelError) {
    guard transitions.rowCount == transitions.columnCount else {
      throw .dimensionMismatch(
        "transition matrix is \(transitions.rowCount)x\(transitions.columnCount)")
    }
    try ModelValidation.checkStochastic(transitions)
    self.transitions = transitions
  }

  /// A chain from a dense stochastic matrix (small chains, tests).
  public init(dense: Matrix) throws(ModelError) {
    var builder = COOBuilder(rowCount: dense.rowCount, columnCount: dense.columnCount)
    for i in 0..<dense.rowCount {
      for j in 0..<dense.columnCount where dense[i, j] != 0 {
        builder.append(row: i, column: j, value: dense[i, j])
      }
    }
    try self.init(transitions: builder.build())
  }

  /// For matrices the library built itself and already knows to be stochastic.
  init(validated transitions: CSRMatrix) {
    #if OFFLOADLAB_INTERNAL_CHECKS
      do { try ModelValidation.checkStochastic(transitions) } catch {
        preconditionFailure("internal chain is not stochastic: \(error)")
      }
    #endif
    self.transitions = transitions
  }

  /// States reachable from `start` (including it), in increasing index order.
  /// - Complexity: O(states + transitions).
  public func reachableStates(from start: Int) throws(ModelError) -> [Int] {
    guard start >= 0, start < stateCount else {
      throw .stateOutOfRange(state: start, stateCount: stateCount)
    }
    return Reachability.reachable(from: [start], in: transitions)
  }

  /// The closed recurrent classes reachable from `start` (bottom strongly connected
  /// components of the reachable graph), each sorted, ordered by smallest state.
  /// - Complexity: O(states + transitions) (iterative Tarjan).
  public func recurrentClasses(reachableFrom start: Int) throws(ModelError) -> [[Int]] {
    let reachable = try reachableStates(from: start)
    return Reachability.bottomComponents(of: reachable, in: transitions)
  }

  /// The chain restricted to `states` (which must be closed: no probability leaves them),
  /// renumbered 0..<states.count in the given order.
  /// - Throws: `ModelError.rowSumNotOne` naming the first state whose mass leaves the set.
  public func restricted(to states: [Int]) throws(ModelError) -> DiscreteTimeMarkovChain {
    do {
      return try DiscreteTimeMarkovChain(transitions: Reachability.submatrix(transitions, states))
    } catch .rowSumNotOne(let position, let sum) {
      throw .rowSumNotOne(row: states[position], sum: sum)
    }
  }

  /// The chain restricted to its unique recurrent class reachable from `start`, with the
  /// original indices of the kept states.
  /// - Throws: `ModelError.dimensionMismatch` if several recurrent classes are reachable
  ///   (the long-run behaviour then depends on the path taken).
  public func restrictedToRecurrentClass(reachedFrom start: Int) throws(ModelError) -> (
    chain: DiscreteTimeMarkovChain, states: [Int]
  ) {
    let classes = try recurrentClasses(reachableFrom: start)
    guard classes.count == 1 else {
      throw .dimensionMismatch(
        "\(classes.count) recurrent classes are reachable from state \(start), not one")
    }
    return (try restricted(to: classes[0]), classes[0])
  }

  /// Long-run average of `reward` under a stationary distribution: `g = Σ π(x) r(x)`.
  public func longRunAverage(of reward: [Double], distribution: StationaryDistribution)
    -> Double
  {
    precondition(
      reward.count == stateCount, "reward has \(reward.count) entries, need \(stateCount)")
    return zip(distribution.probabilities, reward).reduce(0) { $0 + $1.0 * $1.1 }
  }
}

/// A finite continuous-time Markov chain given by its off-diagonal transition rates
/// `Q(x, x') >= 0`; the diagonal is implied, `Q(x, x) = -Σ_{x'≠x} Q(x, x')`. Entries on the
/// diagonal of `rates` are ignored (a self-transition does not change the state).
public struct ContinuousTimeMarkovChain: Sendable {
  public let rates: CSRMatrix
  /// `q(x) = Σ_{x'≠x} Q(x, x')`.
  public let exitRates: [Double]

  public var stateCount: Int { rates.rowCount }

  /// - Throws: `ModelError` if the matrix is not square or a rate is negative or not finite.
  public init(rates: CSRMatrix) throws(ModelError) {
    guard rates.rowCount == rates.columnCount else {
      throw .dimensionMismatch("rate matrix is \(rates.rowCount)x\(rates.columnCount)")
    }
    try ModelValidation.checkRates(rates)
    self.rates = rates
    self.exitRates = Uniformization.exitRates(rates, home: nil)
  }

  /// The uniformized chain `P = I + Q/Λ` with `Λ >= max q(x)`; it has the same
  /// stationary distribution as the CTMC. Default Λ: the largest exit rate (times 1 + 1e-9
  /// so every state keeps a self-loop, which makes P aperiodic).
  /// - Throws: `ModelError.uniformizationRateTooSmall` if Λ < max q(x).
  public func uniformized(rate: Double? = nil) throws(ModelError) -> DiscreteTimeMarkovChain {
    let maximum = exitRates.max() ?? 0
    let uniformizationRate = rate ?? max(maximum * (1 + 1e-9), Double.leastNormalMagnitude)
    let matrix = try Uniformization.stochasticRows(
      rates: rates, home: nil, exitRates: exitRates, rate: uniformizationRate)
    return DiscreteTimeMarkovChain(validated: matrix)
  }
}
