// Test-only helpers shared by every test target: tolerant comparison, seeded random
// generators and random model instances. Nothing here computes an expected value; expected
// values come from hand calculations, papers or independent methods in the tests themselves.

import LinearKernels
import MarkovSolvers

/// `|a - b| <= absolute + relative * max(|a|, |b|)`.
public func isClose(_ a: Double, _ b: Double, absolute: Double = 0, relative: Double = 1e-12)
  -> Bool
{
  abs(a - b) <= absolute + relative * max(abs(a), abs(b))
}

/// Largest absolute entrywise difference of two equally long vectors.
public func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
  return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Round-off allowance for comparing vectors of size `max|v|`: `relative · max(1, max|v|)`.
public func roundOff(_ values: [Double], relative: Double = 1e-12) -> Double {
  relative * max(1, values.map(abs).max() ?? 0)
}

/// The seeded generator of random test instances: SplitMix64, so that they are the same
/// on every machine and every run.
public typealias SeededGenerator = SplitMix64

extension SeededGenerator {
  /// A uniformly distributed value in `range`.
  public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
    Double.random(in: range, using: &self)
  }

  /// A uniformly distributed integer in `range`.
  public mutating func integer(_ range: ClosedRange<Int>) -> Int {
    Int.random(in: range, using: &self)
  }
}

/// A random distribution on `successors` distinct states of `0..<stateCount` (always
/// including `required` when given), with weights in [0.05, 1] normalised to sum 1.
public func randomTransitions(
  stateCount: Int, successors: Int, including required: Int? = nil,
  using rng: inout SeededGenerator
) -> [(state: Int, probability: Double)] {
  var states = Array((0..<stateCount).shuffled(using: &rng).prefix(successors))
  if let required, !states.contains(required) { states[0] = required }
  let weights = states.map { _ in rng.uniform(0.05...1) }
  let total = weights.reduce(0, +)
  return zip(states.sorted(), weights).map { ($0, $1 / total) }
}

/// A random discounted MDP in choice form: every state has 1...maxActions actions, each
/// with a cost in [0, 10] and 1...maxSuccessors random successors (plus `commonSuccessor`
/// in every row when given, which makes every policy's chain unichain).
public func randomChoiceProcess(
  stateCount: Int, maxActions: Int, maxSuccessors: Int, commonSuccessor: Int? = nil,
  seed: UInt64
) throws -> DecisionProcess {
  var rng = SeededGenerator(seed: seed)
  let lists: [[Choice]] = (0..<stateCount).map { _ in
    (0..<rng.integer(1...maxActions)).map { _ in
      Choice(
        cost: rng.uniform(0...10),
        transitions: randomTransitions(
          stateCount: stateCount, successors: rng.integer(1...min(maxSuccessors, stateCount)),
          including: commonSuccessor, using: &rng))
    }
  }
  return try DecisionProcess(stateCount: stateCount) { lists[$0] }
}

/// A random discounted MDP in post-decision form: stateCount...2·stateCount rows, each a
/// random distribution with a cost in [0, 10]; every state selects 1...maxCandidates
/// distinct random rows (overlapping between states).
public func randomPostDecisionProcess(
  stateCount: Int, maxCandidates: Int, maxSuccessors: Int, seed: UInt64
) throws -> DecisionProcess {
  var rng = SeededGenerator(seed: seed)
  let rowCount = rng.integer(stateCount...(2 * stateCount))
  var builder = COOBuilder(rowCount: rowCount, columnCount: stateCount)
  for row in 0..<rowCount {
    let successors = rng.integer(1...min(maxSuccessors, stateCount))
    for (state, probability) in randomTransitions(
      stateCount: stateCount, successors: successors, using: &rng)
    {
      builder.append(row: row, column: state, value: probability)
    }
  }
  let costs = (0..<rowCount).map { _ in rng.uniform(0...10) }
  let candidates = (0..<stateCount).map { _ in
    Array((0..<rowCount).shuffled(using: &rng).prefix(rng.integer(1...maxCandidates))).sorted()
  }
  return try DecisionProcess(
    postDecisionTransitions: builder.build(), costs: costs, candidates: candidates)
}

/// A random continuous-time MDP in choice form: 1...maxActions actions per state, each
/// with a cost rate in [0, 10] and rates in [0.1, 5] to 1...maxSuccessors other states.
public func randomChoiceCTMDP(stateCount: Int, maxActions: Int, maxSuccessors: Int, seed: UInt64)
  throws -> ContinuousTimeMDP
{
  var rng = SeededGenerator(seed: seed)
  var rows: [[(state: Int, rate: Double)]] = []
  var groupStart = [0]
  for state in 0..<stateCount {
    for _ in 0..<rng.integer(1...maxActions) {
      let others = (0..<stateCount).filter { $0 != state }.shuffled(using: &rng)
      let count = rng.integer(1...min(maxSuccessors, others.count))
      rows.append(others.prefix(count).map { ($0, rng.uniform(0.1...5)) })
    }
    groupStart.append(rows.count)
  }
  var builder = COOBuilder(rowCount: rows.count, columnCount: stateCount)
  for (row, entries) in rows.enumerated() {
    for entry in entries { builder.append(row: row, column: entry.state, value: entry.rate) }
  }
  return try ContinuousTimeMDP(
    choices: ChoiceMatrix(transitions: builder.build(), groupStart: groupStart),
    costRates: rows.map { _ in rng.uniform(0...10) })
}

/// A random continuous-time MDP in post-decision form with instantaneous assignments: row
/// y is the post-decision state y (home y, rates in [0.1, 5] to other states), and state x
/// may move to any state reachable through random "move" edges, itself included. The
/// candidate sets are transitive (y ∈ R(x) implies R(y) ⊆ R(x)), as in queueing control.
public func randomPostDecisionCTMDP(stateCount: Int, maxSuccessors: Int, seed: UInt64) throws
  -> ContinuousTimeMDP
{
  var rng = SeededGenerator(seed: seed)
  var builder = COOBuilder(rowCount: stateCount, columnCount: stateCount)
  for row in 0..<stateCount {
    let others = (0..<stateCount).filter { $0 != row }.shuffled(using: &rng)
    for state in others.prefix(rng.integer(1...min(maxSuccessors, others.count))) {
      builder.append(row: row, column: state, value: rng.uniform(0.1...5))
    }
  }
  let moves = (0..<stateCount).map { _ in
    (0..<stateCount).filter { _ in rng.uniform(0...1) < 0.2 }
  }
  let candidates = (0..<stateCount).map { start in
    var reached = Set([start])
    var stack = [start]
    while let state = stack.popLast() {
      for next in moves[state] where reached.insert(next).inserted { stack.append(next) }
    }
    return reached.sorted()
  }
  return try ContinuousTimeMDP(
    postDecisionRates: builder.build(),
    costRates: (0..<stateCount).map { _ in rng.uniform(0...10) },
    homeState: Array(0..<stateCount), candidates: candidates)
}

/// A random irreducible stochastic matrix as dense rows: row i reaches (i + 1) mod n and
/// up to `extraSuccessors` further random states.
public func randomIrreducibleRows(stateCount: Int, extraSuccessors: Int, seed: UInt64)
  -> [[Double]]
{
  var rng = SeededGenerator(seed: seed)
  return (0..<stateCount).map { state in
    var row = [Double](repeating: 0, count: stateCount)
    let successors = min(stateCount, 1 + rng.integer(0...extraSuccessors))
    for (next, probability) in randomTransitions(
      stateCount: stateCount, successors: successors, including: (state + 1) % stateCount,
      using: &rng)
    {
      row[next] = probability
    }
    return row
  }
}
