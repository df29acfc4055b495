import Foundation
import GenerativeMarkov
import MarkovSolvers
import TestSupport
import Testing

/// A two-variable model worked by hand: A is a two-state chain (off → on w.p. 0.2, on → off
/// w.p. 0.5); B reads A at lag 0 and is on w.p. 0.9 if A is on, else 0.3.
/// Stationary: P(A on) = 0.2/0.7 = 2/7, P(B on) = 2/7 · 0.9 + 5/7 · 0.3 = 3.3/7.
private struct LampState: Hashable, Sendable {
  var a = 0
  var b = 0
}

private func lampModel(declareBFirst: Bool = false) throws -> FactoredModel<LampState> {
  let a = VariableFactor<LampState>(
    name: "A", parents: [ParentLink("A", lag: .previous)], elementCount: 1
  ) { _, previous, next, source in
    next.a = source.bernoulli(previous.a == 0 ? 0.2 : 0.5) ? 1 - previous.a : previous.a
  }
  let b = VariableFactor<LampState>(
    name: "B", parents: [ParentLink("A", lag: .current)], elementCount: 1
  ) { _, _, next, source in
    next.b = source.bernoulli(next.a == 1 ? 0.9 : 0.3) ? 1 : 0
  }
  return try FactoredModel(factors: declareBFirst ? [b, a] : [a, b])
}

@Suite struct FactoredModelTests {
  @Test func topologicalOrderPutsLagZeroParentsFirst() throws {
    #expect(try lampModel().order == [0, 1])
    // Declared in the other order, B still runs after its lag-0 parent A.
    #expect(try lampModel(declareBFirst: true).order == [1, 0])
  }

