/// The Bellman operator of a discounted minimisation MDP, as value iteration needs it:
///
/// ```
/// (T V)(x) = min_{a ∈ A(x)} [ c(x, a) + γ Σ P(x' | x, a) V(x') ]
/// ```
///
/// `DiscountedMDP` conforms through its sparse rows. A model with a regular state space
/// (a queueing grid) can conform matrix-free, computing transitions from the state's
/// coordinates, so that `ValueIteration` solves it with the same stopping rule and
/// certificate but without storing a matrix.
public protocol BellmanOperator: Sendable {
  var stateCount: Int { get }
  /// γ in [0, 1).
  var discountFactor: Double { get }

  /// One Jacobi step `next = T values`, with the extremes of `T values − values` (the
  /// MacQueen–Porteus differences) and their round-off. `next` has `stateCount` entries on
  /// entry.
  func apply(_ values: [Double], into next: inout [Double]) -> JacobiStep

  /// One in-place Gauss–Seidel sweep of T in which each state's own equation is solved
  /// exactly (diagonal elimination). `sweep` counts sweeps from 1, so that an operator may
  /// alternate orderings (symmetric Gauss–Seidel). Must remain a γ-contraction in the sup
  /// norm so that value iteration keeps its guarantees.
  func gaussSeidelSweep(_ values: inout [Double], sweep: Int)

  /// The greedy policy of `values`: per state, the position in its action list of the
  /// lowest-index action whose value is within the tie tolerance of the minimum, with the
  /// tolerance `tieRule.tolerance(errorBound:scale:)` at scale `max |c + γ P V|`.
  func greedyPolicy(_ values: [Double], tieRule: TieRule, errorBound: Double)
    -> (policy: [Int], tieTolerance: Double)
}

/// What a Jacobi step reports besides `next = T V`: the extremes of the differences
/// `d = T V − V` computed in floating point, `roundOff`, a bound δ such that every
/// computed difference is within δ of the exact `d(x)` and every `next(x)` is within
/// `δ + 2ε |next(x)|` of the exact `(T V)(x)` (ε = 2⁻⁵²), and `scale`, the largest
/// magnitude of V and `next`. `lower` and `upper` are NaN if any difference is NaN (an
/// overflowed iterate), so that no bound built on them passes a stopping test.
public struct JacobiStep: Sendable, Equatable {
  /// `min_x d(x)` as computed.
  public var lower: Double
  /// `max_x d(x)` as computed.
  public var upper: Double
  /// δ, the round-off of the differences (see the type's documentation).
  public var roundOff: Double
  /// `max(‖V‖∞, ‖next‖∞)`, which sizes the rounding of the values themselves.
  public var scale: Double

  public init(lower: Double, upper: Double, roundOff: Double, scale: Double) {
    self.lower = lower
    self.upper = upper
    self.roundOff = roundOff
    self.scale = scale
  }
}

extension DiscountedMDP: BellmanOperator {
  /// Computes `next = T V` row by row and `d = next − V`; the round-off of that grows with
  /// the values' scale (`BellmanKernels.roundOff(scale:)`).
  /// - Complexity: O(transitions + candidates).
  public func apply(_ values: [Double], into next: inout [Double]) -> JacobiStep {
    // Every entry is written by `rowValues`, so the buffer is not zero-filled first (this
    // runs once per Jacobi iteration).
    var rowValues = [Double](unsafeUninitializedCapacity: process.rowCount) { _, count in
      count = process.rowCount
    }
    BellmanKernels.rowValues(process, discount: discountFactor, values: values, into: &rowValues)
    let (lower, upper, scale) = BellmanKernels.minimize(
      process, rowValues: rowValues, previous: values, into: &next)
    return JacobiStep(
      lower: lower, upper: upper, roundOff: BellmanKernels.roundOff(scale: scale), scale: scale)
  }

  /// Sweeps states in index order.
  /// - Complexity: each candidate's row is read once per state that lists it.
  public func gaussSeidelSweep(_ values: inout [Double], sweep: Int) {
    _ = BellmanKernels.gaussSeidelSweep(
      process, discount: discountFactor, values: &values, rows: nil)
  }

  /// - Complexity: O(transitions + candidates).
  public func greedyPolicy(_ values: [Double], tieRule: TieRule, errorBound: Double)
    -> (policy: [Int], tieTolerance: Double)
  {
    var rowValues = [Double](repeating: 0, count: process.rowCount)
    BellmanKernels.rowValues(process, discount: discountFactor, values: values, into: &rowValues)
    let tieTolerance = tieRule.tolerance(
      errorBound: errorBound, scale: BellmanKernels.supNorm(rowValues))
    return (
      BellmanKernels.greedyPolicy(process, rowValues: rowValues, tieTolerance: tieTolerance),
      tieTolerance
    )
  }
}
