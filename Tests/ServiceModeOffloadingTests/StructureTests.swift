import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Service-mode structure: thresholds, baselines, counterexamples (§S5, §S6)")
struct StructureTests {
  @Test func nonIdlingHasAllThresholdsOne() throws {
    let space = try ServiceModeStateSpace(bufferLimit: 8, cloudBufferLimit: 6)
    let policy = ServiceModePolicy.nonIdling(space)
    let thresholds = policy.thresholds
    #expect(thresholds.cloudBusy == [Int?](repeating: 1, count: 7))
    #expect(thresholds.cloudIdle == [nil] + [Int?](repeating: 1, count: 6))
    // By S6: on S_CF, SM1 then SM2 whenever xl = 0 and xb >= 2.
    #expect(policy[ServiceModeState(baseQueue: 1, localBusy: 0, cloudSM1: 0, cloudSM2: 0)] == .sm1)
    #expect(
      policy[ServiceModeState(baseQueue: 2, localBusy: 0, cloudSM1: 0, cloudSM2: 0)] == .sm1ThenSM2)
    #expect(policy[ServiceModeState(baseQueue: 2, localBusy: 1, cloudSM1: 0, cloudSM2: 0)] == .sm1)
    #expect(policy[ServiceModeState(baseQueue: 1, localBusy: 0, cloudSM1: 0, cloudSM2: 3)] == .sm2)
    let structure = StructureReport(
      policy: policy, rowValues: [Double](repeating: 0, count: space.stateCount), window: 6)
    #expect(structure.cloudFirst && structure.switchType.grid.holds && structure.closure.holds)
    #expect(structure.urgencyMonotone.grid.holds)
  }

  @Test func offloadOnlyUsesSM1OutsideTheCloudFirstSet() throws {
    let space = try ServiceModeStateSpace(bufferLimit: 5, cloudBufferLimit: 5)
    let structure = StructureReport(
      policy: .offloadOnly(space), rowValues: [Double](repeating: 0, count: space.stateCount),
      window: 2)
    #expect(structure.sm1OnCloudFirstSet.grid.holds)
    #expect(!structure.noSM1OutsideCloudFirstSet.grid.holds)
    // First violation in index order: xb = 1, x2 = 1, xl = 0, x1 = 0 (index 4·6 + 4 = 28).
    #expect(
      structure.noSM1OutsideCloudFirstSet.grid.firstViolations.first?.state
        == ServiceModeState(baseQueue: 1, localBusy: 0, cloudSM1: 0, cloudSM2: 1))
    // Hand count: SM1 admissible outside S_CF where xb >= 1, x1 = 0, x2 >= 1:
    // 5 (xb) * 2 (xl) * 5 (x2) = 50 states.
    #expect(structure.noSM1OutsideCloudFirstSet.grid.violationCount == 50)
    #expect(structure.thresholds.cloudBusy.allSatisfy { $0 == nil })
  }

  @Test func switchTypeCounterexampleIsReported() throws {
    // T1 = (3, 3, 3, ...), T0 = (-, 2, 4, 4, ...): T0 rises from n = 1 to n = 2, so SM2 at
    // (2,0,0,1) but not at (2,0,0,2): switch-type and monotone thresholds both fail there.
    let space = try ServiceModeStateSpace(bufferLimit: 6, cloudBufferLimit: 6)
    let thresholds = try ServiceModeThresholds(
      extending: [3], cloudIdle: [2, 4], cloudBufferLimit: 6)
    let structure = StructureReport(
      policy: .thresholdPolicy(thresholds, in: space),
      rowValues: [Double](repeating: 0, count: space.stateCount), window: 3)
    let violation = try #require(structure.switchType.window.firstViolations.first)
    #expect(
      violation.state == ServiceModeState(baseQueue: 2, localBusy: 0, cloudSM1: 0, cloudSM2: 1))
    #expect(violation.description == "act(2,0,0,1) = SM2 but act(2,0,0,2) = idle")
    #expect(!structure.thresholdsNonIncreasing.holds)
    #expect(structure.cloudFirst && structure.cloudFirstSetFollowsThreshold.holds)
  }

  @Test func thresholdRoundTripOnRandomSequences() throws {
    var generator = SeededGenerator(seed: 2024)
    let space = try ServiceModeStateSpace(bufferLimit: 9, cloudBufferLimit: 7)
    for _ in 0..<50 {
      // Any sequences of thresholds in 1...B or none (monotone or not) round-trip.
      func draw() -> Int? {
        Int.random(in: 0...9, using: &generator) == 0
          ? nil : Int.random(in: 1...9, using: &generator)
      }
      let thresholds = ServiceModeThresholds(
        cloudBusy: (0...7).map { _ in draw() }, cloudIdle: [nil] + (1...7).map { _ in draw() })
      let policy = ServiceModePolicy.thresholdPolicy(thresholds, in: space)
      #expect(policy.thresholds == thresholds)
    }
  }

  @Test(arguments: PaperConfiguration.allCases)
  func optimalPolicyIsRebuiltFromItsThresholdsOnTheWindow(configuration: PaperConfiguration) throws
  {
    let model = try ServiceModeModel(parameters: configuration.parameters, bufferLimit: 16)
    let analysis = try ServiceModeAnalysis(model: model, solver: .default)
    let optimal = analysis.solution.policy
    let rebuilt = ServiceModePolicy.thresholdPolicy(optimal.thresholds, in: model.stateSpace)
    let window = analysis.structure.window
    #expect(window == 8)
    for index in 0..<model.stateSpace.stateCount {
      let x = model.stateSpace.state(at: index)
      guard x.baseQueue <= window && x.cloudSM2 <= window else { continue }
      #expect(rebuilt[x] == optimal[x], "state \(x)")
    }
    // docs/service-modes.md §S5 predictions on the window (paper Theorem III-B and Lemma III-E).
    let s = analysis.structure
    #expect(s.cloudFirst)
    #expect(s.switchType.window.holds && s.urgencyMonotone.window.holds)
    #expect(s.thresholdsNonIncreasing.holds && s.cloudFirstSetFollowsThreshold.holds)
    #expect(s.closure.holds)
    #expect(try #require(s.minimumDecisionGap).gap > 100 * analysis.solution.tieTolerance)
  }
}