  @Test func lagZeroCycleIsAnErrorNamingIt() {
    let x = VariableFactor<LampState>(
      name: "X", parents: [ParentLink("Y", lag: .current)], elementCount: 1
    ) { _, _, _, _ in }
    let y = VariableFactor<LampState>(
      name: "Y", parents: [ParentLink("X", lag: .current)], elementCount: 1
    ) { _, _, _, _ in }
    #expect(throws: FactoredModelError.cycle(["Y", "X", "Y"])) {
      try FactoredModel(factors: [x, y])
    }
    let selfLoop = VariableFactor<LampState>(
      name: "Z", parents: [ParentLink("Z", lag: .current)], elementCount: 1
    ) { _, _, _, _ in }
    #expect(throws: FactoredModelError.cycle(["Z", "Z"])) {
      try FactoredModel(factors: [selfLoop])
    }
    let unknown = VariableFactor<LampState>(
      name: "U", parents: [ParentLink("V", lag: .previous)], elementCount: 1
    ) { _, _, _, _ in }
    #expect(throws: FactoredModelError.unknownParent(variable: "U", parent: "V")) {
      try FactoredModel(factors: [unknown])
    }
    #expect(throws: FactoredModelError.duplicateVariable("X")) {
      try FactoredModel(factors: [x, x])
    }
  }

  @Test func successorDistributionMatchesHandValues() throws {
    let model = try lampModel()
    let rows = model.transitionDistribution(from: LampState())
    let table = Dictionary(uniqueKeysWithValues: rows.map { ($0.state, $0.probability) })
    // A' = 1 w.p. 0.2; B' = 1 w.p. 0.9 (A' = 1) or 0.3 (A' = 0).
    #expect(isClose(table[LampState(a: 1, b: 1)] ?? -1, 0.18, absolute: 1e-15))
    #expect(isClose(table[LampState(a: 1, b: 0)] ?? -1, 0.02, absolute: 1e-15))
    #expect(isClose(table[LampState(a: 0, b: 1)] ?? -1, 0.24, absolute: 1e-15))
    #expect(isClose(table[LampState(a: 0, b: 0)] ?? -1, 0.56, absolute: 1e-15))
  }

  @Test func enumeratedChainHasTheHandWorkedStationaryLaw() throws {
    let model = try lampModel()
    let enumerated = try StateEnumeration.chain(from: LampState(), log10StateBound: log10(4)) {
      model.transitionDistribution(from: $0)
    }
    #expect(enumerated.states.count == 4)
    #expect(enumerated.transitionCount == 16)
    let pi = try enumerated.chain.stationaryDistribution()
    let aOn = zip(enumerated.states, pi.probabilities).filter { $0.0.a == 1 }.map(\.1)
      .reduce(0, +)
    let bOn = zip(enumerated.states, pi.probabilities).filter { $0.0.b == 1 }.map(\.1)
      .reduce(0, +)
    #expect(isClose(aOn, 2.0 / 7, absolute: 1e-13))
    #expect(isClose(bOn, 3.3 / 7, absolute: 1e-13))
  }

  @Test func enumerationRefusesBeforeAllocatingWhenTheBoundIsTooLarge() {
    var calls = 0
    #expect(
      throws: EnumerationError.stateBoundTooLarge(log10Bound: 13.5, log10Limit: 12)
    ) {
      try StateEnumeration.chain(from: LampState(), log10StateBound: 13.5) { state in
        calls += 1
        return [(state, 1)]
      }
    }
    #expect(calls == 0)
    let message = EnumerationError.stateBoundTooLarge(log10Bound: 13.5, log10Limit: 12)
      .description
    #expect(message.contains("10^13.5") && message.contains("10^12"))
  }

  @Test func enumerationStopsAtTheStateCap() throws {
    // A counter that never repeats: the cap must stop it.
    #expect(throws: EnumerationError.tooManyStates(cap: 50)) {
      try StateEnumeration.chain(
        from: 0, log10StateBound: 1, limits: EnumerationLimits(maximumStates: 50)
      ) { [($0 + 1, 1.0)] }
    }
  }

  @Test func samplingIsReproducibleAndCounterBased() throws {
    let model = try lampModel()
    let streams = RandomStreams(seed: 42)
    var first = LampState()
    var second = LampState()
    var trajectory: [LampState] = []
    for time in 0..<200 {
      first = model.sampleStep(from: first, streams: streams, time: UInt64(time))
      trajectory.append(first)
    }
    // Restarting at step 100 from the recorded state reproduces the rest exactly.
    second = trajectory[99]
    for time in 100..<200 {
      second = model.sampleStep(from: second, streams: streams, time: UInt64(time))
      #expect(second == trajectory[time])
    }
    // Another seed gives another path.
    var other = LampState()
    var differs = false
    for time in 0..<200 {
      other = model.sampleStep(from: other, streams: RandomStreams(seed: 43), time: UInt64(time))
      differs = differs || other != trajectory[time]
    }
    #expect(differs)
  }

  /// Every element factor's sampler draws from its own `distribution` (chi-square at
  /// false-alarm level 1e-3 per check, fixed seeds).
  @Test func elementSamplesFollowTheElementDistribution() throws {
    let model = try lampModel()
    for previous in [LampState(), LampState(a: 1, b: 0)] {
      for variable in model.order {
        let element = model.factors[variable].element(0)
        var partial = previous
        if variable == 1 { partial.a = 1 - previous.a }
        let law = element.distribution(previous: previous, next: partial)
        #expect(isClose(law.map(\.probability).reduce(0, +), 1, absolute: 1e-12))
        var counts = [Int](repeating: 0, count: law.count)
        let streams = RandomStreams(seed: 7)
        for draw in 0..<20_000 {
          let value = element.sample(
            previous: previous, next: partial,
            using: streams.generator(kind: 0, element: 0, counter: UInt64(draw)))
          guard let index = law.firstIndex(where: { $0.value == value }) else {
            Issue.record("sample \(value) outside the support")
            return
          }
          counts[index] += 1
        }
        let statistic = chiSquareStatistic(observed: counts, expected: law.map(\.probability))
        #expect(statistic < chiSquareCritical(degrees: law.count - 1, alpha: 1e-3))
      }
    }
  }

  @Test func outcomeEnumerationCoversEveryBranch() {
    let outcomes = OutcomeSource.enumerate { source -> Int in
      let first = source.uniformIndex(3)
      let second = source.categorical([0.5, 0, 0.5])
      return source.bernoulli(0.25) ? 10 * first + second : -1
    }
    // 3 × 2 × 2 leaves; the 6 "false" leaves merge into -1 with probability 0.75.
    #expect(outcomes.count == 7)
    #expect(isClose(outcomes.first { $0.value == -1 }?.probability ?? 0, 0.75, absolute: 1e-15))
    #expect(isClose(outcomes.first { $0.value == 22 }?.probability ?? 0, 1.0 / 24, absolute: 1e-15))
    #expect(isClose(outcomes.map(\.probability).reduce(0, +), 1, absolute: 1e-15))
  }
}
