import Foundation
import Testing

/// The `mdp`, `batch` and `inference` families on the shared output kit (docs/cli.md,
/// "Formats", "Self-describing outputs", "Warnings and --strict"): every JSON document
/// carries `provenance` and `warnings`, every CSV row `offload_version`, the table format
/// starts with the provenance caption, `--output` writes the same bytes as stdout, and a
/// result that cannot be written exits non-zero.
@Suite("output kit of the mdp, batch and inference families")
struct FamilyOutputKitTests {
  /// A scratch folder holding a two-state chain (a DTMC in Storm's variant), a two-state
  /// MDP whose two choices in state 0 lead to states 0 and 1, and a policy file.
  private func scratchFolder() throws -> ScratchFolder {
    let folder = try ScratchFolder(prefix: "family-kit")
    try folder.write("dtmc\n0 0 0.5\n0 1 0.5\n1 0 0.2\n1 1 0.8\n", "c.tra")
    try folder.write("mdp\n0 0 0 1\n0 1 1 1\n1 0 0 1\n", "m.tra")
    try folder.write("0 1\n", "m.srew")
    try folder.write("state,action\n0,1\n1,0\n", "p.csv")
    return folder
  }

  /// One cheap run of every command of the three families, and the `command` its
  /// provenance must name. `{dir}` stands for the scratch folder.
  static let commands: [(command: String, arguments: [String])] = [
    ("mdp solve", ["mdp", "solve", "--prism", "{dir}/m", "--discount", "0.5"]),
    (
      "mdp evaluate",
      [
        "mdp", "evaluate", "--prism", "{dir}/m", "--policy", "{dir}/p.csv",
        "--discount", "0.5",
      ]
    ),
    ("mdp stationary", ["mdp", "stationary", "--prism", "{dir}/c"]),
    ("batch solve", ["batch", "solve", "--max-batch", "3"]),
    ("batch simulate", ["batch", "simulate", "--replications", "2", "--arrivals", "1000"]),
    ("batch table", ["batch", "table", "--laws", "exp", "--pairs", "1:3"]),
    ("inference exact", ["inference", "exact", "--instance", "T1", "--policy", "uniform"]),
    (
      "inference simulate",
      [
        "inference", "simulate", "--instance", "T1", "--policy", "uniform",
        "--steps", "300", "--warmup", "10", "--batches", "2",
      ]
    ),
    (
      "inference size-server",
      [
        "inference", "size-server", "--cpu-grid", "1", "--memory-grid",
        "2",
      ]
    ),
    (
      "inference figure2",
      [
        "inference", "figure2", "--users", "5", "--capacities", "1",
        "--policy", "uniform", "--steps", "300", "--warmup", "10", "--batches", "2",
      ]
    ),
  ]

  /// The commands that take under a second in a debug build (the exact inference ones
  /// take half a minute: they run only in the JSON test).
  static let quick = commands.indices.filter {
    !["inference exact", "inference size-server"].contains(commands[$0].command)
  }

  /// The arguments of command `index`, `{dir}` replaced by `folder`.
  private func arguments(_ index: Int, in folder: ScratchFolder) -> [String] {
    Self.commands[index].arguments.map {
      $0.replacingOccurrences(of: "{dir}", with: folder.url.path)
    }
  }

  private func run(_ index: Int, _ extra: [String], in folder: ScratchFolder) throws -> CLIResult {
    try runOffload(arguments(index, in: folder) + extra)
  }

  /// The version `offload --version` prints (every CSV row and JSON document carries it).
  private static let version =
    (try? runOffload(["--version"]))?.standardOutput
    .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"

  @Test(arguments: 0..<commands.count)
  func jsonCarriesProvenanceAndWarnings(index: Int) throws {
    let folder = try scratchFolder()
    let result = try run(index, ["--format", "json"], in: folder)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    let provenance = try #require(document["provenance"] as? [String: Any])
    #expect(provenance["tool"] as? String == "offload")
    #expect(provenance["version"] as? String == Self.version)
    #expect(provenance["command"] as? String == Self.commands[index].command)
    #expect(provenance["parameters"] is [String: Any])
    // Every warning on stderr is in the document, and nothing else is.
    let warnings = try #require(document["warnings"] as? [String])
    let stderrWarnings = result.standardError.split(separator: "\n")
      .filter { $0.hasPrefix("warning: ") }.map { String($0.dropFirst(9)) }
    #expect(warnings == stderrWarnings)
  }

  @Test(arguments: quick)
  func csvRowsCarryTheVersionAndTableStartsWithTheCaption(index: Int) throws {
    let folder = try scratchFolder()
    let csv = try run(index, ["--format", "csv"], in: folder)
    #expect(csv.exitCode == 0, "\(csv.standardError)")
    let lines = csv.standardOutput.split(separator: "\n")
    #expect(lines.count >= 2)
    #expect(lines.first?.hasSuffix(",offload_version") == true)
    // Column names are unique, so a data frame keeps every name as written.
    let columns = (lines.first ?? "").split(separator: ",").map(String.init)
    #expect(Set(columns).count == columns.count, "repeated columns in \(columns)")
    for line in lines.dropFirst() { #expect(line.hasSuffix("," + Self.version)) }
    let table = try run(index, [], in: folder)
    #expect(table.exitCode == 0, "\(table.standardError)")
    #expect(
      table.standardOutput.hasPrefix(
        "# offload \(Self.version) \(Self.commands[index].command): "))
  }

