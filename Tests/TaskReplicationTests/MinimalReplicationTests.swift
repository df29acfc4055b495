import Foundation
import TestSupport
import Testing

@testable import TaskReplication

@Suite("Minimal replication factor (§3)")
struct MinimalReplicationTests {
  /// Example 1 of the paper: p = 0.05 %, m = 10000, delta = 1 % gives r = 1.9985 (19985
  /// copies, 15 tasks without a replica); the floor at r = 2 is 0.250 %.
  @Test func exampleOne() throws {
    let (p, m, delta) = (0.0005, 10_000, 0.01)
    let problem = try ReplicationProblem(pool: try .homogeneous(faultProbability: p), taskCount: m)
    let minimal = try problem.minimalReplication(targetFailureProbability: delta)
    #expect(minimal.minimumCopies == 19_985)
    #expect(minimal.replicationFactor == 1.9985)
    #expect(2 * m - minimal.minimumCopies == 15)
    // The corrected formula of §5 slip 2: ceiling(9984.8956) = 9985.
    let inner = (log(1 - delta) - Double(m) * log(1 - p)) / log(1 + p)
    #expect(abs(inner - 9984.8956) < 5e-5)
    let floors = try problem.targetFloors()
    let atTwo = try #require(floors.atTwo).probability
    #expect(String(format: "%.3f%%", atTwo * 100) == "0.250%")
    // The floors of §3, in log form (1 - p^2 in double would lose 10 digits here).
    #expect(isClose(atTwo, -expm1(Double(m) * log1p(-p * p)), relative: 1e-13))
    let belowTwo = try #require(floors.belowTwo).probability
    let belowTwoLog = log1p(-p) + Double(m - 1) * log1p(-p * p)
    #expect(isClose(belowTwo, -expm1(belowTwoLog), relative: 1e-13))
  }

  /// Homogeneous PJF is strictly decreasing in M (each copy moves one task from a to
  /// a + 1 copies).
  @Test(arguments: [0.0005, 0.1, 0.5, 0.9])
  func homogeneousIsStrictlyDecreasingInCopies(p: Double) throws {
    for m in [1, 7, 100] {
      var previous = try JointFailure.homogeneous(faultProbability: p, taskCount: m, copyCount: m)
      for copies in (m + 1)...(4 * m) {
        let next = try JointFailure.homogeneous(
          faultProbability: p, taskCount: m, copyCount: copies)
        #expect(next.logSuccessProbability > previous.logSuccessProbability, "m \(m) M \(copies)")
        previous = next
      }
    }
  }

  /// The closed form equals the tool's full scan and a scan written here with the
  /// homogeneous formula of §2.
  @Test(arguments: [0.0005, 0.01, 0.1, 0.3, 0.7])
  func homogeneousClosedFormMatchesScans(p: Double) throws {
    for m in [1, 10, 1000] {
      for delta in [1e-6, 0.01, 0.2] {
        let problem = try ReplicationProblem(
          pool: try .homogeneous(faultProbability: p), taskCount: m)
        let closed = try problem.minimalReplication(targetFailureProbability: delta)
        let scanned = try problem.minimalReplication(targetFailureProbability: delta, search: .scan)
        #expect(closed.method == .closedForm)
        #expect(closed.minimumCopies == scanned.minimumCopies, "p \(p) m \(m) delta \(delta)")
        #expect(
          closed.minimumCopies == linearScan(p: p, m: m, delta: delta),
          "p \(p) m \(m) delta \(delta)")
      }
    }
  }

  /// Nested heterogeneous pools: bisection with the local scan agrees with the full scan
  /// under every rule, and the answer is minimal.
  @Test(arguments: 1...6)
  func bisectionAgreesWithFullScanOnNestedPools(seed: Int) throws {
    var generator = SeededGenerator(seed: UInt64(400 + seed))
    let classes = try (0..<3).map { _ in
      try DeviceClass(
        count: generator.integer(5...40),
        distribution: FaultDistribution(
          mean: generator.uniform(0...0.4), standardDeviation: generator.uniform(0...0.2)))
    }
    let stream = try FaultDistribution(mean: generator.uniform(0.1...0.5), standardDeviation: 0.1)
    let pool = try DevicePool(classes: classes, stream: stream, seed: UInt64(seed))
    let problem = try ReplicationProblem(pool: pool, taskCount: generator.integer(5...30))
    let delta = [0.2, 0.01, 1e-4][seed % 3]
    for rule in AssignmentRule.allCases {
      guard
        let scanned = try? problem.minimalReplication(
          targetFailureProbability: delta, rule: rule, search: .scan)
      else {
        #expect(rule == .outerIn, "only outer-in may run out of copies (M <= 2m)")
        continue
      }
      let automatic = try problem.minimalReplication(targetFailureProbability: delta, rule: rule)
      #expect(automatic.minimumCopies == scanned.minimumCopies, "\(rule)")
      #expect(scanned.jointFailure.probability <= delta)
      if let before = scanned.jointFailureWithOneCopyFewer {
        #expect(before.probability > delta, "\(rule)")
      }
    }
  }

  /// delta >= P_S needs no replica; p = 0 never fails; p = 1 and a small pool cannot meet
  /// the target.
  @Test func edgeCases() throws {
    let problem = try ReplicationProblem(
      pool: try .homogeneous(faultProbability: 0.01), taskCount: 10)
    let pS = 1 - pow(0.99, 10.0)
    #expect(try problem.minimalReplication(targetFailureProbability: pS + 1e-9).minimumCopies == 10)
    let zero = try ReplicationProblem(pool: try .homogeneous(faultProbability: 0), taskCount: 10)
    #expect(try zero.minimalReplication(targetFailureProbability: 1e-300).minimumCopies == 10)
    let one = try ReplicationProblem(pool: try .homogeneous(faultProbability: 1), taskCount: 10)
    #expect(throws: UnreachableTarget.self) {
      try one.minimalReplication(targetFailureProbability: 0.5)
    }
    let small = try ReplicationProblem(
      pool: try DevicePool(faultProbabilities: [Double](repeating: 0.5, count: 10)), taskCount: 5)
    #expect(throws: UnreachableTarget.self) {
      try small.minimalReplication(targetFailureProbability: 1e-6)
    }
  }

  /// The real root of the continuous relaxation sits in ((M* - 1)/m, M*/m].
  @Test func continuousReplicationFactorBracketsTheIntegerAnswer() throws {
    for (p, m, delta) in [(0.0005, 10_000, 0.01), (0.0303, 5000, 0.01), (0.4, 3, 0.05)] {
      let problem = try ReplicationProblem(
        pool: try .homogeneous(faultProbability: p), taskCount: m)
      let minimal = try problem.minimalReplication(targetFailureProbability: delta)
      let r = try #require(try problem.continuousReplicationFactor(targetFailureProbability: delta))
      let scaled = r * Double(m)
      #expect(
        scaled > Double(minimal.minimumCopies - 1) && scaled <= Double(minimal.minimumCopies) + 1e-6
      )
    }
  }

  /// Least M with the homogeneous PJF of §2 at most delta, by trying every M.
  private func linearScan(p: Double, m: Int, delta: Double) -> Int {
    var copies = m
    while true {
      let a = copies / m
      let extra = copies - a * m
      let logSuccess =
        Double(extra) * log1p(-pow(p, Double(a + 1))) + Double(m - extra)
        * log1p(-pow(p, Double(a)))
      if -expm1(logSuccess) <= delta { return copies }
      copies += 1
    }
  }
}
