import LinearKernels
import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Service-mode state space and compiled model")
struct ModelTests {
  @Test func indexFormulaAndRoundTrip() throws {
    let space = try ServiceModeStateSpace(bufferLimit: 3, cloudBufferLimit: 2)
    #expect(space.stateCount == 4 * 4 * 3)
    // By hand: index = 4 (B2 + 1) xb + 4 x2 + 2 xl + x1 = 12 * 2 + 4 * 1 + 2 + 1 = 31.
    #expect(
      space.index(of: ServiceModeState(baseQueue: 2, localBusy: 1, cloudSM1: 1, cloudSM2: 1)) == 31)
    var seen = Set<Int>()
    for base in 0...3 {
      for local in 0...1 {
        for sm1 in 0...1 {
          for queue in 0...2 {
            let x = ServiceModeState(
              baseQueue: base, localBusy: local, cloudSM1: sm1, cloudSM2: queue)
            let index = space.index(of: x)
            #expect(space.state(at: index) == x)
            seen.insert(index)
          }
        }
      }
    }
    #expect(seen == Set(0..<space.stateCount))
  }

  /// The transition row of a post-decision state, written from the event table of S2.2.
  private func expectedRow(
    _ y: ServiceModeState, _ p: ServiceModeParameters, nu: Double, b: Int, b2: Int
  ) -> [ServiceModeState: Double] {
    var row: [ServiceModeState: Double] = [:]
    var moved = 0.0
    func add(_ target: ServiceModeState, _ rate: Double) {
      row[target, default: 0] += rate / nu
      moved += rate
    }
    if y.baseQueue < b {
      add(
        ServiceModeState(
          baseQueue: y.baseQueue + 1, localBusy: y.localBusy, cloudSM1: y.cloudSM1,
          cloudSM2: y.cloudSM2), p.arrivalRate)
    }
    if y.cloudSM1 == 1 && y.cloudSM2 == 0 {
      add(
        ServiceModeState(baseQueue: y.baseQueue, localBusy: y.localBusy, cloudSM1: 0, cloudSM2: 0),
        p.sm1CloudRate)
    }
    if y.cloudSM2 >= 1 {
      add(
        ServiceModeState(
          baseQueue: y.baseQueue, localBusy: y.localBusy, cloudSM1: y.cloudSM1,
          cloudSM2: y.cloudSM2 - 1), p.sm2CloudRate)
    }
    if y.localBusy == 1 && y.cloudSM2 < b2 {
      add(
        ServiceModeState(
          baseQueue: y.baseQueue, localBusy: 0, cloudSM1: y.cloudSM1, cloudSM2: y.cloudSM2 + 1),
        p.sm2LocalRate)
    }
    row[y, default: 0] += 1 - moved / nu
    return row.filter { $0.value > 0 }
  }

  @Test(arguments: UniformizationConvention.allCases)
  func everyRowMatchesTheEventTable(convention: UniformizationConvention) throws {
    let p = PaperConfiguration.b.parameters
    let model = try ServiceModeModel(
      parameters: p, bufferLimit: 4, cloudBufferLimit: 3, uniformization: convention)
    let nu =
      convention == .sum
      ? p.arrivalRate + p.sm1CloudRate + p.sm2LocalRate + p.sm2CloudRate
      : p.arrivalRate + p.sm2LocalRate + max(p.sm1CloudRate, p.sm2CloudRate)
    let space = model.stateSpace
    let transitions = model.process.transitions
    for index in 0..<space.stateCount {
      let y = space.state(at: index)
      let expected = expectedRow(y, p, nu: nu, b: 4, b2: 3)
      let actual = Dictionary(
        uniqueKeysWithValues: transitions.row(index).map { (space.state(at: $0.column), $0.value) })
      #expect(Set(actual.keys) == Set(expected.keys), "row \(y)")
      for (state, probability) in expected {
        #expect(isClose(actual[state] ?? -1, probability, absolute: 1e-15), "row \(y) to \(state)")
      }
      #expect(model.process.costs[index] == Double(y.jobCount))
    }
  }

  @Test func candidatesFollowTheAdmissibleAssignments() throws {
    let model = try ServiceModeModel(parameters: PaperConfiguration.a.parameters, bufferLimit: 3)
    let space = model.stateSpace
    for index in 0..<space.stateCount {
      let x = space.state(at: index)
      // S3.3: idle always; SM1 if xb >= 1, x1 = 0; SM2 if xb >= 1, xl = 0; both if xb >= 2.
      var expected = [x]
      if x.baseQueue >= 1 && x.cloudSM1 == 0 {
        expected.append(
          ServiceModeState(
            baseQueue: x.baseQueue - 1, localBusy: x.localBusy, cloudSM1: 1, cloudSM2: x.cloudSM2))
      }
      if x.baseQueue >= 1 && x.localBusy == 0 {
        expected.append(
          ServiceModeState(
            baseQueue: x.baseQueue - 1, localBusy: 1, cloudSM1: x.cloudSM1, cloudSM2: x.cloudSM2))
      }
      if x.baseQueue >= 2 && x.cloudSM1 == 0 && x.localBusy == 0 {
        expected.append(
          ServiceModeState(
            baseQueue: x.baseQueue - 2, localBusy: 1, cloudSM1: 1, cloudSM2: x.cloudSM2))
      }
      let actual = (0..<model.process.actionCount(of: index)).map {
        space.state(at: model.process.row(state: index, action: $0))
      }
      #expect(actual == expected, "candidates of \(x)")
    }
  }
}