  /// `--output FILE` writes exactly what stdout would show, and prints nothing.
  @Test(arguments: quick)
  func outputFlagWritesTheFile(index: Int) throws {
    let folder = try scratchFolder()
    let standard = try run(index, ["--format", "csv"], in: folder)
    let written = try run(
      index, ["--format", "csv", "--output", folder.path("out.csv")], in: folder)
    #expect(written.exitCode == 0, "\(written.standardError)")
    #expect(written.standardOutput.isEmpty)
    #expect(
      try String(contentsOf: folder.file("out.csv"), encoding: .utf8) == standard.standardOutput)
  }

  /// An `--output` whose folder does not exist is refused before any work (exit 64).
  @Test(arguments: quick)
  func unwritableOutputExits64(index: Int) throws {
    let folder = try scratchFolder()
    let result = try run(index, ["--output", "/nonexistent-folder/out.csv"], in: folder)
    #expect(result.exitCode == 64)
    #expect(
      result.standardError.contains(
        "invalid value '/nonexistent-folder/out.csv' for --output: the folder "
          + "'/nonexistent-folder' does not exist"))
    #expect(result.standardOutput.isEmpty)
  }

  /// stdout on a full disk (/dev/full accepts no byte): exit 1 with a message, never a
  /// silent success. (Only where /dev/full is the device.)
  @Test(.enabled(if: fullDeviceIsADevice), arguments: quick)
  func fullStandardOutputExitsOne(index: Int) throws {
    let folder = try scratchFolder()
    let process = Process()
    process.executableURL = productsDirectory.appendingPathComponent("offload")
    process.arguments = arguments(index, in: folder) + ["--format", "json"]
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
    let error = Pipe()
    process.standardError = error
    try process.run()
    let message = String(
      decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 1)
    #expect(message.contains("error: cannot write the result to standard output"))
  }

  /// A warning goes to stderr and into JSON `warnings`; `--strict` turns it into exit 2,
  /// the result still written. `batch solve --max-terms 1` lists one term of distributions
  /// whose mass beyond n = 0 is positive (M/M/1 with rho = 0.5: 1/2), hence the warning.
  @Test func strictTurnsAWarningIntoExitTwo() throws {
    let arguments = [
      "batch", "solve", "--arrival-rate", "0.5", "--max-batch", "1", "--service-rates", "1",
      "--max-terms", "1", "--format", "json",
    ]
    let lenient = try runOffload(arguments)
    #expect(lenient.exitCode == 0, "\(lenient.standardError)")
    #expect(lenient.standardError.contains("warning: the distributions are listed up to n = 0"))
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(lenient.standardOutput.utf8)) as? [String: Any])
    let warnings = try #require(document["warnings"] as? [String])
    #expect(warnings.count == 1)
    #expect(warnings.first?.hasSuffix("the mass beyond is 0.5") == true)
    let strict = try runOffload(arguments + ["--strict"])
    #expect(strict.exitCode == 2)
    #expect(strict.standardError.contains("error: --strict: 1 warning issued"))
    #expect(strict.standardOutput == lenient.standardOutput)
  }

  /// The shards of an inference figure sweep merge (`offload merge`, any order) into the
  /// CSV of the unsharded run, byte for byte; a shard that would be empty exits 64.
  @Test func inferenceFigureShardsMergeIntoTheUnshardedRun() throws {
    let folder = try scratchFolder()
    let sweep = [
      "inference", "figure2", "--users", "5", "--capacities", "1,2,3", "--policy", "uniform",
      "--steps", "300", "--warmup", "10", "--batches", "2",
    ]
    let whole = try runOffload(sweep + ["--format", "csv"])
    #expect(whole.exitCode == 0, "\(whole.standardError)")
    var parts: [String] = []
    for index in 1...2 {
      let path = folder.path("part\(index).csv")
      let shard = try runOffload(sweep + ["--shard", "\(index)/2", "--output", path])
      #expect(shard.exitCode == 0, "\(shard.standardError)")
      parts.append(path)
    }
    let merged = try runOffload(["merge"] + parts.reversed())
    #expect(merged.exitCode == 0, "\(merged.standardError)")
    #expect(merged.standardOutput == whole.standardOutput)
    let empty = try runOffload(sweep + ["--shard", "4/4"])
    #expect(empty.exitCode == 64)
    #expect(empty.standardError.contains("this sweep has 3 points, so shard 4 would be empty"))
  }

  static var fullDeviceIsADevice: Bool {
    let type = try? FileManager.default.attributesOfItem(atPath: "/dev/full")[.type]
    return type as? FileAttributeType == .typeCharacterSpecial
  }
}
