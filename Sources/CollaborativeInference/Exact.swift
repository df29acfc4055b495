import Foundation
import GenerativeMarkov
import MarkovSolvers

/// Why an instance cannot be analysed exactly (spec G12).
public enum ExactAnalysisError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A parametric duration: exact enumeration needs a table (`truncated(cap:)`).
  case parametricDuration(String)
  /// A patience table whose last hazard is not 1: latency is unbounded.
  case unboundedPatience(Double)
  /// An availability table ending in hazard 0: that availability state is absorbing.
  case absorbingAvailability(String)
  /// More than one closed class: the long-run law depends on the path.
  case stationaryLawNotUnique(classes: Int)
  case enumeration(EnumerationError)
  case chain(ChainError)

  public var description: String {
    switch self {
    case .parametricDuration(let name):
      return "the \(name) duration is parametric; exact enumeration needs a table "
        + "(DurationModel.truncated(cap:))"
    case .unboundedPatience(let last):
      return "the patience table ends with hazard \(formatParameterValue(last)), not 1: "
        + "latency is unbounded and cannot be enumerated"
    case .absorbingAvailability(let name):
      return "the \(name) table ends with hazard 0: that availability state is absorbing"
    case .stationaryLawNotUnique(let classes):
      return "stationary law not unique: the chain has \(classes) closed classes "
        + "(for example evict = 0 makes stored data permanent)"
    case .enumeration(let error): return error.description
    case .chain(let error): return error.description
    }
  }
}

/// Long-run performance of one policy (spec G8), exact or simulated.
public struct LatencyLaw: Sendable, Equatable {
  /// Long-run completions with latency ℓ per step, indexed by ℓ (index 0 unused).
  public var completionRateByLatency: [Double]

  /// Mean latency of completed requests.
  public var mean: Double? {
    let total = completionRateByLatency.reduce(0, +)
    guard total > 0 else { return nil }
    let weighted = completionRateByLatency.enumerated().reduce(0.0) {
      $0 + Double($1.offset) * $1.element
    }
    return weighted / total
  }

  /// q_p = min{ℓ : F(ℓ) ≥ p − 1e-12} (spec G8.4); nil without completions.
  public func quantile(_ p: Double) -> Int? {
    let total = completionRateByLatency.reduce(0, +)
    guard total > 0 else { return nil }
    var cumulative = 0.0
    for (latency, rate) in completionRateByLatency.enumerated() {
      cumulative += rate
      if cumulative / total >= p - 1e-12 { return latency }
    }
    return completionRateByLatency.count - 1
  }

  /// Rate of completions with ℓ ≤ τ.
  public func rate(upTo threshold: Int) -> Double {
    completionRateByLatency.prefix(max(0, threshold + 1)).reduce(0, +)
  }
}

/// The exact long-run figures of one policy on a tiny instance (spec G7–G8).
public struct ExactPerformance: Sendable {
  public let policy: SchedulingPolicy
  public let states: Int
  public let transitions: Int
  /// ‖πP − π‖₁ and the solver's status and iterations (the certificate).
  public let stationaryResidual: Double
  public let status: SolverStatus
  public let iterations: Int
  /// Time averages per step.
  public let activeRequests: Double
  public let startRate: Double
  public let completionRate: Double
  public let abandonRate: Double
  public let dropRate: Double
  /// Completed-latency law per type and pooled.
  public let latencyByType: [LatencyLaw]
  public let latency: LatencyLaw
  /// Abandonments per type per step (for QoS).
  public let abandonRateByType: [Double]
  /// Server CPU used (% of one core) and memory held (GB) during a step.
  public let serverCpuPercent: Double
  public let serverMemory: Double
  public let abortRate: Double
  public let serverAssignmentRate: Double
  public let userAssignmentRate: Double

  /// success_k = P(completed with ℓ ≤ τ | type k, not dropped) (spec G8.2, Def. 3.2).
  public func success(type: Int, threshold: Int) -> Double? {
    let denominator = latencyByType[type].rate(upTo: Int.max / 2) + abandonRateByType[type]
    guard denominator > 0 else { return nil }
    return latencyByType[type].rate(upTo: threshold) / denominator
  }

  /// The figures' P99: the mean over types of the per-type P99 (nil if a type never
  /// completes).
  public var typeMeanP99: Double? {
    let values = latencyByType.compactMap { $0.quantile(0.99) }
    guard values.count == latencyByType.count else { return nil }
    return Double(values.reduce(0, +)) / Double(values.count)
  }
}

extension InferenceParameters {
  /// log10 of the product bound B of spec G4.4 on the number of states.
  public var log10StateBound: Double {
    func states(_ model: DurationModel) -> Double { Double((model.cap ?? 1_000_000) + 1) }
    let availability = log10(
      states(online) * Double(userLevels.values.count) + states(offline))
    let items = types.flatMap { $0.subtasks.map(\.dataDownload) }
    let data =
      Double(itemCount) * log10(2) + log10(1 + items.reduce(0) { $0 + 2 * states($1) })
    var requests = states(think)
    for type in types {
      var product = states(patience)
      for subtask in type.subtasks {
        let phases = userPipeline.reduce(0.0) { total, phase in
          switch phase {
          case .download: return total + states(inputDownload)
          case .execution: return total + states(subtask.execution)
          case .upload: return total + states(resultUpload)
          }
        }
        product *= 1 + states(subtask.execution) + 1 + Double(userCount - 1) * phases
      }
      requests += product
    }
    return log10(Double(serverLevels.values.count))
      + Double(userCount) * (availability + data + log10(requests))
  }

