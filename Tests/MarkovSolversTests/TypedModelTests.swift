import Foundation
import MarkovSolvers
import TestSupport
import Testing

/// Puterman (2005) Example 6.2.1 in cost form, with typed states and actions. By hand
/// (AnalyticMDPTests): V*(s2) = 1/(1−γ); V*(s1) = min(stay, jump) with
/// stay = −(5 − 5.5γ)/((1 − γ/2)(1 − γ)), jump = −(10 − 11γ)/(1 − γ); a11 optimal iff
/// γ > 10/11.
private struct Puterman: DiscreteTimeModel {
  enum State: Hashable { case s1, s2 }
  enum Action: Hashable { case a11, a12, stay }

  var initialStates: [State] { [.s1] }

  func actions(in state: State) -> [Action] { state == .s1 ? [.a11, .a12] : [.stay] }

  func transitions(from state: State, taking action: Action) -> [(State, Double)] {
    switch action {
    case .a11: [(.s1, 0.5), (.s2, 0.5)]
    case .a12, .stay: [(.s2, 1)]
    }
  }

  func cost(in state: State, taking action: Action) -> Double {
    switch action {
    case .a11: -5
    case .a12: -10
    case .stay: 1
    }
  }
}

/// Machine replacement, three conditions: new (runs free, wears with 1/2), worn (runs at
/// cost 1 and breaks with 1/2, or is replaced at cost 4), broken (replaced at cost 6).
private struct Replacement: DiscreteTimeModel {
  enum Condition: Int, Hashable { case new, worn, broken }
  enum Action: Hashable { case run, replace }

  var initialStates: [Condition] { [.new] }

  func actions(in state: Condition) -> [Action] {
    switch state {
    case .new: [.run]
    case .worn: [.run, .replace]
    case .broken: [.replace]
    }
  }

  func transitions(from state: Condition, taking action: Action) -> [(Condition, Double)] {
    switch (state, action) {
    case (_, .replace): [(.new, 1)]
    case (.new, .run): [(.new, 0.5), (.worn, 0.5)]
    default: [(.worn, 0.5), (.broken, 0.5)]
    }
  }

  func cost(in state: Condition, taking action: Action) -> Double {
    switch (state, action) {
    case (.broken, _): 6
    case (_, .replace): 4
    case (.worn, .run): 1
    default: 0
    }
  }
}

/// The discounted values of a fixed policy of `Replacement` by Cramer's rule on the 3 × 3
/// system (I − γ P) V = c, written out from the model's description.
private func replacementValues(replaceWorn: Bool, gamma: Double) -> [Double] {
  // Rows: new, worn, broken.
  let p: [[Double]] = [
    [0.5, 0.5, 0],
    replaceWorn ? [1, 0, 0] : [0, 0.5, 0.5],
    [1, 0, 0],
  ]
  let c = [0, replaceWorn ? 4.0 : 1.0, 6]
  let a = (0..<3).map { i in (0..<3).map { j in (i == j ? 1 : 0) - gamma * p[i][j] } }
  func det(_ m: [[Double]]) -> Double {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
      - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
      + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  }
  let d = det(a)
  return (0..<3).map { column in
    det(
      a.map { row in (0..<3).map { $0 == column ? 0 : row[$0] } }.enumerated().map {
        var r = $0.element
        r[column] = c[$0.offset]
        return r
      }) / d
  }
}

/// M/M/1/K in continuous time with one action: the long-run mean number in system is
/// `Σ i ρ^i / Σ ρ^i` (i = 0...K), the birth–death closed form.
private struct MM1K: ContinuousTimeModel {
  var arrivalRate: Double
  var serviceRate: Double
  var capacity: Int

  var initialStates: [Int] { [0] }
  func actions(in state: Int) -> [String] { ["serve"] }
  func rates(from state: Int, taking action: String) -> [(Int, Double)] {
    var out: [(Int, Double)] = []
    if state < capacity { out.append((state + 1, arrivalRate)) }
    if state > 0 { out.append((state - 1, serviceRate)) }
    return out
  }
  func costRate(in state: Int, taking action: String) -> Double { Double(state) }
}

/// A model assembled from closures, for the error paths.
private struct Closures: DiscreteTimeModel {
  var initial: [Int] = [0]
  var actionsOf: @Sendable (Int) -> [Int] = { _ in [0] }
  var next: @Sendable (Int, Int) -> [(Int, Double)] = { _, _ in [(0, 1)] }
  var stageCost: @Sendable (Int, Int) -> Double = { _, _ in 0 }

