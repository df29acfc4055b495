import Foundation
import OffloadLab
import Testing

/// The README's library-use example, as written there, with checks that each result gets
/// the bound it asks for (and the queue's gain is the M/M/1/6 product form, ρ = 2/3).
@Suite("README example")
struct ReadmeExampleTests {
  @Test func readmeLibraryExampleRunsAndMeetsItsTolerances() throws {
    // A built-in model, through its preset of the contract.
    let parameters = try ServiceModeParameters(load: 0.7, cloudSpeedup: 5, localFraction: 0.6)
    let model = try ServiceModeModel(parameters: parameters, bufferLimit: 100)
    var solver = try ServiceModeSolver(tolerance: 1e-8)
    solver.toleranceMode = .absolute  // ‖V − V*‖∞ <= 1e-8
    let solution = solver.solve(model)
    print(solution.status, solution.iterations, solution.errorBound)  // converged, …, <= 1e-8
    let delay = try model.delay(of: solution.policy)  // stationary + Little's law
    print(delay.meanDelay, delay.blockingProbability)

    // Your own model with typed states and actions (here an M/M/1/K queue, no control).
    struct Queue: ContinuousTimeModel {
      var initialStates: [Int] { [0] }
      func actions(in n: Int) -> [String] { ["serve"] }
      func rates(from n: Int, taking _: String) -> [(Int, Double)] {
        (n < 6 ? [(n + 1, 1.0)] : []) + (n > 0 ? [(n - 1, 1.5)] : [])
      }
      func costRate(in n: Int, taking _: String) -> Double { Double(n) }
    }
    let queue = try Queue().solve(MDPSolver(criterion: .average, tolerance: .absolute(1e-9)))
    print(queue.status, queue.tolerance, queue.gainLower!, queue.gainUpper!)  // width <= 1e-9

    #expect(solution.status == .converged && solution.errorBound <= 1e-8)
    let lower = try #require(queue.gainLower)
    let upper = try #require(queue.gainUpper)
    #expect(queue.status == .converged && upper - lower <= 1e-9)
    let weights = (0...6).map { pow(2.0 / 3, Double($0)) }
    let mean = zip(0...6, weights).map { Double($0) * $1 }.reduce(0, +) / weights.reduce(0, +)
    #expect(lower <= mean + 1e-12 && mean <= upper + 1e-12)
  }
}
