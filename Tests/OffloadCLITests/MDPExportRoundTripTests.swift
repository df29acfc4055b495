import Foundation
import Testing

/// Built-in models exported as PRISM explicit files and solved back with `offload mdp`
/// (issue 12: "a test round-trips export and import").
@Suite("PRISM export of the built-in models, solved back")
struct MDPExportRoundTripTests {
  private func temporary(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
  }

  private func json(_ arguments: [String]) throws -> [String: Any] {
    let result = try runOffload(arguments)
    #expect(result.exitCode == 0, "\(result.standardError)")
    return try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
  }

  /// One `modes export` writes the directory (with the built-in solve's certified values
  /// and policy) and the PRISM files of the same model; `mdp solve --prism` (to 1e-9, above
  /// Gauss–Seidel's round-off floor on values of order 100) must agree: values within the
  /// sum of the two certified bounds, the same policy.
  @Test(arguments: [("prism", "gauss-seidel"), ("storm", "policy-iteration")])
  func serviceModeExportSolvesBackToTheBuiltInSolution(variant: String, method: String) throws {
    let folder = temporary("modes-prism")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let directory = folder.appendingPathComponent("dir")
    let prefix = folder.appendingPathComponent("sm").path
    let export = try runOffload([
      "modes", "export", "--buffer", "8", "--cloud-buffer", "5", "--tolerance", "1e-10",
      "--tolerance-mode", "absolute", "--output", directory.path, "--prism", prefix,
      "--prism-variant", variant,
    ])
    #expect(export.exitCode == 0, "\(export.standardError)")
    #expect(export.standardError.contains("--discount 0.99"))
    let document = try json([
      "mdp", "solve", "--prism", prefix, "--discount", "0.99", "--tolerance", "1e-9",
      "--tolerance-mode", "absolute", "--method", method, "--format", "json",
    ])
    let meta = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: directory.appendingPathComponent("model.json"))) as? [String: Any])
    let referenceBound = try #require(meta["referenceErrorBound"] as? Double)
    let reference = try Data(
      contentsOf: directory.appendingPathComponent("reference_values.float64")
    )
    .withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    let referencePolicy = try Data(
      contentsOf: directory.appendingPathComponent("reference_policy.int32")
    ).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)).map(Int.init) }
    // The directory itself (format v1, post-decision form) solved by `mdp solve --input`.
    let fromDirectory = try json([
      "mdp", "solve", "--input", directory.path, "--tolerance", "1e-9", "--tolerance-mode",
      "absolute", "--method", method, "--format", "json",
    ])
    #expect(
      fromDirectory["source"] as? String
        == "offloadlab-mdp-v1 (mdp, post-decision form, discrete time)")
    for solved in [document, fromDirectory] {
      let values = try #require(solved["values"] as? [Double])
      let bound = try #require(solved["errorBound"] as? Double)
      #expect(values.count == 4 * 9 * 6)
      #expect(values.count == reference.count)
      let difference = zip(values, reference).map { abs($0 - $1) }.max() ?? .infinity
      #expect(difference <= bound + referenceBound)
      #expect(solved["policy"] as? [Int] == referencePolicy)
    }
  }

  /// The Markov-machine MDP exported and solved back under the average criterion: the
  /// gain bracket must overlap `machine optimal`'s bracket of g* (same model, same cap).
  @Test func machineExportSolvesBackToTheBuiltInGain() throws {
    let folder = temporary("machine-prism")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let prefix = folder.appendingPathComponent("machine").path
    let common = ["--sampling-cost", "0.5", "--age-cap", "5"]
    let export = try runOffload(["machine", "export", "--prism", prefix] + common)
    #expect(export.exitCode == 0, "\(export.standardError)")
    let solved = try json([
      "mdp", "solve", "--prism", prefix, "--criterion", "average", "--tolerance", "1e-9",
      "--tolerance-mode", "absolute", "--format", "json",
    ])
    let builtIn = try runOffload(
      ["machine", "optimal", "--tolerance", "1e-9", "--format", "json"] + common)
    #expect(builtIn.exitCode == 0, "\(builtIn.standardError)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(builtIn.standardOutput.utf8)) as? [String: Any])
    let rows = try #require(document["rows"] as? [[String: Any]])
    let report = try #require(rows.first?["report"] as? [String: Any])
    let optimal = try #require(report["optimal"] as? [String: Any])
    let lower = try #require(optimal["lowerBound"] as? Double)
    let upper = try #require(optimal["upperBound"] as? Double)
    let gainLower = try #require(solved["gainLower"] as? Double)
    let gainUpper = try #require(solved["gainUpper"] as? Double)
    #expect(gainLower <= upper && lower <= gainUpper)
    #expect(solved["states"] as? Int == report["stateCount"] as? Int)
  }
}