  /// Checks that every duration is a table, patience ends in 1 and availability tables
  /// do not end in 0 (spec G12).
  public func checkEnumerable() throws(ExactAnalysisError) {
    var named: [(String, DurationModel)] = [
      ("online", online), ("offline", offline), ("think", think), ("patience", patience),
      ("input download", inputDownload), ("result upload", resultUpload),
    ]
    for type in types {
      for (p, subtask) in type.subtasks.enumerated() {
        named.append(("type \(type.name) subtask \(p) execution", subtask.execution))
        named.append(("type \(type.name) subtask \(p) data download", subtask.dataDownload))
      }
    }
    for (name, model) in named where model.cap == nil { throw .parametricDuration(name) }
    if case .table(let hazards) = patience, let last = hazards.last, last != 1 {
      throw .unboundedPatience(last)
    }
    for (name, model) in [("online", online), ("offline", offline)] {
      if case .table(let hazards) = model, hazards.last == 0 {
        throw .absorbingAvailability(name)
      }
    }
  }
}

/// Exact analysis of tiny instances (spec G7–G8; docs/collaborative-inference.md §3).
public enum ExactAnalysis {
  /// Enumerates the reachable chain of `policy` from the initial state of G4.3, solves its
  /// stationary law (GTH up to 1 500 recurrent states, Gauss–Seidel to residual 1e-12
  /// above) and computes the request-level laws by ratios of rates (G8.3):
  ///
  /// ```
  /// p_drop = h_on(d^o),  p_complete = (1 − p_drop)[all done],
  /// p_abandon = (1 − p_drop)(1 − [all done]) h_pat(d^q),   latency ℓ = d^q + 1
  /// rate(outcome, k, ℓ) = Σ_s π(s) Σ_i p(…)
  /// ```
  /// - Throws: `ExactAnalysisError` (parametric durations, too large, not unique).
  /// - Complexity: O(states × successor expansion) + the stationary solve.
  public static func performance(
    _ parameters: InferenceParameters, policy: SchedulingPolicy,
    limits: EnumerationLimits = .init()
  ) throws(ExactAnalysisError) -> ExactPerformance {
    try parameters.checkEnumerable()
    let model = InferenceModel(parameters: parameters, policy: policy)
    var stepMetrics: [[Double]] = []
    let enumerated: EnumeratedChain<InferenceState>
    do {
      enumerated = try StateEnumeration.chain(
        from: parameters.initialState,
        log10StateBound: parameters.log10StateBound, limits: limits
      ) { state in
        var expected = [Double](repeating: 0, count: 5)
        let rows = model.successors(of: state) { observation, probability in
          expected[0] += probability * observation.serverCpuUsed
          expected[1] += probability * observation.serverMemoryHeld
          expected[2] += probability * Double(observation.aborts)
          expected[3] += probability * Double(observation.serverAssignments)
          expected[4] += probability * Double(observation.userAssignments)
        }
        stepMetrics.append(expected)
        return rows
      }
    } catch { throw .enumeration(error) }
    let stationary: StationaryDistribution
    do {
      stationary = try enumerated.chain.stationaryDistribution()
    } catch .multipleRecurrentClasses(let count, _) {
      throw .stationaryLawNotUnique(classes: count)
    } catch { throw .chain(error) }
    return summarize(
      parameters, policy: policy, states: enumerated.states, stationary: stationary,
      stepMetrics: stepMetrics, transitions: enumerated.transitionCount)
  }

  static func summarize(
    _ parameters: InferenceParameters, policy: SchedulingPolicy, states: [InferenceState],
    stationary: StationaryDistribution, stepMetrics: [[Double]], transitions: Int
  ) -> ExactPerformance {
    let maximumLatency = (parameters.patience.cap ?? 0) + 2
    var byType = [[Double]](
      repeating: [Double](repeating: 0, count: maximumLatency + 1),
      count: parameters.types.count)
    var abandonByType = [Double](repeating: 0, count: parameters.types.count)
    var active = 0.0
    var starts = 0.0
    var drops = 0.0
    var metrics = [Double](repeating: 0, count: 5)
    for (index, state) in states.enumerated() {
      let weight = stationary.probabilities[index]
      guard weight > 0 else { continue }
      for k in 0..<5 { metrics[k] += weight * stepMetrics[index][k] }
      for (i, user) in state.users.enumerated() {
        let availabilityModel = user.online ? parameters.online : parameters.offline
        let switchProbability = availabilityModel.hazard(age: Int(user.availabilityAge))
        if !user.isActive {
          let stayOnline = user.online ? 1 - switchProbability : switchProbability
          starts += weight * stayOnline * parameters.think.hazard(age: Int(user.requestAge))
          continue
        }
        active += weight
        let type = Int(user.request)
        let latency = Int(user.requestAge) + 1
        drops += weight * switchProbability
        if state.allSubtasksDone(of: i) {
          byType[type][latency] += weight * (1 - switchProbability)
        } else {
          abandonByType[type] +=
            weight * (1 - switchProbability)
            * parameters.patience.hazard(age: Int(user.requestAge))
        }
      }
    }
    let laws = byType.map { LatencyLaw(completionRateByLatency: $0) }
    let pooled = LatencyLaw(
      completionRateByLatency: (0...maximumLatency).map { l in byType.reduce(0) { $0 + $1[l] } })
    return ExactPerformance(
      policy: policy, states: states.count, transitions: transitions,
      stationaryResidual: stationary.residual, status: stationary.status,
      iterations: stationary.iterations, activeRequests: active, startRate: starts,
      completionRate: pooled.rate(upTo: maximumLatency),
      abandonRate: abandonByType.reduce(0, +), dropRate: drops, latencyByType: laws,
      latency: pooled, abandonRateByType: abandonByType, serverCpuPercent: 100 * metrics[0],
      serverMemory: metrics[1], abortRate: metrics[2], serverAssignmentRate: metrics[3],
      userAssignmentRate: metrics[4])
  }
}
