/// Value iteration for discounted MDPs.
///
/// ```
/// Jacobi:        V_{k+1}(x) = min_{y∈R(x)} [ c(y) + γ Σ P(y,x') V_k(x') ]
/// Gauss–Seidel:  the same, sweeping x in index order, using updated values at once and
///                solving each state's own equation exactly (diagonal elimination)
/// ```
///
/// Stopping rule and certificate: the MacQueen–Porteus bounds of a Jacobi step. With
/// `d = T V − V`, `T V + γ/(1−γ)·min d <= V* <= T V + γ/(1−γ)·max d`; the returned values
/// are the midpoint of that bracket and
/// `errorBound = γ/(1−γ)·(max d − min d)/2 + δ/(1−γ) + 4 ε max(1, ‖V‖∞, ‖T V‖∞, ‖midpoint‖∞)`
/// (Puterman 2005, §6.6.3), where δ is the round-off of the computed differences that the
/// operator reports (`JacobiStep.roundOff`: `8 ε max(1, ‖V‖∞, ‖T V‖∞)` for sparse rows,
/// far less for an operator that computes d in difference form). So the bound is never 0,
/// a tolerance below it is never met, and an overflowed or NaN iterate gets an infinite or
/// NaN bound and never converges.
/// Jacobi checks the bracket every sweep; Gauss–Seidel (about four times fewer sweeps on
/// queueing models with large self-loop probabilities) runs `certificationInterval` sweeps
/// between Jacobi checks. It stops when
/// `errorBound <= tolerance` (see `Tolerance`), when the contraction part of the bound falls
/// to its round-off noise without meeting it or the bound has not improved for
/// `stagnationLimit` certifications while within `stagnationFloorFactor` of that floor
/// (status `.roundOffLimited`: the tolerance is below what floating point can certify
/// here), or after `maxIterations` sweeps (status `.iterationLimitReached`); the bound is
/// valid in every case. A bound that stagnates far above the floor is slow convergence,
/// not round-off: Gauss–Seidel then continues with Jacobi steps, whose re-centring on the
/// bracket's midpoint removes the error mode it leaves (near γ = 1 that mode decays only at
/// rate γ per sweep), and Jacobi iterates on to its tolerance, floor or iteration limit.
/// - Complexity: O(transitions + candidates) per Jacobi sweep; a Gauss–Seidel sweep reads
///   each candidate's row once per state that lists it.
public struct ValueIteration: DiscountedSolver {
  public enum Ordering: String, Sendable, CaseIterable {
    case jacobi
    case gaussSeidel = "gauss-seidel"
  }

  /// Stop when `errorBound` meets this (precondition: > 0).
  public var tolerance: Tolerance
  /// Most sweeps, certification sweeps included (precondition: >= 1).
  public var maxIterations: Int
  public var ordering: Ordering
  /// How the policy is read off the final values.
  public var tieRule: TieRule
  /// Starting values (default 0). Precondition: one finite entry per state.
  public var initialValues: [Double]?
  /// Gauss–Seidel sweeps between two Jacobi certification steps (precondition: >= 1).
  public var certificationInterval: Int
  /// Called after every certification with the sweeps so far and the current bound (for
  /// progress reports on long solves).
  public var progress: (@Sendable (_ iterations: Int, _ errorBound: Double) -> Void)?
  /// Gauss–Seidel only: Anderson acceleration with this many differences (0: none;
  /// precondition: >= 0). The accelerated map is a forward and a backward sweep (two
  /// iterations); see `AndersonMixer`. Costs `2m + 3` more value vectors.
  public var andersonMemory = 0

  /// Certifications in a row without a new best bound after which the iteration is taken
  /// to be stuck on its floating-point floor (a contraction in exact arithmetic improves
  /// the MacQueen–Porteus bound at every Jacobi step; a rounded Gauss–Seidel iterate can
  /// settle on a fixed point of the rounded map above the tolerance).
  static let stagnationLimit = 20

  /// A stagnating bound counts as round-off limited only within this factor of its floor
  /// (`roundOff + contractionNoise`, the bound whose contraction part is pure noise). At
  /// γ = 0.999999 and B = 50 Gauss–Seidel with Anderson mixing stagnated at 1.6e6, 1e8
  /// times that floor, while Jacobi steps reach the floor (4.7e-3) in 1376 sweeps.
  static let stagnationFloorFactor = 64.0

