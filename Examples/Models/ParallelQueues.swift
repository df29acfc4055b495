import OffloadLab

/// Routing between two parallel queues, written as a typed continuous-time model
/// (docs/modeling-guide.md, Examples/README.md).
///
/// Customers arrive at rate λ and are sent to queue 1 or 2 (one server each, rates μ1, μ2,
/// room for B1 and B2 customers); when both are full the arrival is lost. The state is
/// (n1, n2); the action is where the next arrival goes. Costs per unit time:
///
/// ```
/// c(n, a) = h1 n1 + h2 n2 + r λ 1{both full}
/// q((n1, n2) → (n1+1, n2)) = λ if a = first,   q(→ (n1−1, n2)) = μ1 if n1 > 0
/// q((n1, n2) → (n1, n2+1)) = λ if a = second,  q(→ (n1, n2−1)) = μ2 if n2 > 0
/// ```
///
/// The optimal routing is a switching curve in (n1, n2) (Hajek 1984, "Optimal control of
/// two interacting service stations", IEEE TAC 29(6)); with identical queues it is
/// join-the-shortest-queue.
public struct ParallelQueues: ContinuousTimeModel, Sendable {
  public struct State: Hashable, Sendable, CustomStringConvertible {
    public var first: Int
    public var second: Int

    public init(_ first: Int, _ second: Int) {
      self.first = first
      self.second = second
    }

    public var description: String { "(\(first), \(second))" }
  }

  public enum Route: String, Hashable, Sendable { case first, second, lost }

  /// λ > 0.
  public let arrivalRate: Double
  /// (μ1, μ2), each > 0.
  public let serviceRates: (Double, Double)
  /// (B1, B2), each in 1...10_000.
  public let buffers: (Int, Int)
  /// (h1, h2), each >= 0.
  public let holdingCosts: (Double, Double)
  /// r >= 0 per lost customer.
  public let lossCost: Double

  /// - Throws: `ParameterError` naming the parameter outside its range.
  public init(
    arrivalRate: Double, serviceRates: (Double, Double), buffers: (Int, Int),
    holdingCosts: (Double, Double), lossCost: Double
  ) throws(ParameterError) {
    guard arrivalRate > 0, arrivalRate.isFinite else {
      throw .outOfRange("arrival rate (λ)", arrivalRate, valid: "finite and > 0")
    }
    for (name, rate) in [("μ1", serviceRates.0), ("μ2", serviceRates.1)]
    where !(rate > 0 && rate.isFinite) {
      throw .outOfRange("service rate (\(name))", rate, valid: "finite and > 0")
    }
    for (name, buffer) in [("B1", buffers.0), ("B2", buffers.1)]
    where !(1...10_000).contains(buffer) {
      throw .outOfRange("buffer (\(name))", buffer, valid: "an integer in 1...10000")
    }
    for (name, cost) in [("h1", holdingCosts.0), ("h2", holdingCosts.1), ("r", lossCost)]
    where !(cost >= 0 && cost.isFinite) {
      throw .outOfRange("cost (\(name))", cost, valid: "finite and >= 0")
    }
    self.arrivalRate = arrivalRate
    self.serviceRates = serviceRates
    self.buffers = buffers
    self.holdingCosts = holdingCosts
    self.lossCost = lossCost
  }

  public var initialStates: [State] { [State(0, 0)] }

  public func actions(in state: State) -> [Route] {
    var routes: [Route] = []
    if state.first < buffers.0 { routes.append(.first) }
    if state.second < buffers.1 { routes.append(.second) }
    return routes.isEmpty ? [.lost] : routes
  }

  public func rates(from state: State, taking route: Route) -> [(State, Double)] {
    var out: [(State, Double)] = []
    switch route {
    case .first: out.append((State(state.first + 1, state.second), arrivalRate))
    case .second: out.append((State(state.first, state.second + 1), arrivalRate))
    case .lost: break
    }
    if state.first > 0 { out.append((State(state.first - 1, state.second), serviceRates.0)) }
    if state.second > 0 { out.append((State(state.first, state.second - 1), serviceRates.1)) }
    return out
  }

  public func costRate(in state: State, taking route: Route) -> Double {
    holdingCosts.0 * Double(state.first) + holdingCosts.1 * Double(state.second)
      + (route == .lost ? lossCost * arrivalRate : 0)
  }

  /// A printable report of the average-cost optimal routing: the certificate and a map
  /// with rows n1 and columns n2 (1: route to queue 1, 2: to queue 2, x: lost).
  /// - Throws: `ModelingError` if the model or the solver settings are rejected.
  public func report(tolerance: Tolerance = .relative(1e-9)) throws(ModelingError) -> String {
    let solution = try solve(MDPSolver(criterion: .average, tolerance: tolerance))
    var lines = [
      "two parallel queues: λ = \(arrivalRate), μ = \(serviceRates), B = \(buffers), "
        + "h = \(holdingCosts), r = \(lossCost)",
      ExampleReport.certificate(solution.certified),
      "routing (rows n1 = 0...\(buffers.0), columns n2 = 0...\(buffers.1)):",
    ]
    for first in 0...buffers.0 {
      let row = (0...buffers.1).map { second -> String in
        switch solution.action(in: State(first, second)) {
        case .first: "1"
        case .second: "2"
        case .lost: "x"
        case nil: "."
        }
      }
      lines.append("  n1 = \(first): " + row.joined(separator: " "))
    }
    return lines.joined(separator: "\n")
  }
}