  var initialStates: [Int] { initial }
  func actions(in state: Int) -> [Int] { actionsOf(state) }
  func transitions(from state: Int, taking action: Int) -> [(Int, Double)] { next(state, action) }
  func cost(in state: Int, taking action: Int) -> Double { stageCost(state, action) }
}

private func compileError(_ body: () throws(ModelingError) -> Void) -> String? {
  do {
    try body()
    return nil
  } catch {
    return error.description
  }
}

@Suite("Typed models")
struct TypedModelTests {
  @Test(arguments: [0.5, 0.95], [SolutionMethod.policyIteration, .valueIteration])
  func putermanTypedSolutionMatchesTheClosedForm(gamma: Double, method: SolutionMethod) throws {
    let solution = try Puterman().solve(
      MDPSolver(criterion: .discounted(factor: gamma), method: method, tolerance: .absolute(1e-10)))
    let stay = -(5 - 5.5 * gamma) / ((1 - gamma / 2) * (1 - gamma))
    let jump = -(10 - 11 * gamma) / (1 - gamma)
    #expect(solution.status == .converged)
    #expect(solution.action(in: .s1) == (gamma > 10 / 11 ? .a11 : .a12))
    #expect(solution.action(in: .s2) == .stay)
    #expect(abs(try #require(solution.value(of: .s1)) - min(stay, jump)) <= solution.errorBound)
    #expect(abs(try #require(solution.value(of: .s2)) - 1 / (1 - gamma)) <= solution.errorBound)
  }

  /// Brute force over both deterministic policies (Cramer's rule) against the solver.
  @Test(arguments: [0.5, 0.9, 0.99])
  func replacementMatchesBruteForce(gamma: Double) throws {
    let keep = replacementValues(replaceWorn: false, gamma: gamma)
    let replace = replacementValues(replaceWorn: true, gamma: gamma)
    let best = keep[1] <= replace[1] ? keep : replace
    let solution = try Replacement().solve(
      MDPSolver(criterion: .discounted(factor: gamma), tolerance: .absolute(1e-10)))
    #expect(solution.action(in: .worn) == (keep[1] <= replace[1] ? .run : .replace))
    #expect(solution.action(in: .broken) == .replace)
    for condition in [Replacement.Condition.new, .worn, .broken] {
      #expect(
        abs(try #require(solution.value(of: condition)) - best[condition.rawValue])
          <= solution.errorBound + 1e-12)
    }
    #expect(solution.model.states == [.new, .worn, .broken])
  }

  @Test func mm1kMeanNumberIsTheBirthDeathClosedForm() throws {
    let model = MM1K(arrivalRate: 1, serviceRate: 1.5, capacity: 6)
    let rho = 1 / 1.5
    let weights = (0...6).map { pow(rho, Double($0)) }
    let mean = zip(0...6, weights).map { Double($0) * $1 }.reduce(0, +) / weights.reduce(0, +)
    let solution = try model.solve(MDPSolver(criterion: .average, tolerance: .absolute(1e-10)))
    let lower = try #require(solution.gainLower)
    let upper = try #require(solution.gainUpper)
    #expect(lower <= mean + 1e-13 && mean <= upper + 1e-13)
    #expect(solution.uniformizationRate == 2.5)
    #expect(solution.model.stateCount == 7)
  }

  /// Discounted continuous time against the same model written as a discrete-time one by
  /// hand-uniformizing at Λ = 2.5 (γ = Λ/(Λ + β), c/(Λ + β)).
  @Test func continuousDiscountedEqualsHandUniformization() throws {
    let model = MM1K(arrivalRate: 1, serviceRate: 1.5, capacity: 4)
    let beta = 0.2
    let lambda = 2.5
    let continuous = try model.solve(
      MDPSolver(criterion: .continuousDiscounted(rate: beta), tolerance: .absolute(1e-10)))
    let discrete = Closures(
      next: { state, _ in
        var out: [(Int, Double)] = []
        var stay = 1.0
        if state < 4 {
          out.append((state + 1, 1 / lambda))
          stay -= 1 / lambda
        }
        if state > 0 {
          out.append((state - 1, 1.5 / lambda))
          stay -= 1.5 / lambda
        }
        return out + [(state, stay)]
      },
      stageCost: { state, _ in Double(state) / (lambda + beta) })
    let reference = try discrete.solve(
      MDPSolver(
        criterion: .discounted(factor: lambda / (lambda + beta)), tolerance: .absolute(1e-10)))
    for state in 0...4 {
      #expect(
        abs(try #require(continuous.value(of: state)) - (try #require(reference.value(of: state))))
          <= continuous.errorBound + reference.errorBound)
    }
  }

