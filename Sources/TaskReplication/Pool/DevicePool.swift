import Foundation
import MarkovSolvers

/// The devices a job can use: a finite grid (any fault probabilities) and, optionally, an
/// unlimited stream of devices of one class.
///
/// The pool is *nested*: the devices used for `M` copies are the first `M` devices in this
/// order, so the set for `M + 1` contains the set for `M`:
///
/// ```
/// grid devices from most to least reliable (ascending p), then stream draws 1, 2, 3, ...
/// ```
///
/// A job with fewer copies than grid devices therefore runs on the most reliable ones, and
/// the result does not depend on the order in which classes are listed. Random fault
/// probabilities come from `TruncatedNormalSampler` seeded with `seed` (grid classes, in
/// the order given) and with `seed ^ 0x9E3779B97F4A7C15` (the stream, so that stream
/// draws do not depend on the grid).
/// Docs: docs/replication.md §1, §3 (nested pools), §6.
public struct DevicePool: Sendable, Equatable {
  /// The largest number of devices the module materialises (8 bytes each).
  public static let maximumDeviceCount = 100_000_000

  /// Fault probabilities of the grid, ascending (most reliable first).
  public let gridFaultProbabilities: [Double]
  /// The unlimited stream used after the grid, if any.
  public let stream: FaultDistribution?
  /// Seed of the random draws.
  public let seed: UInt64
  /// `p` when every device of the pool has fault probability `p`, else nil.
  public let homogeneousFaultProbability: Double?

  /// A pool from explicit probabilities, device classes and an optional stream.
  /// - Parameters:
  ///   - faultProbabilities: grid devices with known `p_i` in `[0, 1]` (any order).
  ///   - classes: further grid devices, drawn class by class in this order.
  ///   - stream: an unlimited class used after the grid.
  ///   - seed: seed of the draws.
  /// - Throws: `ParameterError.outOfRange` for a probability outside `[0, 1]` or a grid
  ///   larger than `maximumDeviceCount`; `.inconsistent` for a pool with no device at all.
  /// - Complexity: O(N log N) for N grid devices (one sort).
  public init(
    faultProbabilities: [Double] = [], classes: [DeviceClass] = [],
    stream: FaultDistribution? = nil, seed: UInt64 = 1
  ) throws {
    let total = classes.reduce(faultProbabilities.count) { $0 + $1.count }
    guard total <= Self.maximumDeviceCount else {
      throw ParameterError.outOfRange(
        "pool size (grid devices)", total, valid: "<= \(Self.maximumDeviceCount)")
    }
    guard total > 0 || stream != nil else {
      throw ParameterError.inconsistent(
        name: "device pool", value: "empty",
        reason: "give a fault probability, a device class, a pool file or a stream")
    }
    try checkFaultProbabilities(faultProbabilities)
    var grid = faultProbabilities
    grid.reserveCapacity(total)
    var sampler = TruncatedNormalSampler(seed: seed)
    for deviceClass in classes {
      let distribution = deviceClass.distribution
      for _ in 0..<deviceClass.count {
        grid.append(
          sampler.next(mean: distribution.mean, standardDeviation: distribution.standardDeviation))
      }
    }
    grid.sort()
    gridFaultProbabilities = grid
    self.stream = stream
    self.seed = seed
    homogeneousFaultProbability = Self.commonValue(grid: grid, stream: stream)
  }

  /// An unlimited pool in which every device fails with probability `p` (§2, homogeneous).
  /// - Throws: `ParameterError.outOfRange` unless `p` is in `[0, 1]`.
  public static func homogeneous(faultProbability: Double) throws -> DevicePool {
    try DevicePool(stream: FaultDistribution(mean: faultProbability))
  }

  /// Number of grid devices `N`.
  public var gridDeviceCount: Int { gridFaultProbabilities.count }

  /// The largest usable number of devices: `N`, or nil (unlimited) with a stream.
  public var capacity: Int? { stream == nil ? gridDeviceCount : nil }

  /// The first `count` devices in nested order (grid ascending, then stream draws).
  /// - Throws: `ParameterError.inconsistent` when `count` exceeds the pool's capacity,
  ///   `.outOfRange` when it exceeds `maximumDeviceCount`.
  /// - Complexity: O(count).
  public func firstDevices(_ count: Int) throws -> [Double] {
    precondition(count >= 0, "device count \(count) is negative")
    try checkCapacity(count)
    if count <= gridDeviceCount { return Array(gridFaultProbabilities.prefix(count)) }
    guard let stream else { preconditionFailure("checkCapacity admits no count beyond the grid") }
    var devices = gridFaultProbabilities
    devices.reserveCapacity(count)
    var sampler = TruncatedNormalSampler(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
    for _ in gridDeviceCount..<count {
      devices.append(sampler.next(mean: stream.mean, standardDeviation: stream.standardDeviation))
    }
    return devices
  }

  /// Throws unless the pool has `count` devices and they fit in memory.
  func checkCapacity(_ count: Int, name: String = "copies (M)") throws {
    if let capacity, count > capacity {
      throw ParameterError.inconsistent(
        name: name, value: String(count),
        reason: "the pool has only \(capacity) devices; add devices or a stream")
    }
    guard count <= Self.maximumDeviceCount || homogeneousFaultProbability != nil else {
      throw ParameterError.outOfRange(
        name, count, valid: "<= \(Self.maximumDeviceCount) for a heterogeneous pool")
    }
  }

  private static func commonValue(grid: [Double], stream: FaultDistribution?) -> Double? {
    let value: Double
    if let stream {
      guard stream.isFixed else { return nil }
      value = stream.mean
    } else {
      value = grid[0]
    }
    return grid.allSatisfy({ $0 == value }) ? value : nil
  }
}

/// Reads a CSV list of fault probabilities: cells separated by commas, semicolons or white
/// space, one or more a line; blank lines and lines starting with `#` are skipped, and a
/// first line without any number is taken as a header.
/// - Parameter parameter: names the source (e.g. the file) in error messages.
/// - Throws: `ParameterError.malformed` naming the line of a cell that is not a number,
///   `.outOfRange` for a probability outside `[0, 1]`, `.inconsistent` for an empty list.
/// - Complexity: O(length of text).
public func parseFaultProbabilities(csv text: String, parameter: String) throws -> [Double] {
  var values: [Double] = []
  var sawData = false
  for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
    let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
    let cells = trimmed.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " || $0 == "\t" })
    let parsed = cells.map { parseProbability($0) }
    if !sawData && parsed.allSatisfy({ $0 == nil }) {
      sawData = true
      continue
    }
    sawData = true
    for (cell, value) in zip(cells, parsed) {
      guard let value else {
        throw ParameterError.malformed(
          name: "\(parameter) line \(index + 1)", value: String(cell),
          expected: "a fault probability in [0, 1]")
      }
      guard value >= 0 && value <= 1 else {
        throw ParameterError.outOfRange(
          "fault probability in \(parameter) line \(index + 1)", value, valid: "in [0, 1]")
      }
      values.append(value)
    }
  }
  guard !values.isEmpty else {
    throw ParameterError.inconsistent(
      name: parameter, value: "no data", reason: "expected at least one fault probability")
  }
  return values
}

/// Throws for the first probability outside `[0, 1]`, naming its 1-based index.
func checkFaultProbabilities(_ probabilities: [Double]) throws {
  if let index = probabilities.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
    throw ParameterError.outOfRange(
      "fault probability p_\(index + 1)", probabilities[index], valid: "in [0, 1]")
  }
}
