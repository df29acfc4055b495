import Foundation

// The seeded fuzzer of every `offload` command (docs/cli-fuzzing.md): it discovers the
// commands and their flags from `--help`, draws invocations from value pools meant to hit
// boundaries and malformed input, runs each with a time limit and checks the exit policy.

/// One option of a command as its `--help` lists it.
struct FuzzOption: Equatable {
  var flag: String
  /// The placeholder after the flag (`<flip-probability>`), nil for a flag without value.
  var valueName: String?
  /// The help text of the option, on one line.
  var help: String
  /// The values listed by `(values: a, b, c; ...)`, if any.
  var choices: [String]
}

/// A leaf command (`machine simulate`) with its options and positional arguments.
struct FuzzCommand: Equatable {
  var path: [String]
  var options: [FuzzOption]
  var positionalNames: [String]
}

/// Parses the help texts of the swift-argument-parser commands.
enum FuzzHelpParser {
  /// The subcommand names of a `SUBCOMMANDS:` section (`help` excluded).
  static func subcommands(_ help: String) -> [String] {
    section("SUBCOMMANDS:", of: help).compactMap { line in
      guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
      // Command names are lower-case words ("  See 'offload help ...'" is not one).
      let name = line.split(separator: " ").first.map(String.init) ?? ""
      let isName =
        name.first?.isLowercase == true
        && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }
      return !isName || name == "help" ? nil : name
    }
  }

  /// The options of an `OPTIONS:` section, `--help` and `--version` excluded.
  static func options(_ help: String) -> [FuzzOption] {
    var options: [FuzzOption] = []
    for line in section("OPTIONS:", of: help) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if line.hasPrefix("  -"), !line.hasPrefix("   ") {
        let words = trimmed.split(separator: " ", omittingEmptySubsequences: true)
        guard let flagWord = words.first(where: { $0.hasPrefix("--") }) else { continue }
        let flag = String(flagWord).trimmingCharacters(in: CharacterSet(charactersIn: ","))
        let placeholder = words.first { $0.hasPrefix("<") }.map(String.init)
        let help = trimmed.components(separatedBy: "  ").dropFirst()
          .joined(separator: " ").trimmingCharacters(in: .whitespaces)
        options.append(FuzzOption(flag: flag, valueName: placeholder, help: help, choices: []))
      } else if !trimmed.isEmpty, !options.isEmpty {
        options[options.count - 1].help += " " + trimmed
      }
    }
    return options.filter { $0.flag != "--help" && $0.flag != "--version" }.map { option in
      var option = option
      option.choices = choices(in: option.help)
      return option
    }
  }

  /// The names of an `ARGUMENTS:` section (`<files>` gives `files`).
  static func positionals(_ help: String) -> [String] {
    section("ARGUMENTS:", of: help).compactMap { line in
      guard line.hasPrefix("  <") else { return nil }
      return line.split(separator: ">").first.map { String($0.dropFirst(3)) }
    }
  }

  /// The lines after `title` up to the next blank-line-separated upper-case title.
  private static func section(_ title: String, of help: String) -> [String] {
    let lines = help.components(separatedBy: "\n")
    guard let start = lines.firstIndex(of: title) else { return [] }
    var body: [String] = []
    for line in lines[(start + 1)...] {
      if let first = line.first, first.isUppercase { break }
      body.append(line)
    }
    return body
  }

  /// `(values: a, b, c; default: a)` gives `[a, b, c]`.
  private static func choices(in help: String) -> [String] {
    guard let range = help.range(of: "(values: ") else { return [] }
    let rest = help[range.upperBound...]
    let end = rest.firstIndex { $0 == ";" || $0 == ")" } ?? rest.endIndex
    return rest[..<end].components(separatedBy: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }.filter { !$0.isEmpty }
  }
}

/// xorshift64*: a small, seeded generator (the fuzzer needs no statistical quality, only
/// the same sequence for the same seed on every platform).
struct FuzzRandom {
  private var state: UInt64

  init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

  mutating func next() -> UInt64 {
    state ^= state >> 12
    state ^= state << 25
    state ^= state >> 27
    return state &* 0x2545_F491_4F6C_DD1D
  }

  /// A uniform index in `0..<count` (count >= 1; the modulo bias is irrelevant here).
  mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }

  mutating func element<T>(_ values: [T]) -> T { values[index(values.count)] }

  mutating func chance(_ probability: Double) -> Bool {
    Double(next() >> 11) / Double(1 << 53) < probability
  }
}