  @Test func explorationIsBreadthFirstAndSkipsZeroProbabilitiesAndSelfRates() throws {
    let model = Closures(
      initial: [5, 5, 2],
      next: { state, _ in state == 5 ? [(9, 0), (7, 0.25), (7, 0.25), (2, 0.5)] : [(state, 1)] })
    let compiled = try model.compile()
    #expect(compiled.states == [5, 2, 7])
    #expect(compiled.index(of: 9) == nil)
    let process = try #require(compiled.process)
    #expect(process.transitions.row(0).map(\.column) == [1, 2])
    #expect(process.transitions.row(0).map(\.value) == [0.5, 0.5])
    let rates = try MM1K(arrivalRate: 1, serviceRate: 2, capacity: 1).compile()
    #expect(try #require(rates.continuousTimeProcess).exitRates == [1, 2])
  }

  @Test func unreachableStatesHaveNoValueOrAction() throws {
    let solution = try Puterman().solve(MDPSolver(criterion: .discounted(factor: 0.5)))
    let model = Closures(initial: [0])
    let other = try model.solve(MDPSolver(criterion: .discounted(factor: 0.5)))
    #expect(other.value(of: 1) == nil && other.action(in: 1) == nil)
    #expect(solution.decisions.map(\.action) == [.a12, .stay])
  }

  /// A row within 1e-9 of 1 is accepted and rescaled; one further off is an error.
  @Test func rowSumToleranceIsOneInAMillionMillion() throws {
    let nearly = Closures(
      next: { _, _ in [(0, 0.5), (1, 0.5 - 4e-10)] }, stageCost: { s, _ in Double(s) })
    let process = try #require(try nearly.compile().process)
    #expect(abs(process.transitions.rowSums[0] - 1) <= 1e-15)
    let off = Closures(next: { _, _ in [(0, 0.5), (1, 0.4)] })
    #expect(
      compileError { () throws(ModelingError) in _ = try off.compile() }
        == "state 0, action 0: probabilities sum to 0.9, not 1 (tolerance 1e-09)")
  }

  @Test func errorsNameTheStateAndTheValue() {
    func message(_ model: Closures, stateLimit: Int = 1000) -> String? {
      compileError { () throws(ModelingError) in _ = try model.compile(stateLimit: stateLimit) }
    }
    #expect(message(Closures(initial: [])) == "the model has no initial state")
    #expect(
      message(Closures(actionsOf: { $0 == 1 ? [] : [0] }, next: { s, _ in [(s + 1, 1)] }))
        == "state 1 has no action")
    #expect(
      message(Closures(actionsOf: { _ in [0, 3, 0] }))
        == "state 0 lists action 0 more than once")
    #expect(
      message(Closures(next: { _, _ in [(1, -0.5), (0, 1.5)] }))
        == "state 0, action 0: probability -0.5 of successor 1 must be in [0, 1]")
    #expect(
      message(Closures(stageCost: { _, _ in .nan }))
        == "state 0, action 0: cost nan must be finite")
    #expect(
      message(Closures(next: { s, _ in [(s + 1, 1)] }), stateLimit: 100)
        == "more than 100 states are reachable (exploration stopped at 101 states): raise the "
        + "state limit (at most 100000000) or bound the state space")
    #expect(
      message(Closures(), stateLimit: 0)
        == "invalid value 0 for state limit: must be an integer in 1...100000000")
    #expect(
      compileError { () throws(ModelingError) in
        _ = try Closures().solve(MDPSolver(criterion: .continuousDiscounted(rate: 1)))
      }?.hasPrefix("invalid value continuous-discounted (β = 1) for criterion") == true)
  }

  @Test func negativeOrNonFiniteRatesAreRejected() {
    struct Bad: ContinuousTimeModel {
      var rate: Double
      var initialStates: [String] { ["idle"] }
      func actions(in state: String) -> [String] { ["go"] }
      func rates(from state: String, taking action: String) -> [(String, Double)] {
        [("busy", rate)]
      }
      func costRate(in state: String, taking action: String) -> Double { 1 }
    }
    for rate in [-1.0, .infinity] {
      #expect(
        compileError { () throws(ModelingError) in _ = try Bad(rate: rate).compile() }
          == "state idle, action go: rate \(formatParameterValue(rate)) to successor busy must be "
          + "finite and >= 0")
    }
  }
}
