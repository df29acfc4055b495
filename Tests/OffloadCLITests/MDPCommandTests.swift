import Foundation
import Testing

/// `offload mdp` end to end (docs/mdp-command.md), on files written here by hand.
@Suite("offload mdp solve, evaluate and stationary")
struct MDPCommandTests {
  /// A scratch folder for one test.
  private typealias Folder = ScratchFolder

  /// The three-state MDP of docs/model-format.md §2.2 with costs (by Storm's rule)
  /// c(0,0) = 1, c(0,1) = 1 + 0.5 · 10 = 6, c(1,0) = 0, c(2,0) = 4 + 0.75 · 2 = 5.5.
  private func threeState(_ folder: Folder, storm: Bool = false) throws -> String {
    let body = "0 0 0 1 stay\n0 1 1 0.5 go\n0 1 2 0.5 go\n1 0 0 1\n2 0 2 0.25\n2 0 0 0.75\n"
    try folder.write((storm ? "mdp\n" : "3 4 6\n") + body, "m.tra")
    try folder.write(storm ? "0 1\n2 4\n" : "3 2\n0 1\n2 4\n", "m.srew")
    try folder.write(storm ? "0 1 1 10\n2 0 0 2\n" : "3 4 2\n0 1 1 10\n2 0 0 2\n", "m.trew")
    return folder.path("m")
  }

  private func json(_ arguments: [String], exitCode: Int32 = 0) throws -> [String: Any] {
    let result = try runOffload(arguments)
    #expect(result.exitCode == exitCode, "\(result.standardError)")
    let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    return try #require(object as? [String: Any])
  }

  /// By hand with γ = 0.9: state 0 staying costs 1 per stage, V0 = 1/(1 − 0.9) = 10
  /// (going costs 6 + 0.9 (0.5 V1 + 0.5 V2) > 10); V1 = 0.9 V0 = 9;
  /// V2 = (5.5 + 0.9 · 0.75 · 10)/(1 − 0.9 · 0.25) = 12.25/0.775.
  @Test(arguments: [false, true])
  func solveMatchesHandWorkedValues(storm: Bool) throws {
    let folder = try Folder(prefix: "mdp")
    let document = try json([
      "mdp", "solve", "--prism", try threeState(folder, storm: storm), "--discount", "0.9",
      "--tolerance", "1e-10", "--tolerance-mode", "absolute", "--format", "json",
    ])
    let values = try #require(document["values"] as? [Double])
    let expected = [10, 9, 12.25 / 0.775]
    let bound = try #require(document["errorBound"] as? Double)
    #expect(bound <= 1e-10)
    for (value, exact) in zip(values, expected) { #expect(abs(value - exact) <= bound + 1e-13) }
    #expect(document["policy"] as? [Int] == [0, 0, 0])
    #expect(document["status"] as? String == "converged")
    #expect(document["states"] as? Int == 3)
    #expect(document["choices"] as? Int == 4)
    #expect(document["toleranceKind"] as? String == "absolute")
    #expect((document["iterations"] as? Int ?? 0) >= 1)
    #expect(document["warnings"] as? [String] == [])
    let source = try #require(document["source"] as? String)
    #expect(source.contains(storm ? "Storm variant" : "PRISM variant"))
    let provenance = try #require(document["provenance"] as? [String: Any])
    #expect(provenance["command"] as? String == "mdp solve")
  }

  /// Every path from any state ends in state 0, whose best action costs 1 per stage:
  /// g* = 1; the bracket must contain it.
  @Test(arguments: [
    ("automatic", "policy-iteration"), ("relative-value-iteration", "relative-value-iteration"),
  ])
  func averageCriterionBracketsTheGain(method: String, resolved: String) throws {
    let folder = try Folder(prefix: "mdp")
    let document = try json([
      "mdp", "solve", "--prism", try threeState(folder), "--criterion", "average", "--method",
      method, "--format", "json",
    ])
    let lower = try #require(document["gainLower"] as? Double)
    let upper = try #require(document["gainUpper"] as? Double)
    #expect(lower <= 1 && 1 <= upper)
    #expect(upper - lower <= 1e-9)
    #expect(document["errorBound"] != nil)
    #expect(document["method"] as? String == resolved)
  }

  /// Two absorbing states with costs 1 and 3: g* is 1 from state 0 and 3 from state 1, so
  /// no single gain exists. The solve exits 2 with status `multichain`, the error line
  /// says so, and the printed bracket still holds in both states.
  @Test func multichainModelExitsTwoNamingIt() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write("2 2 2\n0 0 0 1\n1 0 1 1\n", "m.tra")
    try folder.write("2 2\n0 1\n1 3\n", "m.srew")
    let result = try runOffload([
      "mdp", "solve", "--prism", folder.path("m"), "--criterion", "average", "--format", "json",
    ])
    #expect(result.exitCode == 2)
    #expect(result.standardError.contains("multichain"), "\(result.standardError)")
    let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    let document = try #require(object as? [String: Any])
    #expect(document["status"] as? String == "multichain")
    let lower = try #require(document["gainLower"] as? Double)
    let upper = try #require(document["gainUpper"] as? Double)
    #expect(lower <= 1 && 3 <= upper)
  }