/// One generated invocation.
struct FuzzInvocation {
  var arguments: [String]
  /// stdout goes to /dev/full: a command that succeeds must still fail (it could not
  /// write its result).
  var standardOutputToFullDevice: Bool
  var expectsJSON: Bool

  /// Whether a successful run writes its result to stdout: not with `--output` (a file, or
  /// the directory of `export`) and not for `export`, which writes files only.
  var resultGoesToStandardOutput: Bool {
    !arguments.contains("--output") && !arguments.contains("export")
  }

  /// A shell line that reproduces the run.
  var reproducer: String {
    let quoted = arguments.map { argument -> String in
      let safe = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_.,:/@=+".contains($0) }
      return safe && !argument.isEmpty
        ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
    return "offload " + quoted.joined(separator: " ")
      + (standardOutputToFullDevice ? " > /dev/full" : "")
  }
}

/// Draws invocations: a command, a few of its options with values from pools of boundary,
/// extreme and malformed values, and a light setting for each work-sizing flag the draw did
/// not choose (so that valid runs finish within the time limit).
struct FuzzGenerator {
  let commands: [FuzzCommand]
  let scratch: URL
  var random: FuzzRandom

  /// Work-sizing flags and the light values used when the draw leaves them out.
  static let lightSettings: [String: String] = [
    "--slots": "2000", "--warm-up": "100", "--replications": "2", "--buffer": "10",
    "--age-cap": "20", "--starts": "2", "--tasks": "200", "--q-values": "0.5",
    "--steps": "400", "--warmup": "50", "--users": "5", "--user-counts": "5,10",
    "--arrivals": "2000", "--max-states": "2000",
  ]
  /// Light settings of one command, where a flag means something else elsewhere.
  static let commandLightSettings: [String: [String: String]] = [
    "modes sweep": ["--load": "0.3,0.6"],
    // Without an instance, size-server searches the paper-scale instance by simulation.
    "inference size-server": ["--instance": "T1"],
    // One simulation per point, each with a fixed set-up cost: one policy, one user count.
    "inference figure1": ["--policy": "uniform", "--user-counts": "5"],
    "inference figure2": ["--policy": "uniform"],
  ]
  static let numbers = [
    "0", "1", "2", "0.5", "0.999999", "1e-9", "1e-300", "-0.5", "-1", "3", "7", "50",
    "1e300", "-1e300", "nan", "inf", "-inf", "1e18", "9223372036854775807",
    "99999999999999999999", "4.9e-324", "abc", "", "1,2", "0x10",
  ]
  static let lists = [
    "0.4,0.9", "0.1", "0.1,0.4,0.6,0.9", "0.5,0.5,0.5", "1,1", "0,0", "0.5,nan", "0.5,inf",
    "a,b", "", ",", "0.4,,0.9", "-0.1,0.5", "1e-9,1",
    "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.1,0.2,0.3,0.4",
  ]
  static let ranges = [
    "0.1:0.9:0.2", "0.5", "0.2,0.4", "0.9:0.1:0.1", "0:1:0", "0.1:0.9:1e-12", "1:4:0.5",
    "nan:1:0.1",
    "2,5,10", "a:b:c", "",
  ]
  static let shards = ["1/2", "2/2", "3/8", "0/2", "3/2", "1/0", "auto", "x", "1/9999999999"]
  static let pools = [
    "700@0.04", "700@0.04,6800@0.001", "10@0.3±0.1", "0@0.5", "5@1.5", "x", "1e12@0.1",
  ]

  init(commands: [FuzzCommand], scratch: URL, seed: UInt64) {
    self.commands = commands
    self.scratch = scratch
    random = FuzzRandom(seed: seed)
  }

  mutating func next() -> FuzzInvocation {
    let command = random.element(commands)
    var arguments = command.path
    var chosen: Set<String> = []
    let count = command.options.isEmpty ? 0 : random.index(min(4, command.options.count) + 1)
    for _ in 0..<count {
      let option = random.element(command.options)
      guard !chosen.contains(option.flag) || random.chance(0.1) else { continue }
      chosen.insert(option.flag)
      arguments.append(option.flag)
      if option.valueName != nil { arguments.append(value(for: option)) }
    }
    let commandLight = Self.commandLightSettings[command.path.joined(separator: " ")] ?? [:]
    for option in command.options where !chosen.contains(option.flag) {
      if let light = commandLight[option.flag] ?? Self.lightSettings[option.flag] {
        arguments += [option.flag, light]
      }
    }
    let formats = command.options.first { $0.flag == "--format" }?.choices ?? []
    var expectsJSON = false
    if !chosen.contains("--format"), formats.contains("json"), random.chance(0.4) {
      arguments += ["--format", "json"]
      expectsJSON = true
    } else if let index = arguments.lastIndex(of: "--format"), index + 1 < arguments.count {
      expectsJSON = arguments[index + 1] == "json"
    }
    for name in command.positionalNames {
      arguments += positional(name)
    }
    return FuzzInvocation(
      arguments: arguments, standardOutputToFullDevice: random.chance(0.03),
      expectsJSON: expectsJSON)
  }

