import LinearKernels
import MarkovSolvers

/// The machine-phase chain of a fixed policy under permanent congestion of S, with every
/// transition tagged by the member of S whose job completes on it (docs/markov-machine.md §A6.1).
///
/// Phases at the start of a slot: φ1 uses {B, F, J_1..J_n}; round robin (= max-age under
/// permanent congestion, A5.3) uses {(B, r), (F, r), J_1..J_n} with r the next member to
/// serve. The slot dynamics are those of A2: in an idle slot the server samples w.p. μ; a
/// sample of a free machine starts a service in the same slot; a serving slot of user j
/// completes w.p. q_j, after which the machine is busy w.p. s; an idle slot without an
/// assignment flips busy ↔ free w.p. q. The other slot orderings of `SlotOrdering` are
/// built literally (flip before the sample; service from the slot after the assignment).
///
/// Docs: docs/markov-machine.md §A2, §A6.1.
public struct PhaseProcess: Sendable {
  /// One tagged transition: `completingMember` is the index in S of the user whose job
  /// completes on it, or -1.
  struct Move: Sendable {
    var from: Int
    var to: Int
    var probability: Double
    var completingMember: Int
  }

  public let subset: UserSubset
  /// Phase labels, e.g. `B`, `F`, `J2`, `B>3` (busy, next user 3).
  public let phaseNames: [String]
  /// Whether the machine is idle (sampled w.p. μ) in each phase.
  public let isIdle: [Bool]
  /// μ.
  public let samplingProbability: Double
  let moves: [Move]

  public var phaseCount: Int { phaseNames.count }

  /// φ1 with the policy's μ and π (phases B = 0, F = 1, J_u = 2 + u).
  /// - Parameter assumptions: only the slot ordering matters here (A2).
  /// - Precondition: `policy.rule == .randomized`, one schedule entry per member of S.
  public static func randomized(
    _ parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy,
    assumptions: ModelAssumptions = .standard
  ) -> PhaseProcess {
    precondition(policy.rule == .randomized && policy.schedule.count == subset.count)
    var builder = MoveBuilder(parameters, subset, assumptions.slotOrdering)
    let mu = policy.samplingProbability
    let n = subset.count
    let assignments = (0..<n).map {
      Assignment(member: $0, share: policy.schedule[$0], busy: 0, free: 1, serving: 2 + $0)
    }
    builder.idle(from: 0, startsFree: false, busy: 0, free: 1, mu: mu, assignments)
    builder.idle(from: 1, startsFree: true, busy: 0, free: 1, mu: mu, assignments)
    for member in 0..<n {
      builder.serve(
        from: 2 + member, weight: 1, member: member, busy: 0, free: 1, serving: 2 + member)
    }
    let names = ["B", "F"] + subset.users.map { "J\($0 + 1)" }
    return PhaseProcess(
      subset: subset, phaseNames: names, isIdle: [true, true] + Array(repeating: false, count: n),
      samplingProbability: mu, moves: builder.moves)
  }

  /// Round robin over S in increasing user index with sampling probability μ̄: phases
  /// (B, r) = 2r, (F, r) = 2r + 1, J_u = 2n + u. Under permanent congestion max-age is round
  /// robin whatever the tie rule (ties occur only before every member has completed once,
  /// A9.3), and the ages do not depend on the cyclic order, so only the slot ordering of
  /// `assumptions` matters.
  public static func roundRobin(
    _ parameters: MachineParameters, subset: UserSubset, samplingProbability mu: Double,
    assumptions: ModelAssumptions = .standard
  ) -> PhaseProcess {
    precondition(mu > 0 && mu <= 1, "mu \(mu)")
    var builder = MoveBuilder(parameters, subset, assumptions.slotOrdering)
    let n = subset.count
    for next in 0..<n {
      let (busy, free, serving) = (2 * next, 2 * next + 1, 2 * n + next)
      let (busyAfter, freeAfter) = (2 * ((next + 1) % n), 2 * ((next + 1) % n) + 1)
      let assignment = [
        Assignment(member: next, share: 1, busy: busyAfter, free: freeAfter, serving: serving)
      ]
      builder.idle(from: busy, startsFree: false, busy: busy, free: free, mu: mu, assignment)
      builder.idle(from: free, startsFree: true, busy: busy, free: free, mu: mu, assignment)
      builder.serve(
        from: serving, weight: 1, member: next, busy: busyAfter, free: freeAfter, serving: serving)
    }
    let users = subset.users.map { String($0 + 1) }
    let names = users.flatMap { ["B>\($0)", "F>\($0)"] } + users.map { "J\($0)" }
    return PhaseProcess(
      subset: subset, phaseNames: names,
      isIdle: Array(repeating: true, count: 2 * n) + Array(repeating: false, count: n),
      samplingProbability: mu, moves: builder.moves)
  }

  /// The phase chain of a policy: φ1's for `.randomized`, round robin for `.maxAge`.
  public static func forPolicy(
    _ parameters: MachineParameters, subset: UserSubset, policy: SubsetPolicy,
    assumptions: ModelAssumptions = .standard
  ) -> PhaseProcess {
    switch policy.rule {
    case .randomized:
      return randomized(parameters, subset: subset, policy: policy, assumptions: assumptions)
    case .maxAge:
      return roundRobin(
        parameters, subset: subset, samplingProbability: policy.samplingProbability,
        assumptions: assumptions)
    }
  }

