import Foundation
import MarkovSolvers

/// One look at one capacity of the simulated Def. 3.2 search (spec G10.3).
public struct SizingLook: Sendable, Equatable {
  public var capacity: Double
  public var replications: Int
  /// Per type: mean over replications of the success fraction and its two-sided interval
  /// at the search's per-interval level (nil: too few replications with requests).
  public var mean: [Double?]
  public var lower: [Double?]
  public var upper: [Double?]
  public var verdict: SizingVerdict
}

public enum SizingVerdict: String, Sendable, Equatable {
  case feasible, infeasible, undecided
}

/// The outcome of the simulated search.
public struct SequentialSizingResult: Sendable {
  /// The smallest grid capacity judged feasible (nil: even the top of the grid is not).
  public let minimalCapacity: Double?
  /// Every look, in evaluation order.
  public let looks: [SizingLook]
  /// Confidence level of each interval: 1 − δ / (looks · types · evaluations).
  public let intervalLevel: Double
  /// Pairs (feasible m, infeasible m' > m) that contradict the monotonicity assumption.
  public let monotonicityViolations: [(feasible: Double, infeasible: Double)]
}

extension ServerSizing {
  /// The largest number of replications per look and of grid points.
  public static let maximumReplications = 1000
  public static let maximumGridPoints = 100

  /// Def. 3.2 along one capacity axis by simulation (spec G10.3), in the stricter variant
  /// the specification recommends: replication-level success fractions with a Student t
  /// interval over replications.
  ///
  /// Assumes success_k non-decreasing in the capacity (checked a posteriori). Evaluates
  /// the top of the grid first, then bisects over grid indices. A point is judged after
  /// each look (cumulative replication counts `looks`, default 5, 10, 20): feasible if every
  /// type's lower bound is ≥ 1 − α_k, infeasible if some upper bound is < 1 − α_k, else the
  /// next look; undecided after the last look counts as infeasible. Every interval has level
  /// 1 − δ/(looks · types · evaluations), evaluations = ⌈log₂|G|⌉ + 2, so that all verdicts
  /// hold together with probability ≥ 1 − δ (union bound).
  /// - Parameter evaluate: success fraction per type (nil: no request of that type ended)
  ///   of replication r at capacity m; must be deterministic in (m, r).
  /// - Throws: `ParameterError` for an empty or unsorted grid, bad looks or levels.
  public static func sequentialSearch(
    grid: [Double], typeCount: Int, violationLevels: [Double], confidence delta: Double = 0.05,
    looks: [Int] = [5, 10, 20], evaluate: (Double, Int) -> [Double?]
  ) throws(ParameterError) -> SequentialSizingResult {
    guard !grid.isEmpty, grid.count <= maximumGridPoints,
      zip(grid, grid.dropFirst()).allSatisfy({ $0 < $1 })
    else {
      throw .malformed(
        name: "capacity grid", value: grid.map { formatParameterValue($0) }.joined(separator: ","),
        expected: "1...\(maximumGridPoints) strictly increasing values")
    }
    guard violationLevels.count == typeCount else {
      throw .inconsistent(
        name: "violation levels (alpha)", value: "\(violationLevels.count) values",
        reason: "need one per type (\(typeCount))")
    }
    for alpha in violationLevels where !(alpha > 0 && alpha < 1) {
      throw .outOfRange("violation level (alpha)", alpha, valid: "in (0, 1)")
    }
    guard delta > 0, delta < 1 else {
      throw .outOfRange("confidence delta", delta, valid: "in (0, 1)")
    }
    guard let first = looks.first, first >= 2, looks.last ?? 0 <= maximumReplications,
      zip(looks, looks.dropFirst()).allSatisfy({ $0 < $1 })
    else {
      throw .malformed(
        name: "looks", value: looks.map(String.init).joined(separator: ","),
        expected: "increasing replication counts from >= 2 to <= \(maximumReplications)")
    }
    let evaluations = Int(log2(Double(grid.count)).rounded(.up)) + 2
    let level = 1 - delta / Double(looks.count * typeCount * evaluations)
    var log: [SizingLook] = []
    var verdicts: [Int: Bool] = [:]
    func judge(_ index: Int) -> Bool {
      if let known = verdicts[index] { return known }
      let capacity = grid[index]
      var fractions = [[Double]](repeating: [], count: typeCount)
      var done = 0
      var feasible = false
      for (lookIndex, count) in looks.enumerated() {
        while done < count {
          for (type, value) in evaluate(capacity, done).enumerated() {
            if let value { fractions[type].append(value) }
          }
          done += 1
        }
        var mean: [Double?] = []
        var lower: [Double?] = []
        var upper: [Double?] = []
        for values in fractions {
          guard values.count >= 2 else {
            mean.append(values.first)
            lower.append(nil)
            upper.append(nil)
            continue
          }
          let n = Double(values.count)
          let average = values.reduce(0, +) / n
          let variance = values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / (n - 1)
          let half =
            StudentT.quantile(upperTail: (1 - level) / 2, degrees: values.count - 1)
            * (variance / n).squareRoot()
          mean.append(average)
          lower.append(average - half)
          upper.append(average + half)
        }
        let targets = violationLevels.map { 1 - $0 }
        let allMet = zip(lower, targets).allSatisfy { bound, target in
          bound.map { $0 >= target } ?? false
        }
        let someMissed = zip(upper, targets).contains { bound, target in
          bound.map { $0 < target } ?? false
        }
        var verdict = SizingVerdict.undecided
        if allMet { verdict = .feasible } else if someMissed { verdict = .infeasible }
        log.append(
          SizingLook(
            capacity: capacity, replications: done, mean: mean, lower: lower, upper: upper,
            verdict: verdict))
        if verdict != .undecided || lookIndex == looks.count - 1 {
          feasible = verdict == .feasible
          break
        }
      }
      verdicts[index] = feasible
      return feasible
    }
    var minimal: Double?
    if judge(grid.count - 1) {
      var low = -1
      var high = grid.count - 1
      while high - low > 1 {
        let middle = (low + high) / 2
        if judge(middle) { high = middle } else { low = middle }
      }
      minimal = grid[high]
    }
    var violations: [(Double, Double)] = []
    for (i, feasibleHere) in verdicts where feasibleHere {
      for (j, feasibleThere) in verdicts where j > i && !feasibleThere {
        violations.append((grid[i], grid[j]))
      }
    }
    return SequentialSizingResult(
      minimalCapacity: minimal, looks: log, intervalLevel: level,
      monotonicityViolations: violations.sorted { $0 < $1 })
  }
}
