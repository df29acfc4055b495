import ExampleModels
import Foundation
import OffloadLab
import Testing

// MARK: Independent references

/// The average cost of admitting while fewer than T customers are present in an M/M/c
/// queue: the chain is M/M/c/T, whose stationary law is the birth–death product form
/// `π_n ∝ a^n / n!` (n <= c) and `a^n / (c! c^(n−c))` (n > c), a = λ/μ (Kleinrock 1975,
/// §3.6). Cost `h E[N] + r λ π_T` (arrivals see time averages, PASTA).
private func thresholdCost(_ model: AdmissionControl, threshold: Int) -> Double {
  let a = model.arrivalRate / model.serviceRate
  var weights: [Double] = []
  var weight = 1.0
  for n in 0...threshold {
    if n > 0 { weight *= a / Double(min(n, model.servers)) }
    weights.append(weight)
  }
  let total = weights.reduce(0, +)
  let meanNumber = weights.enumerated().map { Double($0.offset) * $0.element }.reduce(0, +) / total
  return model.holdingCost * meanNumber
    + model.rejectionCost * model.arrivalRate * weights[threshold] / total
}

/// The average cost of a deterministic routing policy by a direct stationary solve of its
/// generator (dense Gaussian elimination with partial pivoting on `π Q = 0`, `Σ π = 1`),
/// written here independently of the library's solvers.
private func routingCost(
  _ model: ParallelQueues, route: (ParallelQueues.State) -> ParallelQueues.Route
)
  -> Double
{
  let (b1, b2) = model.buffers
  let n = (b1 + 1) * (b2 + 1)
  func index(_ s: ParallelQueues.State) -> Int { s.first * (b2 + 1) + s.second }
  var system = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
  var cost = [Double](repeating: 0, count: n)
  for first in 0...b1 {
    for second in 0...b2 {
      let state = ParallelQueues.State(first, second)
      let action = route(state)
      cost[index(state)] = model.costRate(in: state, taking: action)
      for (next, rate) in model.rates(from: state, taking: action) {
        // Column j of Q^T is row j of Q: equation for π_next gains rate·π_state.
        system[index(next)][index(state)] += rate
        system[index(state)][index(state)] -= rate
      }
    }
  }
  // Replace the last balance equation by the normalisation.
  system[n - 1] = [Double](repeating: 1, count: n) + [1]
  for column in 0..<n {
    let pivot = (column..<n).max { abs(system[$0][column]) < abs(system[$1][column]) } ?? column
    system.swapAt(column, pivot)
    for row in 0..<n where row != column {
      let factor = system[row][column] / system[column][column]
      if factor != 0 {
        for k in column...n { system[row][k] -= factor * system[column][k] }
      }
    }
  }
  return (0..<n).map { system[$0][n] / system[$0][$0] * cost[$0] }.reduce(0, +)
}

// MARK: Tests

@Suite("Examples")
struct ExamplesTests {
  static let admission: [AdmissionControl] = {
    do {
      return [
        try AdmissionControl(
          arrivalRate: 2.5, serviceRate: 1, servers: 3, capacity: 20, holdingCost: 1,
          rejectionCost: 6),
        try AdmissionControl(
          arrivalRate: 0.9, serviceRate: 1, servers: 1, capacity: 12, holdingCost: 2,
          rejectionCost: 15),
        try AdmissionControl(
          arrivalRate: 8, serviceRate: 0.5, servers: 10, capacity: 30, holdingCost: 0.3,
          rejectionCost: 4),
      ]
    } catch { preconditionFailure("valid example parameters: \(error)") }
  }()

  /// The solver's gain bracket contains the best threshold's closed-form cost (an optimal
  /// policy is a threshold, Stidham 1985), and its policy is that threshold.
  @Test(arguments: admission)
  func admissionOptimumIsTheBestThresholdByBruteForce(model: AdmissionControl) throws {
    let costs = (0...model.capacity).map { thresholdCost(model, threshold: $0) }
    let best = try #require(costs.indices.min { costs[$0] < costs[$1] })
    let solution = try model.solve(MDPSolver(criterion: .average, tolerance: .absolute(1e-10)))
    #expect(solution.status == .converged)
    let lower = try #require(solution.gainLower)
    let upper = try #require(solution.gainUpper)
    #expect(lower <= costs[best] + 1e-9 && costs[best] <= upper + 1e-9)
    let threshold = try #require(AdmissionControl.threshold(of: solution))
    // A threshold whose cost ties the best within the bracket is as good.
    #expect(abs(costs[threshold] - costs[best]) <= upper - lower + 1e-9)
  }

  /// Each fixed threshold, solved as a one-action model, reproduces the M/M/c/T formula.
  @Test func fixedThresholdsMatchTheErlangFormula() throws {
    struct Fixed: ContinuousTimeModel {
      var base: AdmissionControl
      var threshold: Int
      var initialStates: [Int] { [0] }
      func actions(in state: Int) -> [AdmissionControl.Decision] {
        [state < threshold ? .admit : .reject]
      }
      func rates(from state: Int, taking action: AdmissionControl.Decision) -> [(Int, Double)] {
        base.rates(from: state, taking: action)
      }
      func costRate(in state: Int, taking action: AdmissionControl.Decision) -> Double {
        base.costRate(in: state, taking: action)
      }
    }
    let model = Self.admission[0]
    for threshold in [0, 1, 3, 7, 20] {
      let solution = try Fixed(base: model, threshold: threshold)
        .solve(MDPSolver(criterion: .average, tolerance: .absolute(1e-11)))
      let exact = thresholdCost(model, threshold: threshold)
      let lower = try #require(solution.gainLower)
      let upper = try #require(solution.gainUpper)
      #expect(lower <= exact + 1e-10 && exact <= upper + 1e-10, "T = \(threshold)")
    }
  }

