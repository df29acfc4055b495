import LinearKernels
import MarkovSolvers
import PropertyBased
import TestSupport
import Testing

private let stationaryMethods: [StationaryMethod] = [.gth, .gaussSeidel()]

/// A chain from a list of (from, to, probability) triplets over `stateCount` states.
private func chain(_ stateCount: Int, _ entries: [(Int, Int, Double)]) throws
  -> DiscreteTimeMarkovChain
{
  var builder = COOBuilder(rowCount: stateCount, columnCount: stateCount)
  for (from, to, probability) in entries {
    builder.append(row: from, column: to, value: probability)
  }
  return try DiscreteTimeMarkovChain(transitions: builder.build())
}

/// A birth–death CTMC on 0...K with birth rates λ_i (i < K) and death rates μ_i (i > 0).
private func birthDeathCTMC(births: [Double], deaths: [Double]) throws
  -> ContinuousTimeMarkovChain
{
  let n = births.count + 1
  var rates = COOBuilder(rowCount: n, columnCount: n)
  for i in 0..<(n - 1) {
    rates.append(row: i, column: i + 1, value: births[i])
    rates.append(row: i + 1, column: i, value: deaths[i])
  }
  return try ContinuousTimeMarkovChain(rates: rates.build())
}

/// The normalised detailed-balance product π_i ∝ Π_{j<i} λ_j/μ_{j+1}, the closed form of
/// every birth–death chain.
private func birthDeathLaw(births: [Double], deaths: [Double]) -> [Double] {
  var weights = [1.0]
  for (birth, death) in zip(births, deaths) {
    weights.append(weights[weights.count - 1] * birth / death)
  }
  let total = weights.reduce(0, +)
  return weights.map { $0 / total }
}

/// The balance equations πᵀ(P − I) = 0 with the last one replaced by Σπ = 1, solved by
/// dense LU: an independent reference for both stationary methods.
private func balanceSolve(_ rows: [[Double]]) throws -> [Double] {
  let n = rows.count
  var system = Matrix(rowCount: n, columnCount: n)
  for i in 0..<n {
    for j in 0..<n { system[j, i] = rows[i][j] - (i == j ? 1 : 0) }
  }
  for j in 0..<n { system[n - 1, j] = 1 }
  var rhs = [Double](repeating: 0, count: n)
  rhs[n - 1] = 1
  return try LAPACK.solve(system, rhs)
}

/// ‖πP − π‖₁ by plain loops over dense rows.
private func balanceResidual(_ pi: [Double], _ rows: [[Double]]) -> Double {
  var residual = 0.0
  for j in rows.indices {
    var inflow = 0.0
    for i in rows.indices { inflow += pi[i] * rows[i][j] }
    residual += abs(inflow - pi[j])
  }
  return residual
}

@Suite("Markov chains: stationary distributions and recurrent classes")
struct ChainTests {
  /// M/M/1/K: π_i = ρ^i / Σ_j ρ^j (ρ = λ/μ). The DTMC form is the uniformized chain at
  /// Λ = λ + μ (up with λ/Λ, down with μ/Λ, self-loops at 0 and K).
  @Test(
    arguments: [(1.0, 2.0, 5), (3.0, 2.0, 12), (1.0, 1.0, 6), (0.2, 5.0, 8)], stationaryMethods)
  func mm1kMatchesTheClosedForm(
    queue: (arrival: Double, service: Double, capacity: Int), method: StationaryMethod
  ) throws {
    let (lambda, mu, k) = queue
    var powers = [1.0]
    for _ in 0..<k { powers.append(powers[powers.count - 1] * lambda / mu) }
    let total = powers.reduce(0, +)
    let expected = powers.map { $0 / total }
    let ctmc = try birthDeathCTMC(
      births: Array(repeating: lambda, count: k), deaths: Array(repeating: mu, count: k))
    let up = lambda / (lambda + mu)
    var entries: [(Int, Int, Double)] = [(0, 0, 1 - up), (k, k, up)]
    for i in 0..<k { entries += [(i, i + 1, up), (i + 1, i, 1 - up)] }
    let dtmc = try chain(k + 1, entries)
    for distribution in [
      try ctmc.stationaryDistribution(method: method),
      try dtmc.stationaryDistribution(method: method),
    ] {
      #expect(maxAbsDifference(distribution.probabilities, expected) <= 1e-10)
      #expect(distribution.status == .converged)
      #expect(distribution.method == method)
    }
  }