  /// Policy "go" in state 0, by hand: V1 = 0.9 V0, V2 = (5.5 + 0.675 V0)/0.775,
  /// V0 = 6 + 0.45 V1 + 0.45 V2, so V0 (1 − 0.405 − 0.45 · 0.675/0.775) = 6 + 0.45 · 5.5/0.775.
  @Test func evaluateReadsAPolicyFile() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write("state,action\n0,1\n1,0\n2,0\n", "policy.csv")
    let document = try json([
      "mdp", "evaluate", "--prism", try threeState(folder), "--policy", folder.path("policy.csv"),
      "--discount", "0.9", "--tolerance", "1e-11", "--tolerance-mode", "absolute", "--format",
      "json", "--output-values", folder.path("values.csv"),
    ])
    let v0 = (6 + 0.45 * 5.5 / 0.775) / (1 - 0.405 - 0.45 * 0.675 / 0.775)
    let expected = [v0, 0.9 * v0, (5.5 + 0.675 * v0) / 0.775]
    let values = try #require(document["values"] as? [Double])
    for (value, exact) in zip(values, expected) { #expect(abs(value - exact) <= 1e-9) }
    #expect(document["policy"] as? [Int] == [1, 0, 0])
    let written = try String(contentsOfFile: folder.path("values.csv"), encoding: .utf8)
    #expect(written.hasPrefix("state,value,action,"))
    #expect(written.split(separator: "\n")[1].hasPrefix("0,"))
  }