  public init(
    tolerance: Tolerance = .absolute(1e-8), maxIterations: Int = 1_000_000,
    ordering: Ordering = .jacobi, tieRule: TieRule = TieRule(), initialValues: [Double]? = nil,
    certificationInterval: Int = 10
  ) {
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.ordering = ordering
    self.tieRule = tieRule
    self.initialValues = initialValues
    self.certificationInterval = certificationInterval
    checkSettings()
  }

  /// The settings' preconditions, checked by `init` and again by `solve` (they are `var`s).
  private func checkSettings() {
    precondition(tolerance.value > 0, "tolerance \(tolerance) must be > 0")
    precondition(maxIterations >= 1, "maxIterations \(maxIterations) must be >= 1")
    precondition(
      certificationInterval >= 1, "certificationInterval \(certificationInterval) must be >= 1")
    precondition(andersonMemory >= 0, "andersonMemory \(andersonMemory) must be >= 0")
  }

  /// Value iteration on the sparse rows of `mdp`.
  public func solve(_ mdp: DiscountedMDP) -> MDPSolution {
    solve(operator: mdp)
  }

  /// Value iteration on any Bellman operator (sparse or matrix-free), with the stopping
  /// rule and certificate above.
  public func solve(operator bellman: some BellmanOperator) -> MDPSolution {
    checkSettings()
    let gamma = bellman.discountFactor
    let factor = gamma / (1 - gamma)
    var values = initialValues ?? [Double](repeating: 0, count: bellman.stateCount)
    precondition(values.count == bellman.stateCount, "initialValues has \(values.count) entries")
    precondition(values.allSatisfy(\.isFinite), "initialValues has a non-finite entry")
    var next = values
    var iterations = 0
    var errorBound = Double.infinity
    var status = SolverStatus.iterationLimitReached
    var mixer = AndersonMixer(memory: max(1, andersonMemory))
    var previousBound = Double.infinity
    var bestBound = Double.infinity
    var checksSinceImprovement = 0
    var accelerated = ordering == .gaussSeidel && andersonMemory > 0
    // Set when Gauss–Seidel stagnates far above its floor: Jacobi steps from then on.
    var jacobiFromSweep: Int? = ordering == .jacobi ? 1 : nil
    var sweepsSinceCheck = 0
    var image = accelerated ? values : []
    while iterations < maxIterations {
      iterations += 1
      // An accelerated step takes two sweeps, so it must start at least two before a limit.
      let lastSweeps =
        iterations == maxIterations || (accelerated && iterations == maxIterations - 1)
      let certify =
        jacobiFromSweep != nil || sweepsSinceCheck + 1 >= certificationInterval || lastSweeps
      if certify {
        sweepsSinceCheck = 0
        let step = bellman.apply(values, into: &next)
        // The bound is that of the bracket's midpoint T V + shift, which is what is returned.
        // Jacobi also continues from it (removing the constant error mode, damped only at
        // rate γ otherwise); Gauss–Seidel continues from T V, because on the service-mode
        // grid (B >= 30) re-centring stalled its convergence; accelerated Gauss–Seidel
        // keeps its own iterate, so that the check does not disturb its history.
        let midpointShift = factor * (step.upper + step.lower) / 2
        let scale = next.reduce(0) { max($0, abs($1 + midpointShift)) }
        // The bracket of the exact differences is wider by δ on each side, and the midpoint
        // is off by δ + a few ulps of the values (computing next and adding the shift):
        // δ (1 + γ/(1 − γ)) = δ/(1 − γ) in all; infinite if the midpoint overflowed.
        let iterateScale = max(1, step.scale, scale)
        let contraction = factor * (step.upper - step.lower) / 2
        let roundOff = step.roundOff / (1 - gamma) + 4 * Double.ulpOfOne * iterateScale
        errorBound = contraction + roundOff
        let converged = tolerance.isMet(by: errorBound, scale: scale)
        if errorBound < bestBound {
          bestBound = errorBound
          checksSinceImprovement = 0
        } else {
          checksSinceImprovement += 1
        }
        let floorBound =
          roundOff
          + BellmanKernels.contractionNoise(
            roundOff: roundOff, discount: gamma, iterateScale: iterateScale)
        let stagnated = errorBound.isFinite && checksSinceImprovement >= Self.stagnationLimit
        let atFloor =
          !converged
          && (BellmanKernels.isAtRoundOffFloor(
            contraction: contraction, roundOff: roundOff, discount: gamma,
            iterateScale: iterateScale, solutionScale: scale, tolerance: tolerance)
            || (stagnated && bestBound <= Self.stagnationFloorFactor * floorBound))
        let final = converged || atFloor || iterations == maxIterations
        // Slow convergence far above the floor: continue with (or stay with) Jacobi steps.
        let slow = stagnated && !atFloor
        if !accelerated || final || slow { swap(&values, &next) }
        if slow {
          if jacobiFromSweep == nil { jacobiFromSweep = iterations + 1 }
          accelerated = false
          checksSinceImprovement = 0
        }
        if jacobiFromSweep != nil || final {
          for state in values.indices { values[state] += midpointShift }
        }
        progress?(iterations, errorBound)
        // Acceleration is a heuristic: without progress since the last check, start over.
        if errorBound >= previousBound { mixer.reset() }
        previousBound = errorBound
        if converged || atFloor {
          status = converged ? .converged : .roundOffLimited
          break
        }
      } else if accelerated {
        // One accelerated step = a forward and a backward sweep.
        image.withUnsafeMutableBufferPointer { image in
          values.withUnsafeBufferPointer { values in
            image.baseAddress!.update(from: values.baseAddress!, count: values.count)
          }
        }
        bellman.gaussSeidelSweep(&image, sweep: 1)
        bellman.gaussSeidelSweep(&image, sweep: 2)
        mixer.step(&values, image: image)
        iterations += 1
        sweepsSinceCheck += 2
      } else {
        bellman.gaussSeidelSweep(&values, sweep: iterations)
        sweepsSinceCheck += 1
      }
    }
    let (policy, tieTolerance) = bellman.greedyPolicy(
      values, tieRule: tieRule, errorBound: errorBound)
    return MDPSolution(
      values: values, policy: policy, status: status, iterations: iterations,
      errorBound: errorBound, tieTolerance: tieTolerance,
      method: methodDescription(jacobiFromSweep: jacobiFromSweep))
  }

