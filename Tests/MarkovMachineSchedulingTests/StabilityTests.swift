import MarkovMachineScheduling
import TestSupport
import Testing

@Suite("Reconstructed stability conditions (A9)")
struct StabilityTests {

  static func report(_ parameters: MachineParameters, _ weighting: AgeWeighting) -> StabilityReport
  {
    let optimizer = SubsetOptimizer(weighting: weighting, starts: 3)
    return StabilityReport(
      parameters, randomized: optimizer.table(parameters, rule: .randomized),
      maxAge: optimizer.table(parameters, rule: .maxAge))
  }

  static func condition(_ report: StabilityReport, _ label: String) throws -> StabilityCondition {
    try #require(report.conditions.first { $0.label == label })
  }

  /// χ(q, s) by hand: case 1 min{0.35, 0.455, 0.7, 0.56} = 0.35; case 2 = 0.5.
  @Test func chiHandValues() throws {
    let table = try PolicyTable.constant(
      (try PaperCases.case1), rule: .randomized, samplingProbability: 1)
    let maxAge = try PolicyTable.constant(
      (try PaperCases.case1), rule: .maxAge, samplingProbability: 1)
    #expect(
      isClose(
        StabilityReport((try PaperCases.case1), randomized: table, maxAge: maxAge)
          .freeProbabilityLowerBound,
        0.35))
    let table2 = try PolicyTable.constant(
      (try PaperCases.case2), rule: .randomized, samplingProbability: 1)
    let maxAge2 = try PolicyTable.constant(
      (try PaperCases.case2), rule: .maxAge, samplingProbability: 1)
    #expect(
      isClose(
        StabilityReport((try PaperCases.case2), randomized: table2, maxAge: maxAge2)
          .freeProbabilityLowerBound,
        0.5))
  }

  /// Constant tables (μ = 1, uniform π) on case 2, by hand:
  /// R2 bound 1/(4 s/q + Σ 1/q_j) = 1/(4 + 6.480496) = 0.095415, margin − 0.06;
  /// R1' bound (1/4)/(s/q + 1/0.4) = 1/14, margin − 0.06;
  /// R1-chi bound (1/4)/(1/0.5 + 2.5) = 1/18, margin − 0.06 < 0.
  @Test func singleConditionsHandValues() throws {
    let randomized = try PolicyTable.constant(
      (try PaperCases.case2), rule: .randomized, samplingProbability: 1)
    let maxAge = try PolicyTable.constant(
      (try PaperCases.case2), rule: .maxAge, samplingProbability: 1)
    let report = StabilityReport((try PaperCases.case2), randomized: randomized, maxAge: maxAge)
    let serviceSum = 1 / 0.4 + 1 / 0.6 + 1 / 0.8 + 1 / 0.94
    #expect(isClose(try Self.condition(report, "R2").margin, 1 / (4 + serviceSum) - 0.06))
    #expect(isClose(try Self.condition(report, "R1'").margin, 1.0 / 14 - 0.06))
    #expect(isClose(try Self.condition(report, "R1-chi").margin, 1.0 / 18 - 0.06))
    #expect(try !Self.condition(report, "R1-chi").holds)
    // The load is a hand value: Σ p_i (1 + 1/q_i).
    let load = 0.04 * 3.5 + 0.05 * (1 + 1 / 0.6) + 0.06 * 2.25 + 0.06 * (1 + 1 / 0.94)
    #expect(isClose(report.loadAtFullSampling, load))
  }

  /// With the 1/N tables every reconstructed sufficient condition fails in both cases, as
  /// the paper reports for its conditions (docs/markov-machine.md §A11.1, §A13.10).
  @Test(arguments: [1, 2])
  func everySufficientConditionFailsWithPerUserWeights(_ number: Int) throws {
    let report = Self.report(
      number == 1 ? (try PaperCases.case1) : (try PaperCases.case2), .perUser)
    let sufficient = report.conditions.filter { $0.kind == .sufficient }
    #expect(sufficient.count == 6)
    #expect(sufficient.allSatisfy { !$0.holds })
  }

  /// With the plain-sum tables the beta1-based families R1 and R2 hold in case 2 while the
  /// chi-based conditions fail (docs/markov-machine.md §A13.10).
  @Test func plainSumTablesMakeTheFamiliesHoldInCaseTwo() throws {
    let report = Self.report((try PaperCases.case2), .sum)
    #expect(try Self.condition(report, "R1").holds)
    #expect(try Self.condition(report, "R2").holds)
    #expect(try !Self.condition(report, "R1-chi").holds)
    #expect(try !Self.condition(report, "R2-chi").holds)
  }
}
