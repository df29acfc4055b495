import Foundation
import TestSupport
import Testing

@testable import TaskReplication

@Suite("PJF: closed forms, general formula and enumeration (§1, §2)")
struct JointFailureTests {
  /// The paper's rule on random tiny pools against the enumeration of every failure
  /// pattern of the assignment written from the text of §2.
  @Test(arguments: 1...40)
  func paperRuleMatchesEnumeration(seed: Int) throws {
    var generator = SeededGenerator(seed: UInt64(seed))
    let m = generator.integer(1...4)
    let copies = generator.integer(m...min(3 * m + 1, 11))
    let probabilities = randomProbabilities(count: copies, using: &generator)
    let tool = try AssignmentRule.paper.jointFailure(
      faultProbabilities: probabilities, taskCount: m
    ).probability
    let reference = enumeratedJointFailure(paperAssignment(probabilities, taskCount: m))
    #expect(isClose(tool, reference, absolute: 1e-15, relative: 1e-12), "\(probabilities)")
  }

  /// Homogeneous closed form (§2, slip 3 corrected) = general formula = enumeration.
  @Test(arguments: [0, 0.0005, 0.1, 0.5, 0.9, 1])
  func homogeneousClosedFormMatchesGeneralFormulaAndEnumeration(p: Double) throws {
    for m in 1...4 {
      for copies in m...min(3 * m + 2, 11) {
        let closed = try JointFailure.homogeneous(
          faultProbability: p, taskCount: m, copyCount: copies
        ).probability
        let devices = [Double](repeating: p, count: copies)
        let general = try AssignmentRule.paper.jointFailure(
          faultProbabilities: devices, taskCount: m
        ).probability
        let enumerated = enumeratedJointFailure(paperAssignment(devices, taskCount: m))
        #expect(isClose(closed, enumerated, absolute: 1e-15, relative: 1e-12), "m \(m) M \(copies)")
        #expect(
          isClose(general, enumerated, absolute: 1e-15, relative: 1e-12), "m \(m) M \(copies)")
      }
    }
  }

  /// The 1 <= r < 2 form of §2, `1 - (1-p)^m (1+p)^(M-m)`, evaluated here on its own.
  @Test func oneExtraCopyFormMatchesClosedForm() throws {
    for (p, m, copies) in [(0.0005, 10_000, 19_985), (0.3, 7, 10), (0.01, 1000, 1000)] {
      let expected = -expm1(
        Double(m) * log1p(-p) + Double(copies - m) * log1p(p))
      let tool = try JointFailure.homogeneous(
        faultProbability: p, taskCount: m, copyCount: copies
      ).probability
      #expect(isClose(tool, expected, relative: 1e-13))
    }
  }

  /// Strategy S: `P_S = 1 - prod (1 - p_i)`.
  @Test func withoutReplicationIsOneMinusProductOfSuccesses() throws {
    var generator = SeededGenerator(seed: 7)
    let probabilities = (0..<50).map { _ in generator.uniform(0...0.2) }
    let expected = 1 - probabilities.reduce(1.0) { $0 * (1 - $1) }
    let tool = try JointFailure.withoutReplication(faultProbabilities: probabilities).probability
    #expect(isClose(tool, expected, relative: 1e-13))
  }

  /// p = 0 and p = 1 are valid inputs with exact answers.
  @Test func zeroAndOneAreExact() throws {
    #expect(
      try JointFailure.homogeneous(faultProbability: 0, taskCount: 5, copyCount: 7).probability == 0
    )
    #expect(
      try JointFailure.homogeneous(faultProbability: 1, taskCount: 5, copyCount: 7).probability == 1
    )
    #expect(
      try JointFailure.homogeneous(faultProbability: 1, taskCount: 1, copyCount: 1)
        .logSuccessProbability == -.infinity)
    // Three p = 1 devices on two tasks: some task has only p = 1 copies and fails surely;
    // a p = 0 copy saves its task.
    for rule in AssignmentRule.allCases {
      let sure = try rule.jointFailure(faultProbabilities: [1, 1, 1], taskCount: 2)
      #expect(sure.probability == 1, "\(rule)")
      let safe = try rule.jointFailure(faultProbabilities: [0, 0, 1, 1], taskCount: 2)
      #expect(safe.probability == 0 && safe.probability.sign == .plus, "\(rule)")
    }
    #expect(
      try JointFailure.lowerBound(faultProbabilities: [0, 1, 1], taskCount: 2).probability == 0)
    #expect(
      try JointFailure.lowerBound(faultProbabilities: [1, 1, 1], taskCount: 2).probability == 1)
  }

  /// Tiny probabilities keep every digit: three tasks at 1e-300 give 3e-300.
  @Test func tinyProbabilitiesKeepTheirDigits() throws {
    let tool = try JointFailure.withoutReplication(faultProbabilities: [1e-300, 1e-300, 1e-300])
    #expect(isClose(tool.probability, 3e-300, relative: 1e-15))
    let paired = try AssignmentRule.paper.jointFailure(
      faultProbabilities: [1e-150, 2e-150], taskCount: 1)
    #expect(isClose(paired.probability, 2e-300, relative: 1e-15))
  }

  /// Devices close to p = 1: two copies at p = 1 - e, e = 2^-33, fail jointly unless one
  /// succeeds, so `1 - PJF = 2e - e^2` exactly; the log form keeps every digit.
  @Test func probabilitiesNearOneKeepTheirDigits() throws {
    let e = 0x1p-33
    let expected = log(2 * e) + log1p(-e / 2)
    for rule in AssignmentRule.allCases {
      let tool = try rule.jointFailure(faultProbabilities: [1 - e, 1 - e], taskCount: 1)
      #expect(isClose(tool.logSuccessProbability, expected, relative: 1e-15), "\(rule)")
    }
    let closed = try JointFailure.homogeneous(faultProbability: 1 - e, taskCount: 1, copyCount: 2)
    #expect(isClose(closed.logSuccessProbability, expected, relative: 1e-15))
  }

  /// `M = floor(r m)` with decimal r (§1): 1.9985 x 10000 is 19985, not 19984.
  @Test func copyCountOfDecimalReplicationFactor() throws {
    let pool = try DevicePool.homogeneous(faultProbability: 0.1)
    let cases: [(Double, Int, Int)] = [
      (1.9985, 10_000, 19_985), (1.5, 3, 4), (1, 7, 7), (2.99, 100, 299),
    ]
    for (r, m, expected) in cases {
      let problem = try ReplicationProblem(pool: pool, taskCount: m)
      #expect(try problem.copyCount(replicationFactor: r) == expected, "r \(r) m \(m)")
    }
  }
}