  /// For example `value iteration (gauss-seidel, Anderson 1; jacobi from sweep 925)`.
  private func methodDescription(jacobiFromSweep: Int?) -> String {
    var method = ordering.rawValue
    if ordering == .gaussSeidel && andersonMemory > 0 { method += ", Anderson \(andersonMemory)" }
    if ordering == .gaussSeidel, let sweep = jacobiFromSweep {
      method += "; jacobi from sweep \(sweep), after the bound stagnated far above its floor"
    }
    return "value iteration (\(method))"
  }
}

/// Reads the policy off final values with the tie rule and packages the solution.
enum DiscountedSolutionBuilder {
  static func finish(
    _ mdp: DiscountedMDP, values: [Double], errorBound: Double, status: SolverStatus,
    iterations: Int, tieRule: TieRule, method: String
  ) -> MDPSolution {
    let (policy, tieTolerance) = mdp.greedyPolicy(values, tieRule: tieRule, errorBound: errorBound)
    return MDPSolution(
      values: values, policy: policy, status: status, iterations: iterations,
      errorBound: errorBound, tieTolerance: tieTolerance, method: method)
  }

  /// The certified bound of arbitrary values: `‖V − V*‖∞ <= ‖TV − V‖∞ / (1 − γ)`, plus the
  /// round-off allowance `δ/(1 − γ)` of computing T V (`BellmanKernels.roundOffBound`).
  static func residualBound(_ mdp: DiscountedMDP, values: [Double]) -> Double {
    var rowValues = [Double](repeating: 0, count: mdp.process.rowCount)
    var next = values
    BellmanKernels.rowValues(
      mdp.process, discount: mdp.discountFactor, values: values, into: &rowValues)
    let (lower, upper, _) = BellmanKernels.minimize(
      mdp.process, rowValues: rowValues, previous: values, into: &next)
    let residual = lower.isNaN ? Double.nan : max(-lower, upper)
    return residual / (1 - mdp.discountFactor)
      + BellmanKernels.roundOffBound(
        scale: max(BellmanKernels.supNorm(values), BellmanKernels.supNorm(rowValues)),
        discount: mdp.discountFactor)
  }
}
