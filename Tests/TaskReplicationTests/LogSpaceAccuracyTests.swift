import Foundation
import TestSupport
import Testing

@testable import TaskReplication

/// m = 10^7 against a Float80 computation (11 more significand bits, pairwise sums): the
/// log-space PJF must be exact to a few double ulps (docs/replication.md §7).
@Suite("Log-space accuracy at m = 10^7 (§7)", .serialized)
struct LogSpaceAccuracyTests {
  static let taskCount = 10_000_000

  /// Homogeneous closed form: `(1 - p^(a+1))^(M - a m) (1 - p^a)^((a+1) m - M)` in Float80.
  @Test(arguments: [
    (0.0005, 15_000_000), (0.3, 25_000_000), (1e-300, 10_000_000), (0.999, 30_000_001),
  ])
  func homogeneousAtTenMillionTasks(p: Double, copies: Int) throws {
    let m = Self.taskCount
    let a = copies / m
    let extra = copies - a * m
    let p80 = Float80(p)
    let reference =
      Float80(extra) * log1p(-pow(p80, Float80(a + 1))) + Float80(m - extra)
      * log1p(-pow(p80, Float80(a)))
    let tool = try JointFailure.homogeneous(faultProbability: p, taskCount: m, copyCount: copies)
    #expect(relativeErrorInUlps(tool.logSuccessProbability, reference: reference) <= 4)
    #expect(relativeErrorInUlps(tool.probability, reference: -expm1(reference)) <= 4)
  }

  /// The paper's rule on 1.2 * 10^7 distinct devices (already in descending order, so the
  /// reference needs no sort): task j has devices j and j + m for j < 2 * 10^6.
  @Test(arguments: [0.3, 1e-6])
  func heterogeneousAtTenMillionTasks(scale: Double) throws {
    let m = Self.taskCount
    let copies = 12_000_000
    let devices = (0..<copies).map { index in
      let x = 1 - Double(index) / Double(copies)
      return scale * x * x * x + 1e-12
    }
    var products = [Float80](repeating: 0, count: m)
    for (index, p) in devices.enumerated() {
      let task = index % m
      products[task] = index < m ? Float80(p) : products[task] * Float80(p)
    }
    let reference = extendedLogSuccess(taskProducts: products)
    let tool = try AssignmentRule.paper.jointFailure(faultProbabilities: devices, taskCount: m)
    #expect(relativeErrorInUlps(tool.logSuccessProbability, reference: reference) <= 4)
    #expect(relativeErrorInUlps(tool.probability, reference: -expm1(reference)) <= 4)
  }

  /// Strategy S with probabilities between 1e-300 and 1e-290: PJF about 10^-283.
  @Test func tinyProbabilitiesAtTenMillionTasks() throws {
    var generator = SeededGenerator(seed: 11)
    let devices = (0..<Self.taskCount).map { _ in pow(10, -generator.uniform(290...300)) }
    let reference = extendedLogSuccess(taskProducts: devices.map { Float80($0) })
    let tool = try JointFailure.withoutReplication(faultProbabilities: devices)
    #expect(relativeErrorInUlps(tool.probability, reference: -expm1(reference)) <= 4)
  }
}