  @Test(arguments: stationaryMethods)
  func birthDeathChainMatchesDetailedBalance(method: StationaryMethod) throws {
    let births = (0..<9).map { 1 + Double($0 % 3) }
    let deaths = (1...9).map { 0.7 * Double($0) }
    let distribution = try birthDeathCTMC(births: births, deaths: deaths)
      .stationaryDistribution(method: method)
    #expect(
      maxAbsDifference(distribution.probabilities, birthDeathLaw(births: births, deaths: deaths))
        <= 1e-11)
  }

  /// GTH, Gauss–Seidel and a dense LU solve of the balance equations agree; both methods
  /// satisfy πP = π and Σπ = 1 (checked with plain loops).
  @Test func methodsAgreeOnRandomIrreducibleChains() async {
    await propertyCheck(count: 100, input: Gen.int(in: 1...20), Gen.uint64()) { stateCount, seed in
      let rows = randomIrreducibleRows(stateCount: stateCount, extraSuccessors: 3, seed: seed)
      let reference = try balanceSolve(rows)
      let chain = try DiscreteTimeMarkovChain(dense: Matrix(rows: rows))
      for method in stationaryMethods {
        let pi = try chain.stationaryDistribution(method: method).probabilities
        #expect(maxAbsDifference(pi, reference) <= 1e-9, "\(method)")
        #expect(balanceResidual(pi, rows) <= 1e-11, "\(method)")
        #expect(abs(pi.reduce(0, +) - 1) <= 1e-13, "\(method)")
        #expect(pi.allSatisfy { $0 > 0 }, "\(method)")
      }
    }
  }

  /// States 0 and 1 are transient (0 stays or moves to 1, 1 moves to 2); {2, 3} is the
  /// recurrent class with 2 → 3 and 3 → 2 w.p. 0.4, so π2 = 0.4 π3 and π = (0, 0, 2/7, 5/7).
  @Test(arguments: stationaryMethods)
  func transientStatesGetNoMass(method: StationaryMethod) throws {
    let transient = try chain(
      4, [(0, 0, 0.5), (0, 1, 0.5), (1, 2, 1), (2, 3, 1), (3, 2, 0.4), (3, 3, 0.6)])
    let pi = try transient.stationaryDistribution(method: method).probabilities
    #expect(pi[0] == 0 && pi[1] == 0)
    #expect(maxAbsDifference(pi, [0, 0, 2.0 / 7, 5.0 / 7]) <= 1e-12)
  }

  /// An absorbing state is a recurrent class of its own: all mass ends there.
  @Test(arguments: stationaryMethods)
  func absorbingStateTakesAllMass(method: StationaryMethod) throws {
    let absorbing = try chain(3, [(0, 1, 0.5), (0, 2, 0.5), (1, 2, 1), (2, 2, 1)])
    #expect(try absorbing.stationaryDistribution(method: method).probabilities == [0, 0, 1])
  }

  /// The hand-drawn graph
  ///
  ///     6 → 0 → {1, 2};  1 ⇄ 3 (1 also loops);  2 → 4 ⇄ 5
  ///
  /// plus an explicit zero entry 3 → 0, which is not an edge. Closed classes: {1, 3} and
  /// {4, 5}; 0, 2 and 6 are transient.
  static func handDrawnChain() throws -> DiscreteTimeMarkovChain {
    try chain(
      7,
      [
        (0, 1, 0.5), (0, 2, 0.5), (1, 1, 0.25), (1, 3, 0.75), (3, 1, 1), (3, 0, 0),
        (2, 4, 1), (4, 5, 1), (5, 4, 1), (6, 0, 1),
      ])
  }

  @Test func recurrentClassesOfAHandDrawnGraph() throws {
    let graph = try Self.handDrawnChain()
    #expect(try graph.reachableStates(from: 2) == [2, 4, 5])
    #expect(try graph.reachableStates(from: 0) == [0, 1, 2, 3, 4, 5])
    #expect(try graph.recurrentClasses(reachableFrom: 0) == [[1, 3], [4, 5]])
    #expect(try graph.recurrentClasses(reachableFrom: 6) == [[1, 3], [4, 5]])
    #expect(try graph.recurrentClasses(reachableFrom: 2) == [[4, 5]])
    #expect(try graph.recurrentClasses(reachableFrom: 3) == [[1, 3]])
    #expect(try graph.recurrentClasses(reachableFrom: 5) == [[4, 5]])
  }

  @Test func restrictionToTheRecurrentClassReachedFromAState() throws {
    let graph = try Self.handDrawnChain()
    let (restricted, states) = try graph.restrictedToRecurrentClass(reachedFrom: 2)
    #expect(states == [4, 5])
    #expect(restricted.transitions.dense == Matrix(rows: [[0, 1], [1, 0]]))
    let other = try graph.restrictedToRecurrentClass(reachedFrom: 3)
    #expect(other.states == [1, 3])
    #expect(other.chain.transitions.dense == Matrix(rows: [[0.25, 0.75], [1, 0]]))
    // π of {1, 3}: π1 = 0.25 π1 + π3 and π3 = 0.75 π1, so π = (4/7, 3/7).
    #expect(
      maxAbsDifference(try other.chain.stationaryDistribution().probabilities, [4.0 / 7, 3.0 / 7])
        <= 1e-15)
    #expect(
      throws: ModelError.dimensionMismatch(
        "2 recurrent classes are reachable from state 0, not one")
    ) {
      try graph.restrictedToRecurrentClass(reachedFrom: 0)
    }
  }

  /// {4, 5, 0} is not closed: all of state 0's mass leaves it, and the error names state 0
  /// (not its position 2 in the list).
  @Test func restrictionToAnOpenSetNamesTheLeakingState() throws {
    let graph = try Self.handDrawnChain()
    #expect(throws: ModelError.rowSumNotOne(row: 0, sum: 0)) {
      try graph.restricted(to: [4, 5, 0])
    }
    #expect(
      try graph.restricted(to: [5, 4]).transitions.dense == Matrix(rows: [[0, 1], [1, 0]]))
  }

  @Test func twoRecurrentClassesHaveNoUniqueDistribution() throws {
    let error = ChainError.multipleRecurrentClasses(count: 2, representatives: [1, 4])
    for method in stationaryMethods {
      #expect(throws: error) { try Self.handDrawnChain().stationaryDistribution(method: method) }
    }
    #expect(
      error.description
        == "the chain has 2 recurrent classes (containing states 1, 4); restrict it to one "
        + "with restrictedToRecurrentClass(reachedFrom:)")
  }

  /// Long-run average of a reward under the M/M/1/2 law with ρ = 1/2: π = (4, 2, 1)/7, so
  /// the mean number in system is (0·4 + 1·2 + 2·1)/7 = 4/7.
  @Test func longRunAverageOfAReward() throws {
    let queue = try birthDeathCTMC(births: [1, 1], deaths: [2, 2])
    let pi = try queue.stationaryDistribution()
    #expect(pi.method == .gth)
    let uniformized = try queue.uniformized(rate: 3)
    #expect(isClose(uniformized.longRunAverage(of: [0, 1, 2], distribution: pi), 4.0 / 7))
  }

  /// P = I + Q/Λ at Λ = 4 for the rates 0 → 1 at 1 and 1 → 0 at 2 (a diagonal rate entry
  /// is ignored): rows (3/4, 1/4) and (1/2, 1/2).
  @Test func uniformizedChainOfACTMC() throws {
    var rates = COOBuilder(rowCount: 2, columnCount: 2)
    rates.append(row: 0, column: 1, value: 1)
    rates.append(row: 1, column: 0, value: 2)
    rates.append(row: 1, column: 1, value: 7)
    let ctmc = try ContinuousTimeMarkovChain(rates: rates.build())
    #expect(ctmc.exitRates == [1, 2])
    #expect(
      try ctmc.uniformized(rate: 4).transitions.dense == Matrix(rows: [[0.75, 0.25], [0.5, 0.5]]))
    #expect(throws: ModelError.uniformizationRateTooSmall(rate: 1.5, maximumExitRate: 2)) {
      try ctmc.uniformized(rate: 1.5)
    }
  }

  /// A chain without states has no distribution; the error says so rather than counting
  /// "0 recurrent classes" as several.
  @Test(arguments: stationaryMethods)
  func emptyChainIsRejected(method: StationaryMethod) throws {
    let empty = try chain(0, [])
    let error = ChainError.invalidModel(.dimensionMismatch("the chain has no states"))
    #expect(throws: error) { try empty.stationaryDistribution(method: method) }
    #expect(error.description == "dimension mismatch: the chain has no states")
  }

  @Test func gaussSeidelReportsItsIterationLimit() throws {
    let slow = try birthDeathCTMC(
      births: Array(repeating: 1, count: 30), deaths: Array(repeating: 1.1, count: 30))
    let stopped = try slow.stationaryDistribution(
      method: .gaussSeidel(tolerance: 1e-15, maxIterations: 2))
    #expect(stopped.status == .iterationLimitReached && stopped.iterations == 2)
    #expect(stopped.residual > 1e-15)
  }
}