  private mutating func value(for option: FuzzOption) -> String {
    if !option.choices.isEmpty {
      return random.chance(0.9) ? random.element(option.choices) : "bogus"
    }
    let name = option.flag + " " + (option.valueName ?? "") + " " + option.help.lowercased()
    if option.flag.contains("svg") || option.flag.contains("output") || option.flag.contains("csv")
      || option.flag.contains("file") || option.valueName == "<path>"
    {
      return random.element([
        scratch.appendingPathComponent("out-\(random.index(1000))").path,
        "/nonexistent-directory/out.svg", "/dev/full", "",
      ])
    }
    if option.flag == "--shard" { return random.element(Self.shards) }
    if option.flag.contains("pool") || option.flag == "--stream" {
      return random.element(Self.pools)
    }
    if name.contains(",...") || name.contains("comma list") || name.contains(" list") {
      return random.element(random.chance(0.7) ? Self.lists : Self.numbers)
    }
    if name.contains("start:stop:step") || name.contains(":stop") || option.flag.hasSuffix("-range")
    {
      return random.element(Self.ranges)
    }
    return random.element(Self.numbers)
  }

  /// Positional arguments (`merge`'s files): existing, missing, empty or garbage files.
  private mutating func positional(_ name: String) -> [String] {
    let files = (0..<random.index(3)).map { index -> String in
      let url = scratch.appendingPathComponent("input-\(random.index(1000))-\(index).csv")
      let contents = random.element([
        "", "a,b\n1,2\n", "value,policy,delay\n0.5,optimal,1.2\n", "garbage\n\u{0}\u{1}",
        "value,policy,delay\n0.5,optimal\n",
      ])
      try? contents.write(to: url, atomically: true, encoding: .utf8)
      return url.path
    }
    return files + (random.chance(0.2) ? ["/nonexistent-directory/part.csv"] : [])
  }
}

/// How one run ended.
struct FuzzOutcome {
  /// nil when the run was killed at the time limit.
  var exitCode: Int32?
  var killedBySignal: Bool
  var standardOutput: String
  var standardError: String
  var seconds: Double
}

/// The bytes of a pipe, read to its end on a background thread (reading stdout and then
/// stderr in turn would block a child that fills the stderr pipe first).
private final class DrainedPipe: @unchecked Sendable {
  /// Written once by the reading thread; read only after the group has finished.
  var data = Data()

  func drain(_ pipe: Pipe, in group: DispatchGroup) {
    DispatchQueue.global().async(group: group) {
      self.data = pipe.fileHandleForReading.readDataToEndOfFile()
    }
  }
}

/// Where fuzzed commands run, so that the files they are told to write (`--prism 1,2`,
/// `--svg x.svg`) land in a temporary folder, never in the checkout.
let fuzzWorkingDirectory: URL = {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "offload-fuzz-\(ProcessInfo.processInfo.processIdentifier)", isDirectory: true)
  try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  return directory
}()

