import OffloadLab

/// Admission control of an M/M/c/K queue, written as a typed continuous-time model
/// (docs/modeling-guide.md, Examples/README.md).
///
/// Customers arrive at rate λ; c servers work at rate μ each; at most K customers fit.
/// In state n (customers present) the controller decides whether the next arrival is
/// admitted; a full system rejects. Costs per unit time:
///
/// ```
/// c(n, admit)  = h n
/// c(n, reject) = h n + r λ        (each rejected arrival costs r)
/// q(n → n+1)   = λ  if admit,     q(n → n−1) = min(n, c) μ
/// ```
///
/// Under the average criterion an optimal policy admits exactly below a threshold
/// (Stidham 1985, "Optimal control of admission to a queueing system", IEEE TAC 30(8)).
public struct AdmissionControl: ContinuousTimeModel, Sendable {
  public enum Decision: String, Hashable, Sendable { case admit, reject }

  /// λ > 0.
  public let arrivalRate: Double
  /// μ > 0, per server.
  public let serviceRate: Double
  /// c in 1...1000.
  public let servers: Int
  /// K in c...1_000_000.
  public let capacity: Int
  /// h >= 0 per customer per unit time.
  public let holdingCost: Double
  /// r >= 0 per rejected customer.
  public let rejectionCost: Double

  /// - Throws: `ParameterError` naming the parameter outside its range.
  public init(
    arrivalRate: Double, serviceRate: Double, servers: Int, capacity: Int, holdingCost: Double,
    rejectionCost: Double
  ) throws(ParameterError) {
    guard arrivalRate > 0, arrivalRate.isFinite else {
      throw .outOfRange("arrival rate (λ)", arrivalRate, valid: "finite and > 0")
    }
    guard serviceRate > 0, serviceRate.isFinite else {
      throw .outOfRange("service rate (μ)", serviceRate, valid: "finite and > 0")
    }
    guard (1...1000).contains(servers) else {
      throw .outOfRange("servers (c)", servers, valid: "an integer in 1...1000")
    }
    guard (servers...1_000_000).contains(capacity) else {
      throw .outOfRange("capacity (K)", capacity, valid: "an integer in \(servers)...1000000")
    }
    guard holdingCost >= 0, holdingCost.isFinite else {
      throw .outOfRange("holding cost (h)", holdingCost, valid: "finite and >= 0")
    }
    guard rejectionCost >= 0, rejectionCost.isFinite else {
      throw .outOfRange("rejection cost (r)", rejectionCost, valid: "finite and >= 0")
    }
    self.arrivalRate = arrivalRate
    self.serviceRate = serviceRate
    self.servers = servers
    self.capacity = capacity
    self.holdingCost = holdingCost
    self.rejectionCost = rejectionCost
  }

  public var initialStates: [Int] { [0] }

  public func actions(in customers: Int) -> [Decision] {
    customers < capacity ? [.admit, .reject] : [.reject]
  }

  public func rates(from customers: Int, taking decision: Decision) -> [(Int, Double)] {
    var out: [(Int, Double)] = []
    if decision == .admit { out.append((customers + 1, arrivalRate)) }
    if customers > 0 { out.append((customers - 1, Double(min(customers, servers)) * serviceRate)) }
    return out
  }

  public func costRate(in customers: Int, taking decision: Decision) -> Double {
    holdingCost * Double(customers) + (decision == .reject ? rejectionCost * arrivalRate : 0)
  }

  /// The admission threshold of a solution: the smallest n that rejects (K if none below),
  /// or nil if the policy is not of threshold type (admits again above a rejecting state).
  public static func threshold(of solution: ModelSolution<Int, Decision>) -> Int? {
    let decisions = solution.model.states.sorted().map { solution.action(in: $0) }
    let first = decisions.firstIndex { $0 == .reject } ?? decisions.count
    return decisions[first...].allSatisfy { $0 == .reject } ? first : nil
  }

  /// A printable report of the average-cost optimal policy: gain bracket, tolerance,
  /// threshold and the decision per state.
  /// - Throws: `ModelingError` if the model or the solver settings are rejected.
  public func report(tolerance: Tolerance = .relative(1e-9)) throws(ModelingError) -> String {
    let solution = try solve(MDPSolver(criterion: .average, tolerance: tolerance))
    var lines = [
      "M/M/\(servers)/\(capacity) admission control: λ = \(arrivalRate), μ = \(serviceRate), "
        + "h = \(holdingCost), r = \(rejectionCost)",
      ExampleReport.certificate(solution.certified),
      "threshold: admit while fewer than "
        + (Self.threshold(of: solution).map(String.init) ?? "(not a threshold policy)")
        + " customers are present",
    ]
    lines += solution.model.states.sorted().map { state in
      "  n = \(state): \(solution.action(in: state)?.rawValue ?? "-")"
    }
    return lines.joined(separator: "\n")
  }
}

/// Formatting shared by the examples' reports.
public enum ExampleReport {
  /// `status converged after 123 iterations (relative-value-iteration); gain in [a, b]`
  /// and the tolerance with its kind.
  public static func certificate(_ solution: CertifiedSolution) -> String {
    let head =
      "status \(solution.status.rawValue) after \(solution.iterations) iterations "
      + "(\(solution.method.rawValue)), tolerance \(solution.tolerance)"
    if let lower = solution.gainLower, let upper = solution.gainUpper {
      return head + "\naverage cost per unit time g* in [\(lower), \(upper)]"
    }
    return head + "\nvalues within \(solution.errorBound) of V*"
  }
}
