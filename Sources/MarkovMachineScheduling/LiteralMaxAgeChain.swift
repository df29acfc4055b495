import LinearKernels
import MarkovSolvers

/// The literal max-age policy under permanent congestion, as one joint chain over
/// (phase, v_1, ..., v_n) with the argmax rule applied to the capped ages (docs/markov-machine.md
/// §A6.2).
///
/// It checks the reduction "max-age = round robin" behind Theorems 3 and 4 (A5.3) without
/// assuming it.
public struct LiteralMaxAgeEvaluation: Sendable, Codable {
  public let subset: UserSubset
  /// E[v_k] per member of S on the capped joint chain.
  public let ages: [Double]
  public let samplingCost: Double
  public let ageCap: Int
  /// Stationary P(some age of S is at the cap).
  public let massAtCap: Double
  /// Size of the closed class that was solved.
  public let stateCount: Int
  /// `‖π P − π‖₁` of the stationary vector.
  public let residual: Double

  /// Largest |S| accepted (the chain has (n + 2) A^n states).
  public static let maximumSubsetSize = 3
  /// Largest (n + 2) A^n accepted.
  public static let maximumStateCount = 4_000_000

  /// Builds the joint chain reachable from (F, v = 1, 2, ..., n), keeps the closed class
  /// reached first (the cap may merge the classes of the different cyclic orders; the
  /// per-user ages are the same in each) and solves it with the core's stationary solver.
  ///
  /// ```
  /// idle free slot, sampled:  serve j* = argmax_{j∈S} v_j (ties by `assumptions.maxAgeTies`)
  /// ages:  v_j ← 1 on a completion of j, else v_j ← min(v_j + 1, A)
  /// ```
  ///
  /// The tie rule matters only through the cap (without it the ages of S are distinct
  /// once every member has completed); `.uniform` splits the probability equally among the
  /// tied members. The slot ordering is built literally (A2); sampling with empty queues has
  /// no effect (permanent congestion).
  /// - Throws: `ParameterError` if |S| > 3, the cap is < 2 or the chain would exceed
  ///   `maximumStateCount` states.
  /// - Complexity: O(states) to build, plus the stationary solve (GTH up to 1500 states,
  ///   Gauss–Seidel above).
  public static func evaluate(
    _ parameters: MachineParameters, subset: UserSubset, samplingProbability mu: Double,
    ageCap cap: Int, assumptions: ModelAssumptions = .standard
  ) throws(ParameterError) -> LiteralMaxAgeEvaluation {
    let n = subset.count
    guard n <= maximumSubsetSize else {
      throw .outOfRange("subset size (|S|) of the literal max-age chain", n, valid: "<= 3")
    }
    try SubsetPolicy.checkSamplingProbability(mu)
    var ageCodes = 1.0
    for _ in 0..<n { ageCodes *= Double(cap) }
    guard cap >= 2, Double(n + 2) * ageCodes <= Double(maximumStateCount) else {
      throw .outOfRange(
        "age cap (A) of the literal max-age chain", cap,
        valid: ">= 2 with (|S| + 2) A^|S| <= \(maximumStateCount)")
    }
    let space = JointSpace(
      parameters, subset: subset, cap: cap, samplingProbability: mu, assumptions: assumptions)
    let (matrix, codes) = space.reachableChain()
    let chain: DiscreteTimeMarkovChain
    let stationary: StationaryDistribution
    let kept: [Int]
    do {
      let full = try DiscreteTimeMarkovChain(transitions: matrix)
      let classes = try full.recurrentClasses(reachableFrom: 0)
      kept = classes[0]
      chain = try full.restricted(to: kept)
      stationary = try chain.stationaryDistribution(method: .automatic())
    } catch {
      preconditionFailure("the joint max-age chain is a valid chain: \(error)")
    }
    var ages = [Double](repeating: 0, count: n)
    var idleMass = 0.0
    var capMass = 0.0
    for (position, state) in kept.enumerated() {
      let probability = stationary.probabilities[position]
      let (phase, stateAges) = space.decode(codes[state])
      if phase < 2 { idleMass += probability }
      if stateAges.contains(cap) { capMass += probability }
      for member in 0..<n { ages[member] += probability * Double(stateAges[member]) }
    }
    return LiteralMaxAgeEvaluation(
      subset: subset, ages: ages, samplingCost: parameters.samplingCost * mu * idleMass,
      ageCap: cap, massAtCap: capMass, stateCount: kept.count, residual: stationary.residual)
  }
}

