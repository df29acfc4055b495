import Foundation
import Testing

@Suite("offload modes bench and export (issue 6)")
struct ModesBenchExportTests {
  private func json(_ arguments: [String]) throws -> [String: Any] {
    let result = try runOffload(arguments)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    return try #require(object as? [String: Any])
  }

  /// States 4 (B + 1)(B2 + 1) = 4 · 11 · 6 by hand; the bound meets the absolute tolerance.
  @Test(arguments: ["gauss-seidel", "jacobi"])
  func benchJSONKeepsTheContractKeys(method: String) throws {
    let document = try json([
      "modes", "bench", "--buffer", "10", "--cloud-buffer", "5", "--tolerance", "1e-8",
      "--tolerance-mode", "absolute", "--method", method, "--format", "json",
    ])
    #expect(document["states"] as? Int == 264)
    #expect((document["seconds"] as? Double ?? -1) >= 0)
    #expect((document["iterations"] as? Int ?? 0) >= 1)
    #expect((document["errorBound"] as? Double ?? 1) <= 1e-8)
  }

  /// The average criterion's bracket (issue 13) contains the optimal-average policy's
  /// mean number of jobs from `modes delay`, computed from that policy's stationary law
  /// (an independent route to g*), and `solve` JSON carries the same keys.
  @Test func averageBenchAndSolveCarryTheGainBracket() throws {
    let model = ["--buffer", "6", "--load", "0.9", "--criterion", "average", "--format", "json"]
    let bench = try json(["modes", "bench"] + model)
    let gain = try #require(bench["gain"] as? Double)
    let lower = try #require(bench["gainLower"] as? Double)
    let upper = try #require(bench["gainUpper"] as? Double)
    #expect(bench["states"] as? Int == 196 && bench["status"] as? String == "converged")
    #expect(lower <= gain && gain <= upper && upper - lower <= 1e-9 * gain)
    let delay = try json(["modes", "delay"] + model)
    let policies = try #require(delay["policies"] as? [[String: Any]])
    let optimal = try #require(policies.first { $0["name"] as? String == "optimal-average" })
    let meanJobs = try #require(optimal["meanJobs"] as? Double)
    #expect(lower - 1e-12 * gain <= meanJobs && meanJobs <= upper + 1e-12 * gain)
    let solve = try json(["modes", "solve"] + model)
    let solver = try #require(solve["solver"] as? [String: Any])
    #expect(solver["gainLower"] as? Double == lower && solver["gainUpper"] as? Double == upper)
    #expect(solver["gain"] as? Double == gain)
  }

  /// Reads the exported arrays back and checks them against the format and against the
  /// Bellman equation evaluated here from the raw arrays: the reference values must satisfy
  /// `‖V − T V‖∞ <= (1 + γ)·bound` (V within `bound` of V*, T a γ-contraction fixing V*).
  @Test func exportedArraysDescribeTheModelAndItsSolution() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("offload-export-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try runOffload([
      "modes", "export", "--buffer", "4", "--cloud-buffer", "3", "--tolerance", "1e-9",
      "--tolerance-mode", "absolute", "--output", directory.path,
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let meta = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: directory.appendingPathComponent("model.json"))) as? [String: Any])
    #expect(meta["format"] as? String == "offloadlab-mdp-v1")
    let states = try #require(meta["stateCount"] as? Int)
    #expect(states == 4 * 5 * 4)
    let gamma = try #require(meta["discountFactor"] as? Double)
    let bound = try #require(meta["referenceErrorBound"] as? Double)
    #expect(bound <= 1e-9)

    func read<T>(_ name: String, as type: T.Type) throws -> [T] {
      let data = try Data(contentsOf: directory.appendingPathComponent(name))
      #expect(data.count % MemoryLayout<T>.size == 0)
      return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }
    let rowStart = try read("transitions_row_start.int64", as: Int64.self).map(Int.init)
    let columns = try read("transitions_columns.int32", as: Int32.self).map(Int.init)
    let probabilities = try read("transitions_values.float64", as: Double.self)
    let costs = try read("costs.float64", as: Double.self)
    let candidateStart = try read("candidate_start.int64", as: Int64.self).map(Int.init)
    let candidateRows = try read("candidate_rows.int32", as: Int32.self).map(Int.init)
    let coordinates = try read("state_coordinates.int32", as: Int32.self)
    let values = try read("reference_values.float64", as: Double.self)
    let policy = try read("reference_policy.int32", as: Int32.self)
    #expect(rowStart.count == states + 1 && candidateStart.count == states + 1)
    #expect(coordinates.count == 4 * states && values.count == states && policy.count == states)
    for row in 0..<states {
      let range = rowStart[row]..<rowStart[row + 1]
      #expect(abs(range.reduce(0) { $0 + probabilities[$1] } - 1) <= 1e-12)
      // The cost of a row is its number of jobs, xb + xl + x1 + x2.
      #expect(costs[row] == Double(coordinates[(4 * row)..<(4 * row + 4)].reduce(0, +)))
    }
    func rowValue(_ row: Int) -> Double {
      costs[row] + gamma
        * (rowStart[row]..<rowStart[row + 1]).reduce(0) {
          $0 + probabilities[$1] * values[columns[$1]]
        }
    }
    for state in 0..<states {
      let rows = candidateRows[candidateStart[state]..<candidateStart[state + 1]]
      let best = rows.map(rowValue).min()!
      #expect(abs(best - values[state]) <= (1 + gamma) * bound + 1e-12)
      let chosen = rows[rows.startIndex + Int(policy[state])]
      #expect(rowValue(chosen) <= best + 2 * bound + 1e-12)
    }
  }
}
