import GenerativeMarkov
import MarkovSolvers

/// One evaluated server allocation a† = (cpu, mem) of Def. 3.2 (spec G10).
public struct SizingPoint: Sendable, Equatable {
  public var cpu: Double
  public var memory: Double
  /// w_cpu · cpu + w_mem · mem.
  public var cost: Double
  /// success_k per type (nil: the type never ends).
  public var success: [Double?]
  public var feasible: Bool
}

/// The smallest nominal server meeting every type's chance constraint (Def. 3.2):
///
/// ```
/// min ‖a†‖_w = w_cpu·cpu + w_mem·mem   s.t.  success_k(a†) ≥ 1 − α_k  for every type k
/// success_k = P(completed with ℓ ≤ τ_k | type k, not dropped)
/// ```
/// Docs: docs/collaborative-inference.md §7.
public enum ServerSizing {
  /// The exact version (spec G10.2): every grid point's chain is built and success_k is
  /// computed exactly (G8.3); the feasible point of least cost wins (ties: lower cpu, then
  /// lower mem). No monotonicity is assumed.
  /// - Returns: every grid point in (cpu, mem) order, and the optimum (nil: none feasible).
  /// - Throws: `ParameterError` for mismatched thresholds/levels, `ExactAnalysisError`.
  public static func exactGrid(
    _ parameters: InferenceParameters, policy: SchedulingPolicy, cpuGrid: [Double],
    memoryGrid: [Double], thresholds: [Int], violationLevels: [Double],
    weights: (cpu: Double, memory: Double) = (1, 1), limits: EnumerationLimits = .init()
  ) throws -> (points: [SizingPoint], optimum: SizingPoint?) {
    try checkConstraints(parameters, thresholds: thresholds, violationLevels: violationLevels)
    var points: [SizingPoint] = []
    for cpu in cpuGrid.sorted() {
      for memory in memoryGrid.sorted() {
        var candidate = parameters
        candidate.serverCpu = cpu
        candidate.serverMemory = memory
        try candidate.validate()
        let exact = try ExactAnalysis.performance(candidate, policy: policy, limits: limits)
        let success = thresholds.indices.map { exact.success(type: $0, threshold: thresholds[$0]) }
        points.append(
          SizingPoint(
            cpu: cpu, memory: memory, cost: weights.cpu * cpu + weights.memory * memory,
            success: success,
            feasible: isFeasible(success, violationLevels)))
      }
    }
    let optimum = points.filter(\.feasible).min {
      ($0.cost, $0.cpu, $0.memory) < ($1.cost, $1.cpu, $1.memory)
    }
    return (points, optimum)
  }

  static func isFeasible(_ success: [Double?], _ violationLevels: [Double]) -> Bool {
    zip(success, violationLevels).allSatisfy { value, alpha in
      value.map { $0 >= 1 - alpha - 1e-12 } ?? false
    }
  }

  /// Checks one threshold τ_k in 1...10^6 and one level α_k in (0, 1) per type.
  public static func checkConstraints(
    _ parameters: InferenceParameters, thresholds: [Int], violationLevels: [Double]
  ) throws(ParameterError) {
    let types = parameters.types.count
    guard thresholds.count == types else {
      throw .inconsistent(
        name: "latency thresholds (tau)", value: "\(thresholds.count) values",
        reason: "need one per type (\(types))")
    }
    guard violationLevels.count == types else {
      throw .inconsistent(
        name: "violation levels (alpha)", value: "\(violationLevels.count) values",
        reason: "need one per type (\(types))")
    }
    for tau in thresholds where tau < 1 || tau > 1_000_000 {
      throw .outOfRange("latency threshold (tau)", tau, valid: "in 1...1000000")
    }
    for alpha in violationLevels where !(alpha > 0 && alpha < 1) {
      throw .outOfRange("violation level (alpha)", alpha, valid: "in (0, 1)")
    }
  }
}
