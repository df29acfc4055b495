import Foundation

/// Evaluates PJF and the Jensen bound for any prefix `M <= capacity` of a nested pool
/// without sorting again: the first `capacity` devices are sorted once (the grid is already
/// sorted, so only stream draws need a sort), and the devices of a prefix are listed in
/// descending order by filtering that order on the device index, in O(capacity).
///
/// Homogeneous pools use the closed forms and materialise nothing.
/// Docs: docs/replication.md §3 (nested pools).
struct PrefixEvaluator {
  let pool: DevicePool
  let taskCount: Int
  /// Devices in nested order (the pool's first `capacity` devices).
  private(set) var devices: [Double] = []
  /// Indices into `devices`, by descending fault probability (ties by index).
  private var descendingOrder: [Int] = []
  private var scratch: [Double] = []
  /// Number of PJF evaluations so far.
  private(set) var evaluations = 0

  init(pool: DevicePool, taskCount: Int) {
    self.pool = pool
    self.taskCount = taskCount
  }

  var capacity: Int { devices.count }

  /// Materialises at least `count` devices (at least doubling the capacity, at most
  /// `limit`), so that a growing scan sorts O(log) times.
  mutating func ensureCapacity(_ count: Int, limit: Int) throws {
    guard pool.homogeneousFaultProbability == nil, count > capacity else { return }
    let target = min(max(count, 2 * capacity), max(limit, count))
    try pool.checkCapacity(target)
    devices = try pool.firstDevices(target)
    let gridCount = min(pool.gridDeviceCount, target)
    var stream = Array(gridCount..<target)
    devices.withUnsafeBufferPointer { values in
      stream.sort { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
    }
    descendingOrder = mergeDescending(gridCount: gridCount, stream: stream)
    scratch = [Double](repeating: 0, count: target)
  }

  /// Merges the grid (ascending by construction, so read backwards) with the sorted stream.
  private func mergeDescending(gridCount: Int, stream: [Int]) -> [Int] {
    var order = [Int]()
    order.reserveCapacity(gridCount + stream.count)
    devices.withUnsafeBufferPointer { values in
      stream.withUnsafeBufferPointer { stream in
        var gridPosition = gridCount - 1
        var streamPosition = 0
        while gridPosition >= 0 || streamPosition < stream.count {
          let takeGrid =
            streamPosition == stream.count
            || (gridPosition >= 0 && values[gridPosition] >= values[stream[streamPosition]])
          if takeGrid {
            order.append(gridPosition)
            gridPosition -= 1
          } else {
            order.append(stream[streamPosition])
            streamPosition += 1
          }
        }
      }
    }
    return order
  }

  /// PJF of `rule` on the first `copyCount` devices.
  /// - Precondition: `copyCount <= capacity` for a heterogeneous pool.
  mutating func jointFailure(copyCount: Int, rule: AssignmentRule) -> JointFailure {
    evaluations += 1
    if let probability = pool.homogeneousFaultProbability {
      return homogeneousJointFailure(probability, copyCount: copyCount)
    }
    precondition(copyCount <= capacity, "copies \(copyCount) exceed capacity \(capacity)")
    let taskCount = taskCount
    return devices.withUnsafeBufferPointer { values in
      descendingOrder.withUnsafeBufferPointer { order in
        scratch.withUnsafeMutableBufferPointer { scratch in
          var filled = 0
          var position = 0
          while filled < copyCount {
            let index = order[position]
            if index < copyCount {
              scratch[filled] = values[index]
              filled += 1
            }
            position += 1
          }
          return rule.jointFailure(
            descending: UnsafeBufferPointer(rebasing: scratch[0..<copyCount]), taskCount: taskCount)
        }
      }
    }
  }

  /// Jensen lower bound on the first `copyCount` devices (any assignment).
  func lowerBound(copyCount: Int) -> JointFailure {
    if let probability = pool.homogeneousFaultProbability {
      // prod_i p_i = p^M, so (prod p)^(1/m) = p^(M/m).
      let perTask = logOneMinusPower(probability, Double(copyCount) / Double(taskCount))
      return JointFailure(logSuccessProbability: Double(taskCount) * perTask)
    }
    precondition(copyCount <= capacity, "copies \(copyCount) exceed capacity \(capacity)")
    return devices.withUnsafeBufferPointer {
      JointFailure.lowerBound(
        devices: UnsafeBufferPointer(rebasing: $0[0..<copyCount]), taskCount: taskCount)
    }
  }

  private func homogeneousJointFailure(_ probability: Double, copyCount: Int) -> JointFailure {
    do {
      return try JointFailure.homogeneous(
        faultProbability: probability, taskCount: taskCount, copyCount: copyCount)
    } catch {
      preconditionFailure("validated homogeneous parameters were rejected: \(error)")
    }
  }
}
