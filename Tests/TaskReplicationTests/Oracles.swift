// Independent reference computations for the TaskReplication tests. None of them calls the
// module: they follow the definitions of docs/replication.md §1, §2 and §4 literally, by
// enumeration or in higher precision.

import Foundation
import TestSupport

/// PJF of an explicit assignment (the fault probabilities of each task's copies) by
/// enumerating every failure pattern of the devices:
///
/// ```
/// PJF = sum over patterns x in {0,1}^M of P(x) * [some task has all its copies failed]
/// ```
///
/// - Complexity: O(2^M M); meant for `M <= 14`.
func enumeratedJointFailure(_ assignment: [[Double]]) -> Double {
  let devices = assignment.flatMap { $0 }
  let owner = assignment.enumerated().flatMap { task, copies in copies.map { _ in task } }
  precondition(devices.count <= 14, "enumeration of 2^\(devices.count) patterns")
  var total = 0.0
  for pattern in 0..<(1 << devices.count) {
    var probability = 1.0
    var survivingCopies = [Int](repeating: 0, count: assignment.count)
    for (index, p) in devices.enumerated() {
      if pattern & (1 << index) != 0 {
        probability *= p
      } else {
        probability *= 1 - p
        survivingCopies[owner[index]] += 1
      }
    }
    if survivingCopies.contains(0) { total += probability }
  }
  return total
}

/// `1 - prod_j (1 - prod_{i in copies(j)} p_i)`, term by term in double precision.
func directJointFailure(_ assignment: [[Double]]) -> Double {
  1 - assignment.reduce(1.0) { $0 * (1 - $1.reduce(1.0, *)) }
}

/// The paper's assignment, written from the text of §2: sort descending, device `i`
/// (1-based) runs task `((i - 1) mod m) + 1`.
func paperAssignment(_ probabilities: [Double], taskCount m: Int) -> [[Double]] {
  var tasks = [[Double]](repeating: [], count: m)
  for (index, p) in probabilities.sorted(by: >).enumerated() { tasks[index % m].append(p) }
  return tasks
}

/// Every assignment of the devices to `m` tasks in which each task gets between 1 and
/// `maximumCopies` copies (all `m^M` maps, filtered).
func allAssignments(_ probabilities: [Double], taskCount m: Int, maximumCopies: Int = .max)
  -> [[[Double]]]
{
  let count = probabilities.count
  var result: [[[Double]]] = []
  var code = [Int](repeating: 0, count: count)
  while true {
    var tasks = [[Double]](repeating: [], count: m)
    for (device, task) in code.enumerated() { tasks[task].append(probabilities[device]) }
    if tasks.allSatisfy({ !$0.isEmpty && $0.count <= maximumCopies }) { result.append(tasks) }
    var digit = 0
    while digit < count && code[digit] == m - 1 {
      code[digit] = 0
      digit += 1
    }
    if digit == count { return result }
    code[digit] += 1
  }
}

/// A random tiny pool: values anywhere in [0, 1], with exact 0s and 1s now and then.
func randomProbabilities(count: Int, using generator: inout SeededGenerator) -> [Double] {
  (0..<count).map { _ in
    switch generator.integer(0...9) {
    case 0: return 0
    case 1: return 1
    default: return generator.uniform(0...1)
    }
  }
}

/// Float80 (64-bit significand) reference: `log(1 - PJF)` of per-task products, summed
/// pairwise so that the rounding of the sum stays far below a double ulp.
func extendedLogSuccess(taskProducts: [Float80]) -> Float80 {
  func pairwise(_ slice: ArraySlice<Float80>) -> Float80 {
    if slice.count <= 8 { return slice.reduce(0) { $0 + log1p(-$1) } }
    let middle = slice.startIndex + slice.count / 2
    return pairwise(slice[..<middle]) + pairwise(slice[middle...])
  }
  return pairwise(taskProducts[...])
}

/// `|a - b| / |b|` in units of the double epsilon (`2^-52`), 0 when both are 0.
func relativeErrorInUlps(_ value: Double, reference: Float80) -> Double {
  if reference == 0 { return value == 0 ? 0 : .infinity }
  return Double(abs((Float80(value) - reference) / reference)) / Double.ulpOfOne
}
