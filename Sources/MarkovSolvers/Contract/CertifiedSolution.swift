/// The one result of every solve through `MDPSolver`: values, policy and the facts needed
/// to trust them (docs/solvers.md §4).
///
/// The certificate is what the solver proves about the returned numbers, round-off
/// included:
///
/// ```
/// discounted (γ or β):  ‖values − V*‖∞ <= errorBound
/// average:              gainLower <= g* <= gainUpper,  |gain − g*| <= (gainUpper − gainLower)/2
/// ```
///
/// `status == .converged` means the certificate meets `tolerance` (at the scale
/// `max(1, ‖values‖∞)`, or `max(1, |gain|)` for the average criterion); otherwise the
/// certificate is still valid but looser than asked.
public struct CertifiedSolution: Sendable {
  /// What the solver proves about the returned numbers.
  public enum Certificate: Sendable, Equatable {
    /// `‖values − V*‖∞ <= errorBound` (discounted criteria).
    case valueBound(errorBound: Double)
    /// `lower <= g* <= upper` (Odoni bounds; average criterion, on the model's own time
    /// scale: per stage, or per unit time for a continuous-time model).
    case gainBracket(lower: Double, upper: Double)
  }

  public let criterion: Criterion
  public private(set) var status: SolverStatus
  /// Outer iterations of the method (sweeps for value iteration, improvements for policy
  /// iteration, greedy steps for modified policy iteration).
  public let iterations: Int
  public let certificate: Certificate
  /// Discounted: V per state (for a continuous-time model, the continuous-time values,
  /// which uniformization preserves). Average: the bias (relative values) h with
  /// `h(reference state) = 0`.
  public let values: [Double]
  /// The chosen action per state: its index in the state's candidate list (0-based).
  public let policy: [Int]
  /// The method that ran (the resolved one when `.automatic` was asked).
  public let method: SolutionMethod
  /// The solver's own description of what ran, e.g. `value iteration (gauss-seidel)`.
  public let methodDescription: String
  /// The tolerance the certificate was held to.
  public let tolerance: Tolerance
  /// The tie tolerance the policy was read with (on the solved discrete-time scale).
  public let tieTolerance: Double
  /// Λ, for a continuous-time model; nil for a discrete-time one.
  public let uniformizationRate: Double?
  /// γ of the discounted discrete-time problem that was solved (`Λ/(Λ + β)` for a
  /// continuous-time model); nil for the average criterion.
  public let discountFactor: Double?
  /// Number of (state, choice) pairs of the model (candidate-list entries); nil for a
  /// matrix-free operator.
  public let choiceCount: Int?

  public var stateCount: Int { values.count }
  public var converged: Bool { status == .converged }

  /// Discounted: the value bound. Average: `(gainUpper − gainLower)/2`, a bound on
  /// `|gain − g*|`.
  public var errorBound: Double {
    switch certificate {
    case .valueBound(let bound): bound
    case .gainBracket(let lower, let upper): (upper - lower) / 2
    }
  }

  /// The midpoint of the gain bracket (average criterion), else nil.
  public var gain: Double? {
    guard case .gainBracket(let lower, let upper) = certificate else { return nil }
    return (lower + upper) / 2
  }

  public var gainLower: Double? {
    guard case .gainBracket(let lower, _) = certificate else { return nil }
    return lower
  }

  public var gainUpper: Double? {
    guard case .gainBracket(_, let upper) = certificate else { return nil }
    return upper
  }

  /// The quantity the tolerance is measured against: `‖values‖∞`, or `|gain|` bracket ends.
  var toleranceScale: Double {
    switch certificate {
    case .valueBound: BellmanKernels.supNorm(values)
    case .gainBracket(let lower, let upper): max(abs(lower), abs(upper))
    }
  }

  /// Whether the certificate meets the tolerance it was held to.
  public var meetsTolerance: Bool {
    let width: Double
    switch certificate {
    case .valueBound(let bound): width = bound
    case .gainBracket(let lower, let upper): width = upper - lower
    }
    return tolerance.isMet(by: width, scale: toleranceScale)
  }

  /// The solution with `.converged` downgraded to `.roundOffLimited` if the certificate
  /// does not meet the tolerance (policy iteration stops on a stable policy whatever its
  /// residual bound; the other methods already stop on the tolerance).
  func checkedAgainstTolerance() -> CertifiedSolution {
    var checked = self
    if status == .converged && !meetsTolerance { checked.status = .roundOffLimited }
    return checked
  }

  /// A flat, `Codable` record of the solution (the JSON document of the CLI's solve).
  public var summary: Summary { Summary(self) }

  /// A flat, `Codable` record of a `CertifiedSolution`, with the keys the CLI prints
  /// (docs/solvers.md §5). Non-finite numbers (a bound that never became finite) are
  /// encoded as null, so the document never holds NaN or infinity.
  public struct Summary: Sendable, Equatable, Codable {
    /// `discounted`, `continuous-discounted` or `average`.
    public var criterion: String
    /// γ solved (discounted criteria).
    public var discountFactor: Double?
    /// β (continuous-discounted criterion).
    public var continuousDiscount: Double?
    /// Λ (continuous-time models).
    public var uniformizationRate: Double?
    /// The method that ran (`SolutionMethod` raw value, resolved).
    public var method: String
    /// The solver's description of it.
    public var methodDescription: String
    public var toleranceKind: Tolerance.Kind
    public var tolerance: Double
    public var status: SolverStatus
    public var iterations: Int
    /// Discounted: `‖values − V*‖∞` bound. Average: `|gain − g*|` bound.
    public var errorBound: Double?
    public var gain: Double?
    public var gainLower: Double?
    public var gainUpper: Double?
    public var tieTolerance: Double?
    /// Number of states.
    public var states: Int
    /// Number of (state, choice) pairs (nil for a matrix-free operator).
    public var choices: Int?
    /// Per state, indexed by state.
    public var values: [Double?]
    /// Per state, the chosen choice's 0-based index within the state's choices.
    public var policy: [Int]

    init(_ solution: CertifiedSolution) {
      func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
      criterion = solution.criterion.name
      discountFactor = solution.discountFactor
      if case .continuousDiscounted(let rate) = solution.criterion {
        continuousDiscount = rate
      }
      uniformizationRate = solution.uniformizationRate
      method = solution.method.rawValue
      methodDescription = solution.methodDescription
      toleranceKind = solution.tolerance.kind
      tolerance = solution.tolerance.value
      status = solution.status
      iterations = solution.iterations
      errorBound = finite(solution.errorBound)
      gain = finite(solution.gain)
      gainLower = finite(solution.gainLower)
      gainUpper = finite(solution.gainUpper)
      tieTolerance = finite(solution.tieTolerance)
      states = solution.stateCount
      choices = solution.choiceCount
      values = solution.values.map { finite($0) }
      policy = solution.policy
    }
  }
}
