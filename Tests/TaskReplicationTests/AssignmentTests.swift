import Foundation
import MarkovSolvers
import TestSupport
import Testing

@testable import TaskReplication

@Suite("Better assignments: outer-in, LPT and the Jensen bound (§4)")
struct AssignmentTests {
  /// Outer-in is the best of all assignments with at most two copies per task, found here
  /// by trying every one of them.
  @Test(arguments: 1...30)
  func outerInIsOptimalAmongAssignmentsWithAtMostTwoCopies(seed: Int) throws {
    var generator = SeededGenerator(seed: UInt64(100 + seed))
    let m = generator.integer(1...4)
    let copies = generator.integer(m...min(2 * m, 8))
    let probabilities = (0..<copies).map { _ in generator.uniform(0...1) }
    let best =
      allAssignments(probabilities, taskCount: m, maximumCopies: 2)
      .map(directJointFailure).min() ?? .nan
    let tool = try AssignmentRule.outerIn.jointFailure(
      faultProbabilities: probabilities, taskCount: m
    ).probability
    #expect(isClose(tool, best, absolute: 1e-15, relative: 1e-12), "\(probabilities)")
  }

  /// No assignment of the same devices, with any copy counts, goes below the Jensen bound;
  /// every rule is checked too.
  @Test(arguments: 1...30)
  func jensenBoundIsNeverExceeded(seed: Int) throws {
    var generator = SeededGenerator(seed: UInt64(200 + seed))
    let m = generator.integer(1...3)
    let copies = generator.integer(m...7)
    let probabilities = randomProbabilities(count: copies, using: &generator)
    let bound = try JointFailure.lowerBound(faultProbabilities: probabilities, taskCount: m)
      .probability
    let slack = 1e-12 * bound
    for assignment in allAssignments(probabilities, taskCount: m) {
      #expect(bound <= directJointFailure(assignment) + slack, "\(assignment)")
    }
    for rule in AssignmentRule.allCases where rule.admits(copyCount: copies, taskCount: m) {
      let pjf = try rule.jointFailure(faultProbabilities: probabilities, taskCount: m)
      #expect(bound <= pjf.probability + slack, "\(rule) \(probabilities)")
    }
  }

  /// The bound is attained when every task has the same load: `a` copies of one `p` each,
  /// `1 - (1 - p^a)^m` (hand formula).
  @Test func jensenBoundIsAttainedByEqualLoads() throws {
    let (p, m, a) = (0.2, 6, 3)
    let devices = [Double](repeating: p, count: a * m)
    let bound = try JointFailure.lowerBound(faultProbabilities: devices, taskCount: m)
    #expect(isClose(bound.probability, 1 - pow(1 - pow(p, Double(a)), Double(m)), relative: 1e-13))
  }

  /// LPT against a naive transcription of §4 (linear search for the lightest task).
  @Test(arguments: 1...20)
  func longestProcessingTimeFollowsTheGreedyRule(seed: Int) throws {
    var generator = SeededGenerator(seed: UInt64(300 + seed))
    let m = generator.integer(1...12)
    let copies = generator.integer(m...5 * m)
    let probabilities = (0..<copies).map { _ in generator.uniform(0.001...0.9) }
    var tasks = [[Double]](repeating: [], count: m)
    var loads = [Double](repeating: 0, count: m)
    for (index, p) in probabilities.sorted().enumerated() {
      let task = index < m ? index : loads.indices.min { loads[$0] < loads[$1] } ?? 0
      tasks[task].append(p)
      loads[task] -= log(p)
    }
    let tool = try AssignmentRule.longestProcessingTime.jointFailure(
      faultProbabilities: probabilities, taskCount: m
    ).probability
    #expect(isClose(tool, directJointFailure(tasks), relative: 1e-12))
  }

  /// Outer-in by hand on four devices and m = 3 (M - m = 1 pair): the 2m - M = 2 most
  /// reliable run alone and the two least reliable form the pair,
  /// `1 - (1 - 0.9 * 0.5) (1 - 0.1) (1 - 0.01)`.
  @Test func outerInHandExample() throws {
    let tool = try AssignmentRule.outerIn.jointFailure(
      faultProbabilities: [0.1, 0.9, 0.01, 0.5], taskCount: 3)
    #expect(isClose(tool.probability, 1 - (1 - 0.45) * 0.9 * 0.99, relative: 1e-14))
  }

  /// Example 2's devices at r = 2: outer-in lowers PJF by about an order of magnitude
  /// against the paper's rule (§4), and the paper reports about 26 % for the latter (§6).
  @Test func exampleTwoOuterInBeatsThePapersRule() throws {
    let classes = try [
      DeviceClass(count: 700, distribution: FaultDistribution(mean: 0.04)),
      DeviceClass(count: 6800, distribution: FaultDistribution(mean: 0.001)),
      DeviceClass(count: 1600, distribution: FaultDistribution(mean: 0.00005)),
      DeviceClass(
        count: 900, distribution: FaultDistribution(mean: 0.30, standardDeviation: 0.134)),
    ]
    for seed in UInt64(1)...3 {
      let problem = try ReplicationProblem(
        pool: try DevicePool(classes: classes, seed: seed), taskCount: 5000)
      let paper = try problem.jointFailure(copyCount: 10_000).probability
      let outerIn = try problem.jointFailure(copyCount: 10_000, rule: .outerIn).probability
      #expect(abs(paper - 0.264) < 0.02, "seed \(seed): \(paper)")
      #expect(paper / outerIn > 5, "seed \(seed)")
    }
  }

  /// Outer-in refuses more than two copies per task.
  @Test func outerInRejectsMoreThanTwoCopies() {
    #expect(throws: ParameterError.self) {
      try AssignmentRule.outerIn.jointFailure(faultProbabilities: [0.1, 0.2, 0.3], taskCount: 1)
    }
  }
}