/// The state space (phase, ages) of the literal max-age chain: phase 0 = B, 1 = F,
/// 2 + j = serving member j; code = phase · A^n + Σ_j (v_j − 1) A^j.
private struct JointSpace {
  let n: Int
  let cap: Int
  let service: [Double]
  let flip: Double
  let busyAfterCompletion: Double
  let mu: Double
  let assumptions: ModelAssumptions
  let agePower: Int

  init(
    _ parameters: MachineParameters, subset: UserSubset, cap: Int, samplingProbability: Double,
    assumptions: ModelAssumptions
  ) {
    n = subset.count
    self.cap = cap
    service = subset.users.map { parameters.serviceProbabilities[$0] }
    flip = parameters.flipProbability
    busyAfterCompletion = parameters.busyAfterCompletionProbability
    mu = samplingProbability
    self.assumptions = assumptions
    var power = 1
    for _ in 0..<n { power *= cap }
    agePower = power
  }

  func decode(_ code: Int) -> (phase: Int, ages: [Int]) {
    var rest = code % agePower
    var ages = [Int](repeating: 0, count: n)
    for member in 0..<n {
      ages[member] = rest % cap + 1
      rest /= cap
    }
    return (code / agePower, ages)
  }

  func encode(phase: Int, ages: [Int], reset: Int) -> Int {
    var code = 0
    var scale = 1
    for member in 0..<n {
      let age = member == reset ? 1 : min(ages[member] + 1, cap)
      code += (age - 1) * scale
      scale *= cap
    }
    return phase * agePower + code
  }

  /// The successors of a state as (code, probability) pairs.
  func successors(_ code: Int) -> [(Int, Double)] {
    let (phase, ages) = decode(code)
    var list: [(Int, Double)] = []
    func complete(_ member: Int, _ weight: Double) {
      let q = service[member]
      list.append((encode(phase: 0, ages: ages, reset: member), weight * q * busyAfterCompletion))
      list.append(
        (encode(phase: 1, ages: ages, reset: member), weight * q * (1 - busyAfterCompletion)))
      list.append((encode(phase: 2 + member, ages: ages, reset: -1), weight * (1 - q)))
    }
    guard phase < 2 else {
      complete(phase - 2, 1)
      return list.filter { $0.1 > 0 }
    }
    let ordering = assumptions.slotOrdering
    for outcome in ordering.idleSlot(startsFree: phase == 1, flip: flip, sampling: mu) {
      if let free = outcome.nextFree {
        list.append((encode(phase: free ? 1 : 0, ages: ages, reset: -1), outcome.probability))
        continue
      }
      for (member, share) in assumptions.maxAgeTies.choices(0..<n, age: { ages[$0] }) {
        if ordering.assignmentSlotServes {
          complete(member, outcome.probability * share)
        } else {
          list.append(
            (encode(phase: 2 + member, ages: ages, reset: -1), outcome.probability * share))
        }
      }
    }
    return list.filter { $0.1 > 0 }
  }

  /// The chain over the states reachable from (F, 1, 2, ..., n), numbered in BFS order,
  /// with the code of each state.
  func reachableChain() -> (CSRMatrix, [Int]) {
    var number = [Int32](repeating: -1, count: (n + 2) * agePower)
    let start =
      1 * agePower
      + (0..<n).reduce(0) { code, member in
        var scale = 1
        for _ in 0..<member { scale *= cap }
        return code + min(member, cap - 1) * scale
      }
    var codes = [start]
    number[start] = 0
    var entries: [(Int, Int, Double)] = []
    var head = 0
    while head < codes.count {
      for (next, probability) in successors(codes[head]) {
        if number[next] < 0 {
          number[next] = Int32(codes.count)
          codes.append(next)
        }
        entries.append((head, Int(number[next]), probability))
      }
      head += 1
    }
    var builder = COOBuilder(
      rowCount: codes.count, columnCount: codes.count, reservingCapacity: entries.count)
    for (row, column, value) in entries { builder.append(row: row, column: column, value: value) }
    return (builder.build(), codes)
  }
}
