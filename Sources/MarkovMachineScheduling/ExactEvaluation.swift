import LinearKernels
import MarkovSolvers

/// Exact long-run figures of a fixed policy under permanent congestion of S, computed from
/// the finite chains of A6.1 and the phase-type formula of A6.3, independently of the
/// closed forms of A5.
///
/// Docs: docs/markov-machine.md §A6.
public struct ExactEvaluation: Sendable, Codable {
  public let subset: UserSubset
  /// E[min(v_k, A_k)] on the truncated chain of (phase, v_k) (A6.1), per member of S.
  public let ages: [Double]
  /// E[v_k] without truncation (A6.3), per member of S.
  public let untruncatedAges: [Double]
  /// The age cap A_k chosen for each member.
  public let ageCaps: [Int]
  /// Stationary P(v_k >= A_k) of each truncated chain.
  public let massAtCap: [Double]
  /// `L μ Σ_{idle phases} π(phase)`.
  public let samplingCost: Double
  /// `.iterationLimitReached` if some cap reached `maximumCap` before the accuracy.
  public let status: SolverStatus

  /// `untruncatedAges − ages` (>= 0): the truncation error of each chain.
  public var truncationErrors: [Double] { zip(untruncatedAges, ages).map { $0 - $1 } }

  /// Evaluates φ1 (`.randomized`) or max-age (`.maxAge`, as round robin, A5.3).
  /// - Parameters:
  ///   - accuracy: largest truncation error accepted on each age (absolute).
  ///   - assumptions: the slot ordering is built literally into the phase chain (A2); the
  ///     tie rule and sampling with empty queues have no effect under permanent congestion.
  public static func evaluate(
    _ parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy,
    accuracy: Double = 1e-12, maximumCap: Int = 10_000_000,
    assumptions: ModelAssumptions = .standard
  ) -> ExactEvaluation {
    PhaseProcess.forPolicy(
      parameters, subset: subset, policy: policy, assumptions: assumptions
    ).evaluate(
      samplingCost: parameters.samplingCost, accuracy: accuracy, maximumCap: maximumCap)
  }
}

extension PhaseProcess {
  /// The exact ages and sampling cost of this phase chain (A6.1, A6.3).
  ///
  /// With π the stationary phase distribution and (M0, M1) the split of member k:
  ///
  /// ```
  /// x_1 = π M1,   x_{v+1} = x_v M0              (untruncated stationary mass at age v)
  /// w = (I − M0)⁻¹ 1,   u = (I − M0)⁻¹ w
  /// truncated chain, cap A:  x_A = x_{A−1} M0 (I − M0)⁻¹,   mass at cap = x_{A−1} M0 w
  /// E[v_k] = r1 u / r1 w,   r1 ∝ π M1                    (A6.3, untruncated)
  /// E[v_k] − E[min(v_k, A)] = x_{A−1} M0 (u − w)          (truncation error)
  /// ```
  ///
  /// The truncated chain's stationary distribution is obtained by this block forward
  /// substitution, which is the exact solution of its Kronecker-structured balance
  /// equations (the cap only lumps the ages >= A). Stopping rule: A is the smallest cap
  /// whose truncation error is at most `accuracy`, or `maximumCap` (then the status is
  /// `.iterationLimitReached`).
  /// - Complexity: O(phases³ + A · phases²) per member.
  public func evaluate(
    samplingCost cost: Double, accuracy: Double = 1e-12, maximumCap: Int = 10_000_000
  )
    -> ExactEvaluation
  {
    precondition(accuracy > 0 && maximumCap >= 2, "accuracy \(accuracy), maximumCap \(maximumCap)")
    let phases = phaseDistribution()
    var ages: [Double] = []
    var untruncated: [Double] = []
    var caps: [Int] = []
    var masses: [Double] = []
    var status = SolverStatus.converged
    for member in 0..<subset.count {
      let (m0, m1) = splitMatrices(member: member)
      let (w, u) = absorptionMoments(m0)
      var mass = Self.rowTimes(phases, m1)
      untruncated.append(Self.dot(mass, u) / Self.dot(mass, w))
      var mean = 0.0
      var total = 0.0
      var age = 1
      while true {
        let levelMass = mass.reduce(0, +)
        mean += Double(age) * levelMass
        total += levelMass
        let entering = Self.rowTimes(mass, m0)
        let error = Self.dot(entering, u) - Self.dot(entering, w)
        if error <= accuracy || age + 1 >= maximumCap {
          if error > accuracy { status = .iterationLimitReached }
          let tail = Self.dot(entering, w)
          total += tail
          ages.append((mean + Double(age + 1) * tail) / total)
          caps.append(age + 1)
          masses.append(tail / total)
          break
        }
        mass = entering
        age += 1
      }
    }
    var idleMass = 0.0
    for (phase, idle) in isIdle.enumerated() where idle { idleMass += phases[phase] }
    return ExactEvaluation(
      subset: subset, ages: ages, untruncatedAges: untruncated, ageCaps: caps,
      massAtCap: masses, samplingCost: cost * samplingProbability * idleMass, status: status)
  }

  /// (w, u) = ((I − M0)⁻¹ 1, (I − M0)⁻² 1): the first two factorial-type moments of the
  /// slots until the next completion of the member, from each phase.
  private func absorptionMoments(_ m0: Matrix) -> (w: [Double], u: [Double]) {
    var system = Matrix.identity(phaseCount)
    for index in system.storage.indices { system.storage[index] -= m0.storage[index] }
    do {
      let w = try LAPACK.solve(system, [Double](repeating: 1, count: phaseCount))
      return (w, try LAPACK.solve(system, w))
    } catch {
      preconditionFailure("I − M0 is nonsingular (every phase reaches a completion): \(error)")
    }
  }

  /// The row vector `x M` (M column-major, so each entry is a contiguous dot product).
  static func rowTimes(_ x: [Double], _ m: Matrix) -> [Double] {
    (0..<m.columnCount).map { column in
      var sum = 0.0
      for row in 0..<m.rowCount { sum += x[row] * m.storage[row + column * m.rowCount] }
      return sum
    }
  }

  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
  }
}
