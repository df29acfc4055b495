/// A stopping threshold for a certified error bound.
public enum Tolerance: Sendable, Equatable {
  /// Stop when the bound is at most this value.
  case absolute(Double)
  /// Stop when the bound is at most this value times `max(1, ‖V‖∞)`.
  case relative(Double)

  /// The threshold for values of sup-norm `scale`.
  public func threshold(scale: Double) -> Double {
    switch self {
    case .absolute(let value): return value
    case .relative(let value): return value * max(1, scale)
    }
  }

  /// Whether a bound meets the threshold: never for an infinite or NaN bound, which a
  /// relative threshold at an infinite scale would otherwise accept.
  func isMet(by bound: Double, scale: Double) -> Bool {
    bound.isFinite && bound <= threshold(scale: scale)
  }

  /// The threshold's number, whatever its kind.
  public var value: Double {
    switch self {
    case .absolute(let value), .relative(let value): return value
    }
  }
}

/// How near-equal candidates are treated when a policy is read off values.
///
/// Candidates whose Bellman values lie within
/// `tolerance = max(boundMultiple · errorBound, relativeFloor · max(1, max|W|))` of the
/// minimum are tied, and ties go to the lowest action index. With values within ε of V*,
/// two exactly tied actions differ by at most 2γε, so the default `boundMultiple = 2`
/// recognises every exact tie; the floor absorbs round-off.
public struct TieRule: Sendable, Equatable {
  public var boundMultiple: Double
  public var relativeFloor: Double

  public init(boundMultiple: Double = 2, relativeFloor: Double = 1e-12) {
    self.boundMultiple = boundMultiple
    self.relativeFloor = relativeFloor
  }

  /// The absolute tie tolerance for a bound and a value scale.
  public func tolerance(errorBound: Double, scale: Double) -> Double {
    max(boundMultiple * errorBound, relativeFloor * max(1, scale))
  }
}

/// The result of a discounted solver: values, a policy and the facts needed to trust them.
public struct MDPSolution: Sendable {
  /// Value estimate per state.
  public let values: [Double]
  /// Action index (into the state's candidate list) per state, read off `values` with the
  /// solver's `TieRule`.
  public let policy: [Int]
  public let status: SolverStatus
  /// Iterations of the outer loop (sweeps for VI, improvements for PI and MPI).
  public let iterations: Int
  /// Certified bound `‖values − V*‖∞ <= errorBound` (MacQueen–Porteus or Bellman-residual
  /// bound, never a bare residual).
  public let errorBound: Double
  /// The tie tolerance that was used to read off the policy.
  public let tieTolerance: Double
  /// Name of the method, for reports.
  public let method: String
}

/// A solver of discounted MDPs: parameters only; `solve` returns the facts.
public protocol DiscountedSolver: Sendable {
  func solve(_ mdp: DiscountedMDP) -> MDPSolution
}