  /// Policy "go" in state 0 under the average criterion, by hand: the chain 0 → {1, 2}
  /// (1/2 each), 1 → 0, 2 → {2: 1/4, 0: 3/4} has π = (6, 3, 4)/13, so with costs
  /// (6, 0, 5.5) the gain is (36 + 22)/13 = 58/13.
  @Test func evaluateUnderTheAverageCriterion() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write("state,action\n0,1\n1,0\n2,0\n", "policy.csv")
    let document = try json([
      "mdp", "evaluate", "--prism", try threeState(folder), "--policy", folder.path("policy.csv"),
      "--criterion", "average", "--tolerance", "1e-10", "--tolerance-mode", "absolute",
      "--format", "json",
    ])
    let lower = try #require(document["gainLower"] as? Double)
    let upper = try #require(document["gainUpper"] as? Double)
    #expect(lower <= 58.0 / 13 + 1e-15 && 58.0 / 13 - 1e-15 <= upper)
    #expect(upper - lower <= 1e-10)
    #expect(document["policy"] as? [Int] == [1, 0, 0])
  }

  @Test func chainWithTwoRecurrentClassesExits64() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write("dtmc\n0 0 1\n1 1 1\n", "two.tra")
    let result = try runOffload(["mdp", "stationary", "--prism", folder.path("two")])
    #expect(result.exitCode == 64)
    #expect(result.standardError.contains("2 recurrent classes"))
  }

  @Test func badPolicyFileExits64() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write("state,action\n0,5\n1,0\n2,0\n", "policy.csv")
    let result = try runOffload([
      "mdp", "evaluate", "--prism", try threeState(folder), "--policy", folder.path("policy.csv"),
      "--discount", "0.9",
    ])
    #expect(result.exitCode == 64)
    #expect(
      result.standardError.contains(
        "policy.csv:2: action of state 0 must be an integer in 0..<2 (value '5')"))
  }

  /// π of P = [[0.5, 0.5], [0.2, 0.8]] is (2/7, 5/7); with costs (1, 3) the long-run
  /// average cost is 2/7 + 15/7 = 17/7.
  @Test func stationaryOfADTMCWithCosts() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write("dtmc\n0 0 0.5\n0 1 0.5\n1 0 0.2\n1 1 0.8\n", "c.tra")
    try folder.write("0 1\n1 3\n", "c.srew")
    let document = try json(["mdp", "stationary", "--prism", folder.path("c"), "--format", "json"])
    let pi = try #require(document["distribution"] as? [Double])
    #expect(abs(pi[0] - 2.0 / 7) <= 1e-14 && abs(pi[1] - 5.0 / 7) <= 1e-14)
    #expect(abs((document["averageCost"] as? Double ?? 0) - 17.0 / 7) <= 1e-13)
    #expect(document["status"] as? String == "converged")
  }

  /// A CTMC with rates 0 → 1: 2 and 1 → 0: 3 has π = (3/5, 2/5) (balance 2 π0 = 3 π1).
  @Test func stationaryOfACTMCInPrismsVariant() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write("2 2\n0 1 2\n1 0 3\n", "c.tra")
    let document = try json([
      "mdp", "stationary", "--prism", folder.path("c"), "--prism-type", "ctmc", "--format", "json",
    ])
    let pi = try #require(document["distribution"] as? [Double])
    #expect(abs(pi[0] - 0.6) <= 1e-14 && abs(pi[1] - 0.4) <= 1e-14)
  }

  /// A continuous-time choice-form model directory: V(x) = (c(x) + Σ q V(x'))/(β + q(x));
  /// with β = 1: V0 = (2 + V1)/2, V1 = 3 V0/4, so V0 = 1.6 and V1 = 1.2.
  @Test func continuousTimeModelDirectory() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write(
      """
      {"format": "offloadlab-mdp-v2", "kind": "mdp", "form": "choice", "time": "continuous",
       "stateCount": 2, "rowCount": 2, "nonzeroCount": 2, "continuousDiscount": 1}
      """, "model.json")
    try folder.write([Int64(0), 1, 2], "transitions_row_start.int64")
    try folder.write([Int32(1), 0], "transitions_columns.int32")
    try folder.write([1.0, 3], "transitions_values.float64")
    try folder.write([2.0, 0], "costs.float64")
    try folder.write([Int64(0), 1, 2], "candidate_start.int64")
    let document = try json([
      "mdp", "solve", "--input", folder.path(""), "--tolerance", "1e-12", "--tolerance-mode",
      "absolute", "--format", "json",
    ])
    let values = try #require(document["values"] as? [Double])
    #expect(abs(values[0] - 1.6) <= 1e-11 && abs(values[1] - 1.2) <= 1e-11)
    #expect(document["uniformizationRate"] as? Double == 3)
    #expect(document["time"] as? String == "continuous")
  }

  @Test func badFileExits64NamingFileLineAndValue() throws {
    let folder = try Folder(prefix: "mdp")
    try folder.write("mdp\n0 0 0 0.5\n0 0 1 0.4\n1 0 0 1\n", "bad.tra")
    let result = try runOffload([
      "mdp", "solve", "--prism", folder.path("bad"), "--discount", "0.9",
    ])
    #expect(result.exitCode == 64)
    #expect(result.standardError.contains("bad.tra:2: choice (0, 0): probabilities sum to 0.9"))
    #expect(result.standardError.contains("(value '0.9')"))
    #expect(result.standardOutput.isEmpty)
  }

  @Test func missingOrMisplacedDiscountExits64() throws {
    let folder = try Folder(prefix: "mdp")
    let prefix = try threeState(folder)
    let missing = try runOffload(["mdp", "solve", "--prism", prefix])
    #expect(missing.exitCode == 64)
    #expect(missing.standardError.contains("needs --discount gamma"))
    let misplaced = try runOffload([
      "mdp", "solve", "--prism", prefix, "--continuous-discount", "0.1",
    ])
    #expect(misplaced.exitCode == 64)
    #expect(misplaced.standardError.contains("give --discount gamma, not --continuous-discount"))
    let both = try runOffload(["mdp", "solve", "--prism", prefix, "--input", folder.path("")])
    #expect(both.exitCode == 64)
  }

  @Test func notConvergedExits2WithTheResult() throws {
    let folder = try Folder(prefix: "mdp")
    let result = try runOffload([
      "mdp", "solve", "--prism", try threeState(folder), "--discount", "0.9", "--method",
      "value-iteration", "--max-iterations", "2", "--format", "json",
    ])
    #expect(result.exitCode == 2)
    #expect(result.standardOutput.contains("\"status\" : \"iterationLimitReached\""))
    #expect(result.standardError.contains("not converged"))
  }
}
