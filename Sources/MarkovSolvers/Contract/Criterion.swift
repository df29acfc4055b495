/// What a solve minimises (docs/solvers.md §1).
///
/// ```
/// discounted(factor: γ)          min E Σ_k γ^k c(x_k, a_k)            discrete time, 0 <= γ < 1
/// continuousDiscounted(rate: β)  min E ∫ e^(−βt) c(x_t, a_t) dt      continuous time, β > 0
/// average                        min lim (1/T) E Σ_{k<T} c(x_k, a_k)  (per stage, or per unit
///                                time for a continuous-time model)
/// ```
///
/// A continuous-time model is uniformized for the user at a rate Λ >= its largest exit rate
/// (Puterman 2005, §11.5): the discounted problem becomes a discrete one with
/// `γ = Λ/(Λ + β)` and the same values; the average-cost gain is Λ times the discrete
/// gain. The rate used is reported in `CertifiedSolution.uniformizationRate`.
public enum Criterion: Sendable, Equatable {
  /// Discrete-time discounted cost with factor γ in [0, 1).
  case discounted(factor: Double)
  /// Continuous-time discounted cost with rate β > 0 (finite).
  case continuousDiscounted(rate: Double)
  /// Long-run average cost (the optimal gain must not depend on the start: unichain or
  /// weakly communicating models).
  case average

  /// `discounted`, `continuous-discounted` or `average` (the CLI's and JSON's spelling).
  public var name: String {
    switch self {
    case .discounted: "discounted"
    case .continuousDiscounted: "continuous-discounted"
    case .average: "average"
    }
  }
}

/// The algorithm of a solve (docs/solvers.md §2). `automatic` picks one from the criterion
/// and the model's size; the others force it, and a method that does not apply to the
/// criterion or the model's form is a `SolverError`, never silently replaced.
public enum SolutionMethod: String, Sendable, Equatable, Codable, CaseIterable {
  /// Discounted: policy iteration with dense evaluation up to
  /// `MDPSolver.Tuning.automaticPolicyIterationLimit` states, Gauss–Seidel value iteration
  /// above it (and for matrix-free operators). Average: relative value iteration.
  case automatic
  /// Jacobi value iteration with MacQueen–Porteus bounds (`ValueIteration`, `.jacobi`).
  case valueIteration = "value-iteration"
  /// Gauss–Seidel value iteration, certified by a Jacobi step every
  /// `Tuning.certificationInterval` sweeps (`ValueIteration`, `.gaussSeidel`).
  case gaussSeidel = "gauss-seidel"
  /// Howard's policy iteration (`PolicyIteration`); discounted only today.
  case policyIteration = "policy-iteration"
  /// Modified policy iteration (`ModifiedPolicyIteration`).
  case modifiedPolicyIteration = "modified-policy-iteration"
  /// Relative value iteration for the average criterion (`RelativeValueIteration`).
  case relativeValueIteration = "relative-value-iteration"
}

extension Tolerance {
  /// Whether a tolerance bounds the error absolutely or relative to `max(1, scale)`.
  public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
    case relative, absolute
  }

  /// A tolerance from its kind and number (as a CLI or a file gives them).
  public init(kind: Kind, value: Double) {
    switch kind {
    case .absolute: self = .absolute(value)
    case .relative: self = .relative(value)
    }
  }

  public var kind: Kind {
    switch self {
    case .absolute: .absolute
    case .relative: .relative
    }
  }
}

extension Tolerance: CustomStringConvertible {
  /// `1e-09 (relative)`: the number and its kind, as every printed result shows them.
  public var description: String { "\(value) (\(kind.rawValue))" }
}
