import Foundation
import Testing

/// The `--help` text of every command against a reviewed golden file in `Tests/HelpGoldens/`
/// (one file per command path, e.g. `modes-solve.txt`; `offload.txt` for the root; outside
/// the test target's folder, so the build does not treat them as sources).
///
/// The commands are discovered from the SUBCOMMANDS sections of the help texts, so a new
/// family is covered as soon as it is registered. To create or update goldens after a
/// deliberate change of a help text, run the suite with `OFFLOAD_WRITE_HELP_GOLDENS=1`,
/// then review the diff of `Tests/HelpGoldens/` before committing it.
@Suite("offload --help: golden texts")
struct HelpGoldenTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("HelpGoldens", isDirectory: true)

  /// A fixed width, so that the wrapping does not depend on the terminal.
  static let environment = ["COLUMNS": "100"]

  /// The help text of `path` (`[]` for the root).
  private func help(_ path: [String]) throws -> String {
    let result = try runOffload(path + ["--help"], environment: Self.environment)
    #expect(result.exitCode == 0, "offload \(path.joined(separator: " ")) --help")
    return result.standardOutput
  }

  /// The subcommand names listed in a help text's SUBCOMMANDS section.
  private func subcommands(_ text: String) -> [String] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
    return lines[(start + 1)...].prefix { !$0.isEmpty }
      .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
      .compactMap { $0.split(separator: " ").first.map(String.init) }
      .filter { $0 != "help" }
  }

  /// Every command path, root first, depth first.
  private func commands() throws -> [(path: [String], text: String)] {
    var found: [(path: [String], text: String)] = []
    var pending: [[String]] = [[]]
    while let path = pending.popLast() {
      let text = try help(path)
      found.append((path, text))
      pending += subcommands(text).reversed().map { path + [$0] }
    }
    return found
  }

  @Test func everyCommandHelpMatchesItsGolden() throws {
    let write = ProcessInfo.processInfo.environment["OFFLOAD_WRITE_HELP_GOLDENS"] == "1"
    let commands = try commands()
    // The three model families and merge, with their subcommands, at least.
    #expect(commands.count >= 21)
    for (path, text) in commands {
      let name = path.isEmpty ? "offload" : path.joined(separator: "-")
      let file = Self.folder.appendingPathComponent(name + ".txt")
      if write {
        try FileManager.default.createDirectory(
          at: Self.folder, withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
        continue
      }
      let golden = try? String(contentsOf: file, encoding: .utf8)
      let message =
        "offload \(path.joined(separator: " ")) --help differs from Tests/HelpGoldens/\(name).txt "
        + "(missing or changed; regenerate with OFFLOAD_WRITE_HELP_GOLDENS=1 and review)"
      #expect(golden == text, Comment(rawValue: message))
    }
  }

  /// No help text advertises a flag that no command accepts (as the root once advertised
  /// `--blas-threads`): every `--flag` a help text mentions is listed in the OPTIONS
  /// section of some command (a text may name another command's flag, as merge names
  /// sweep's `--shard`).
  @Test func helpTextsMentionOnlyRealFlags() throws {
    let commands = try commands()
    func declared(_ text: String) -> Set<String> {
      Set(
        text.split(separator: "\n").filter { $0.hasPrefix("  -") }.flatMap { line in
          line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "=" })
            .filter { $0.hasPrefix("--") }.map(String.init)
        })
    }
    let accepted = commands.map { declared($0.text) }.reduce(Set(["--help", "--version"])) {
      $0.union($1)
    }
    #expect(accepted.contains("--format") && accepted.contains("--load"))
    for (path, text) in commands {
      let mentioned = text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-") })
        .filter { $0.hasPrefix("--") && $0.count > 2 }.map(String.init)
      for flag in mentioned {
        #expect(
          accepted.contains(flag), "offload \(path.joined(separator: " ")) --help names \(flag)")
      }
    }
  }
}
