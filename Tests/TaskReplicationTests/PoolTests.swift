import Foundation
import MarkovSolvers
import TestSupport
import Testing

@testable import TaskReplication

@Suite("Device pools, parsing and seeded draws (§1, §6)")
struct PoolTests {
  /// Nested order: the first M devices of a pool are a prefix of the first M + 1, the grid
  /// comes first from most to least reliable, and a seed gives the same pool again.
  @Test func poolsAreNestedAndReproducible() throws {
    let classes = try [
      DeviceClass(parsing: "30@0.3~0.1"), DeviceClass(parsing: "20@4%"),
    ]
    let stream = try FaultDistribution(parsing: "0.35~0.12")
    let pool = try DevicePool(classes: classes, stream: stream, seed: 9)
    let again = try DevicePool(classes: classes, stream: stream, seed: 9)
    #expect(pool == again)
    let long = try pool.firstDevices(120)
    #expect(try pool.firstDevices(80) == Array(long.prefix(80)))
    #expect(Array(long.prefix(50)) == long.prefix(50).sorted())
    #expect(long.allSatisfy { (0...1).contains($0) })
    #expect(long.prefix(50).filter { $0 == 0.04 }.count == 20)
  }

  /// A pool whose devices share one p uses the closed forms; any spread does not.
  @Test func homogeneousPoolsAreRecognised() throws {
    #expect(try DevicePool.homogeneous(faultProbability: 0.2).homogeneousFaultProbability == 0.2)
    #expect(
      try DevicePool(classes: [DeviceClass(parsing: "5@0.2")]).homogeneousFaultProbability == 0.2)
    #expect(
      try DevicePool(faultProbabilities: [0.2, 0.3]).homogeneousFaultProbability == nil)
  }

  /// The sample mean of truncated-normal draws against the mean of a normal truncated to
  /// [0, 1], `mu + sigma (phi(alpha) - phi(beta)) / (Phi(beta) - Phi(alpha))`.
  @Test(arguments: [(0.30, 0.134), (0.35, 0.12), (0.05, 0.2)])
  func truncatedNormalHasTheTruncatedMean(mean: Double, deviation: Double) {
    var sampler = TruncatedNormalSampler(seed: 5)
    let count = 200_000
    var sum = 0.0
    for _ in 0..<count { sum += sampler.next(mean: mean, standardDeviation: deviation) }
    func density(_ z: Double) -> Double { exp(-z * z / 2) / (2 * Double.pi).squareRoot() }
    func cumulative(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
    let (alpha, beta) = ((0 - mean) / deviation, (1 - mean) / deviation)
    let expected =
      mean + deviation * (density(alpha) - density(beta)) / (cumulative(beta) - cumulative(alpha))
    #expect(abs(sum / Double(count) - expected) < 5 * deviation / Double(count).squareRoot())
  }

  /// SplitMix64's published reference stream (Vigna's splitmix64.c) starts, for seed 0,
  /// with 0xE220A8397B1DCDAF and 0x6E789E6AA1B965F4.
  @Test func splitMixReferenceStream() {
    var generator = SplitMix64(seed: 0)
    #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
    #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
  }

  /// The portable logarithm agrees with the C library to a couple of ulps.
  @Test func portableLogMatchesTheCLibrary() {
    var generator = SeededGenerator(seed: 3)
    for _ in 0..<10_000 {
      let x = pow(2, generator.uniform(-1000...1000)) * generator.uniform(1...2)
      let error = abs(portableLog(x) - log(x))
      #expect(error <= 2 * log(x).ulp, "x \(x)")
    }
  }

  /// The CSV reader: header, comments, several separators, percentages.
  @Test func csvPoolFile() throws {
    let text = "p\n# comment\n0.1, 0.2;0.3\n\n4%\t0.5\n"
    #expect(
      try parseFaultProbabilities(csv: text, parameter: "file") == [0.1, 0.2, 0.3, 0.04, 0.5])
  }

  /// Every malformed or out-of-range input is a `ParameterError` naming the parameter, the
  /// value and what is valid.
  @Test(arguments: [
    ("700", "malformed value '700' for --pool: expected COUNT@P or COUNT@P~SD"),
    ("abc@0.1", "malformed value 'abc@0.1' for --pool"),
    ("700@0.3~", "malformed value '700@0.3~' for --pool"),
    (
      "700@1.5",
      "invalid value 1.5 for fault probability (p) in --pool '700@1.5': must be in [0, 1]"
    ),
    (
      "700@0.3~2",
      "invalid value 2 for fault-probability standard deviation (sd) in --pool '700@0.3~2'"
    ),
    ("0@0.1", "invalid value 0 for device count in --pool '0@0.1': must be an integer in [1, "),
  ])
  func malformedDeviceClasses(text: String, message: String) {
    do {
      _ = try DeviceClass(parsing: text, parameter: "--pool")
      Issue.record("\(text) was accepted")
    } catch let error as ParameterError {
      #expect(error.description.contains(message), "\(error)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func invalidParametersNameTheirRange() throws {
    let pool = try DevicePool.homogeneous(faultProbability: 0.1)
    let problem = try ReplicationProblem(pool: pool, taskCount: 10)
    let cases: [(() throws -> Void, String)] = [
      (
        { _ = try DevicePool.homogeneous(faultProbability: -0.1) },
        "invalid value -0.1 for fault probability (p): must be in [0, 1]"
      ),
      (
        { _ = try DevicePool.homogeneous(faultProbability: .nan) },
        "invalid value nan for fault probability (p)"
      ),
      (
        { _ = try ReplicationProblem(pool: pool, taskCount: 0) },
        "invalid value 0 for task count (m): must be an integer in 1...9007199254740992"
      ),
      (
        // r m must stay an exact double for every r >= 1, so m <= 2^53 = 9007199254740992.
        { _ = try ReplicationProblem(pool: pool, taskCount: (1 << 53) + 1) },
        "invalid value 9007199254740993 for task count (m): must be an integer in 1...9007199254740992"
      ),
      (
        { _ = try problem.copyCount(replicationFactor: 0.5) },
        "invalid value 0.5 for replication factor (r): must be >= 1"
      ),
      (
        { _ = try problem.minimalReplication(targetFailureProbability: 0) },
        "invalid value 0 for target failure probability (delta): must be in (0, 1)"
      ),
      (
        { _ = try problem.minimalReplication(targetFailureProbability: 1) },
        "invalid value 1 for target failure probability (delta): must be in (0, 1)"
      ),
      (
        { _ = try problem.jointFailure(copyCount: 9) },
        "invalid value 9 for copies (M): must be >= the task count m = 10"
      ),
      (
        { _ = try parseFaultProbabilities(csv: "0.1\n0.2,x\n", parameter: "f") },
        "malformed value 'x' for f line 2"
      ),
      (
        { _ = try parseFaultProbabilities(csv: "0.1\n1.2\n", parameter: "f") },
        "invalid value 1.2 for fault probability in f line 2: must be in [0, 1]"
      ),
    ]
    for (body, message) in cases {
      do {
        try body()
        Issue.record("accepted: \(message)")
      } catch let error as ParameterError {
        #expect(error.description.contains(message), "\(error)")
      }
    }
  }
}