  static let routing: [ParallelQueues] = {
    do {
      return [
        try ParallelQueues(
          arrivalRate: 1.5, serviceRates: (2, 1), buffers: (3, 3), holdingCosts: (1, 1),
          lossCost: 10),
        try ParallelQueues(
          arrivalRate: 2, serviceRates: (1, 1), buffers: (3, 2), holdingCosts: (1, 3),
          lossCost: 4),
      ]
    } catch { preconditionFailure("valid example parameters: \(error)") }
  }()

  /// Brute force over every deterministic routing policy (2^(decision states), each by a
  /// direct stationary solve): the solver's bracket contains the minimum, and its own
  /// policy costs the minimum.
  @Test(arguments: routing)
  func routingOptimumIsTheBruteForceMinimum(model: ParallelQueues) throws {
    let (b1, b2) = model.buffers
    let choices = (0...b1).flatMap { first in
      (0...b2).map { ParallelQueues.State(first, $0) }
    }.filter { model.actions(in: $0).count == 2 }
    var best = Double.infinity
    for mask in 0..<(1 << choices.count) {
      let sendFirst = Set(choices.indices.filter { mask & (1 << $0) != 0 }.map { choices[$0] })
      let cost = routingCost(model) { state in
        let available = model.actions(in: state)
        return available.count == 2 ? (sendFirst.contains(state) ? .first : .second) : available[0]
      }
      best = min(best, cost)
    }
    let solution = try model.solve(MDPSolver(criterion: .average, tolerance: .absolute(1e-10)))
    let lower = try #require(solution.gainLower)
    let upper = try #require(solution.gainUpper)
    #expect(solution.status == .converged)
    #expect(lower <= best + 1e-9 && best <= upper + 1e-9)
    let policy = Dictionary(uniqueKeysWithValues: solution.decisions.map { ($0.state, $0.action) })
    #expect(policy.count == (b1 + 1) * (b2 + 1))
    let own = routingCost(model) { policy[$0] ?? .lost }
    #expect(abs(own - best) <= 1e-9)
  }

  /// The service-mode model written by hand with the typed API against the built-in
  /// model (its own compiler and matrix-free operator): same V* within the two bounds and
  /// the same policy (read with the same tie rule).
  @Test(arguments: [(6, 4, 0.99), (9, 9, 0.9)])
  func typedServiceModesAgreeWithTheBuiltInModel(buffer: Int, cloudBuffer: Int, gamma: Double)
    throws
  {
    let parameters = try ServiceModeParameters(load: 0.7, cloudSpeedup: 5, localFraction: 0.6)
    let builtIn = try ServiceModeModel(
      parameters: parameters, bufferLimit: buffer, cloudBufferLimit: cloudBuffer,
      discount: .discrete(gamma))
    var solver = try ServiceModeSolver(tolerance: 1e-10)
    solver.toleranceMode = .absolute
    let reference = solver.solve(builtIn)
    let user = TypedServiceModes(
      parameters: parameters, bufferLimit: buffer, cloudBufferLimit: cloudBuffer)
    var settings = MDPSolver(criterion: .discounted(factor: gamma), tolerance: .absolute(1e-10))
    settings.tieRule = ServiceModeSolver.tieRule
    let typed = try user.solve(settings)
    #expect(typed.status == .converged && reference.converged)
    #expect(typed.model.stateCount == builtIn.stateSpace.stateCount)
    let codes: [TypedServiceModes.Assignment: ServiceModeAction] = [
      .idle: .idle, .sm1: .sm1, .sm2: .sm2, .sm1ThenSM2: .sm1ThenSM2,
    ]
    for state in typed.model.states {
      let builtInState = ServiceModeState(
        baseQueue: state.base, localBusy: state.local, cloudSM1: state.sm1,
        cloudSM2: state.cloudQueue)
      let index = builtIn.stateSpace.index(of: builtInState)
      let value = try #require(typed.value(of: state))
      #expect(abs(value - reference.values[index]) <= typed.errorBound + reference.errorBound)
      #expect(codes[try #require(typed.action(in: state))] == reference.policy[builtInState])
    }
  }

  @Test func reportsPrintTheCertificateAndTheTolerance() throws {
    let report = try Self.admission[0].report()
    #expect(report.contains("status converged after"))
    #expect(report.contains("tolerance 1e-09 (relative)"))
    #expect(report.contains("average cost per unit time g* in ["))
    #expect(report.contains("  n = 20: reject"))
    let routing = try Self.routing[0].report()
    #expect(routing.contains("  n1 = 3: 2 2 2 x"))
  }

  @Test func badParametersNameTheParameter() {
    #expect(
      throws: ParameterError.outOfRange("capacity (K)", 2, valid: "an integer in 3...1000000")
    ) {
      try AdmissionControl(
        arrivalRate: 1, serviceRate: 1, servers: 3, capacity: 2, holdingCost: 1, rejectionCost: 1)
    }
    #expect(throws: ParameterError.outOfRange("service rate (μ2)", 0, valid: "finite and > 0")) {
      try ParallelQueues(
        arrivalRate: 1, serviceRates: (1, 0), buffers: (1, 1), holdingCosts: (1, 1), lossCost: 1)
    }
  }
}