/// Runs `binary` with a time limit in `fuzzWorkingDirectory`, draining both pipes
/// concurrently.
func runWithTimeLimit(
  _ binary: URL, _ invocation: FuzzInvocation, seconds limit: Double
) throws -> FuzzOutcome {
  let process = Process()
  process.executableURL = binary
  process.arguments = invocation.arguments
  process.currentDirectoryURL = fuzzWorkingDirectory
  var environment = ProcessInfo.processInfo.environment
  environment["OPENBLAS_NUM_THREADS"] = "1"
  process.environment = environment
  let output = Pipe()
  let error = Pipe()
  let fullDevice =
    invocation.standardOutputToFullDevice ? FileHandle(forWritingAtPath: "/dev/full") : nil
  if let fullDevice {
    process.standardOutput = fullDevice
  } else {
    process.standardOutput = output
  }
  process.standardError = error
  let start = Date()
  try process.run()
  let group = DispatchGroup()
  let outData = DrainedPipe()
  let errData = DrainedPipe()
  if !invocation.standardOutputToFullDevice { outData.drain(output, in: group) }
  errData.drain(error, in: group)
  var timedOut = false
  // Polled every 5 ms (the latency is irrelevant next to a process launch).
  func wait(seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning {
      if Date() >= deadline { return false }
      usleep(5000)
    }
    return true
  }
  if !wait(seconds: limit) {
    timedOut = true
    process.terminate()
    if !wait(seconds: 5) {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }
  group.wait()
  // Closed here, not left to deinitialisation: thousands of runs leaked descriptors until
  // Process.run crashed copying the list of open descriptors (about 1360 of them).
  for handle in [
    output.fileHandleForReading, output.fileHandleForWriting, error.fileHandleForReading,
    error.fileHandleForWriting, fullDevice,
  ] {
    try? handle?.close()
  }
  return FuzzOutcome(
    exitCode: timedOut ? nil : process.terminationStatus,
    killedBySignal: !timedOut && process.terminationReason == .uncaughtSignal,
    standardOutput: String(decoding: outData.data, as: UTF8.self),
    standardError: String(decoding: errData.data, as: UTF8.self),
    seconds: Date().timeIntervalSince(start))
}

/// The checks of every run: no signal, no time-out, an exit code of the exit policy, JSON
/// that parses, no NaN or infinity in stdout, and a failed write reported as a failure.
enum FuzzOracle {
  static let allowedExitCodes: Set<Int32> = [0, 1, 2, 64]

  /// A non-finite number as printed by Swift or C (`nan`, `-inf`, `inf`, `infinity`),
  /// standing alone (not part of a word such as "infinite" or "information").
  static let nonFinite = try? NSRegularExpression(
    pattern: "(?<![A-Za-z_])[-+]?(nan|inf|infinity)(?![A-Za-z_])", options: [.caseInsensitive])

  /// What is wrong with a run, in one line each (empty: nothing).
  static func problems(_ invocation: FuzzInvocation, _ outcome: FuzzOutcome) -> [String] {
    guard let code = outcome.exitCode else {
      return ["no exit within \(Int(outcome.seconds)) s (killed at the time limit)"]
    }
    if outcome.killedBySignal {
      let lastLine = outcome.standardError.split(separator: "\n").first ?? ""
      return ["killed by signal \(code): \(lastLine)"]
    }
    var problems: [String] = []
    if !allowedExitCodes.contains(code) {
      problems.append("exit code \(code), not one of 0, 1, 2, 64")
    }
    // Only where /dev/full is the device: a program elsewhere on the machine that replaced
    // it by a file would make every write succeed.
    if invocation.standardOutputToFullDevice && code == 0
      && invocation.resultGoesToStandardOutput && ModesHonestyTests.fullDeviceIsADevice
    {
      problems.append("exit code 0 although stdout (/dev/full) could not be written")
    }
    let text = outcome.standardOutput
    if let regex = nonFinite,
      let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
      let range = Range(match.range, in: text)
    {
      let line = text[..<range.lowerBound].split(separator: "\n").last ?? ""
      problems.append("stdout prints '\(text[range])' (after: \(line.suffix(60)))")
    }
    if invocation.expectsJSON && (code == 0 || code == 2) && !text.isEmpty {
      let data = Data(text.utf8)
      if (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil {
        problems.append("stdout is not valid JSON although --format json was given")
      }
    }
    return problems
  }
}

/// A command tree deeper than any real one: the help parser misread a line.
struct FuzzDiscoveryError: Error, CustomStringConvertible {
  var path: [String]
  var description: String { "command discovery went too deep: \(path)" }
}

/// Discovers every leaf command below the root by walking the `SUBCOMMANDS:` sections.
func discoverCommands(help: ([String]) throws -> String) throws -> [FuzzCommand] {
  var leaves: [FuzzCommand] = []
  var pending: [[String]] = [[]]
  while let path = pending.popLast() {
    guard path.count <= 4 else { throw FuzzDiscoveryError(path: path) }
    let text = try help(path + ["--help"])
    let children = FuzzHelpParser.subcommands(text)
    if children.isEmpty {
      leaves.append(
        FuzzCommand(
          path: path, options: FuzzHelpParser.options(text),
          positionalNames: FuzzHelpParser.positionals(text)))
    } else {
      pending += children.map { path + [$0] }
    }
  }
  return leaves.sorted { $0.path.joined(separator: " ") < $1.path.joined(separator: " ") }
}