  /// The phase transition matrix P = M0 + M1 (dense, small).
  public var transitionMatrix: Matrix {
    var matrix = Matrix(rowCount: phaseCount, columnCount: phaseCount)
    for move in moves { matrix[move.from, move.to] += move.probability }
    return matrix
  }

  /// (M0, M1) for member `member` of S: M1 holds the transitions on which its job
  /// completes, M0 all the others.
  public func splitMatrices(member: Int) -> (noCompletion: Matrix, completion: Matrix) {
    var m0 = Matrix(rowCount: phaseCount, columnCount: phaseCount)
    var m1 = m0
    for move in moves {
      if move.completingMember == member {
        m1[move.from, move.to] += move.probability
      } else {
        m0[move.from, move.to] += move.probability
      }
    }
    return (m0, m1)
  }

  /// The stationary phase distribution (GTH on the phase chain).
  public func phaseDistribution() -> [Double] {
    let chain: DiscreteTimeMarkovChain
    do {
      chain = try DiscreteTimeMarkovChain(dense: transitionMatrix)
      return try chain.stationaryDistribution(method: .gth).probabilities
    } catch {
      preconditionFailure("the phase chain is a valid irreducible chain: \(error)")
    }
  }

  /// The explicit finite chain of (phase, v_k) for member `member`, ages capped at `cap`
  /// (A6.1), in Kronecker form: state `(v − 1) · phaseCount + phase`,
  ///
  /// ```
  /// P = shift ⊗ M0 + reset ⊗ M1,   shift: v → min(v + 1, A),   reset: v → 1
  /// ```
  ///
  /// It is what `evaluate` solves in closed form; it is public so that it can be solved by
  /// any general method (GTH, Gauss–Seidel) as an independent check.
  /// - Complexity: O(cap · moves).
  public func ageChain(member: Int, cap: Int) -> DiscreteTimeMarkovChain {
    precondition(cap >= 1 && member >= 0 && member < subset.count, "member \(member), cap \(cap)")
    var builder = COOBuilder(
      rowCount: cap * phaseCount, columnCount: cap * phaseCount,
      reservingCapacity: cap * moves.count)
    for age in 1...cap {
      for move in moves {
        let nextAge = move.completingMember == member ? 1 : min(age + 1, cap)
        builder.append(
          row: (age - 1) * phaseCount + move.from, column: (nextAge - 1) * phaseCount + move.to,
          value: move.probability)
      }
    }
    do {
      return try DiscreteTimeMarkovChain(transitions: builder.build())
    } catch {
      preconditionFailure("the age chain is stochastic by construction: \(error)")
    }
  }
}

/// A job assignment from a free sample: `member` w.p. `share`, with the phases after its
/// completion (busy, free) and its serving phase.
private struct Assignment {
  var member: Int
  var share: Double
  var busy: Int
  var free: Int
  var serving: Int
}

/// Appends the tagged transitions of A2's slot dynamics in the given slot ordering.
private struct MoveBuilder {
  let service: [Double]
  let busyAfterCompletion: Double
  let flipProbability: Double
  let ordering: SlotOrdering
  var moves: [PhaseProcess.Move] = []

  init(_ parameters: MachineParameters, _ subset: UserSubset, _ ordering: SlotOrdering) {
    service = subset.users.map { parameters.serviceProbabilities[$0] }
    busyAfterCompletion = parameters.busyAfterCompletionProbability
    flipProbability = parameters.flipProbability
    self.ordering = ordering
  }

  /// An idle slot starting in `from` (free or busy): sampled w.p. μ; a free sample assigns
  /// a job (served from this slot, or from the next one with `.serviceNextSlot`); otherwise
  /// the machine is idle in phase `busy` or `free` at the next slot.
  mutating func idle(
    from: Int, startsFree: Bool, busy: Int, free: Int, mu: Double, _ assignments: [Assignment]
  ) {
    for outcome in ordering.idleSlot(startsFree: startsFree, flip: flipProbability, sampling: mu) {
      guard outcome.nextFree == nil else {
        append(from, outcome.nextFree == true ? free : busy, outcome.probability, -1)
        continue
      }
      for assignment in assignments {
        let weight = outcome.probability * assignment.share
        if ordering.assignmentSlotServes {
          serve(
            from: from, weight: weight, member: assignment.member, busy: assignment.busy,
            free: assignment.free, serving: assignment.serving)
        } else {
          append(from, assignment.serving, weight, -1)
        }
      }
    }
  }

  /// A serving slot of `member`: completion w.p. q_j, then busy w.p. s or free.
  mutating func serve(from: Int, weight: Double, member: Int, busy: Int, free: Int, serving: Int) {
    let q = service[member]
    append(from, busy, weight * q * busyAfterCompletion, member)
    append(from, free, weight * q * (1 - busyAfterCompletion), member)
    append(from, serving, weight * (1 - q), -1)
  }

  private mutating func append(_ from: Int, _ to: Int, _ probability: Double, _ member: Int) {
    if probability > 0 {
      moves.append(
        PhaseProcess.Move(from: from, to: to, probability: probability, completingMember: member))
    }
  }
}
