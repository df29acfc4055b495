import Foundation

/// The tool's version, printed by `offload --version` and carried by every CSV and JSON
/// output (docs/cli.md, "Self-describing outputs").
let toolVersion = "0.7.0"

/// One input value of a run, as it travels with the output.
enum ParameterValue: Encodable, Sendable, Equatable {
  case number(Double)
  case integer(Int)
  case text(String)
  case flag(Bool)
  case numbers([Double])

  /// The value as one CSV cell (lists joined by `;` so the cell needs no quoting).
  var cell: String {
    switch self {
    case .number(let value): return formatNumber(value)
    case .integer(let value): return String(value)
    case .text(let value): return value
    case .flag(let value): return value ? "true" : "false"
    case .numbers(let values): return values.map(formatNumber).joined(separator: ";")
    }
  }

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .number(let value):
      if value.isFinite {
        try container.encode(value)
      } else {
        try container.encode(formatNumber(value))
      }
    case .integer(let value): try container.encode(value)
    case .text(let value): try container.encode(value)
    case .flag(let value): try container.encode(value)
    case .numbers(let values): try container.encode(values.map { ParameterValue.number($0) })
    }
  }
}

/// What produced an output: the tool, its version, the command and every parameter the
/// result depends on (defaults included), in a stable order.
///
/// JSON documents carry it under the key `provenance`; CSV rows carry each parameter as a
/// trailing column plus an `offload_version` column, so that any single row read by a
/// notebook says what produced it.
struct Provenance: Encodable, Sendable, Equatable {
  let command: String
  let parameters: [(name: String, value: ParameterValue)]
  /// Parameters whose value varies by row (a sweep's swept options): CSV tables carry them
  /// as leading columns, so `describing` does not repeat them as trailing ones.
  var perRow: [String] = []

  /// - Parameter perRow: the names of `parameters` that a CSV row gives by its own
  ///   leading column (a swept list), left out of the trailing columns.
  init(
    command: String, parameters: [(name: String, value: ParameterValue)], perRow: [String] = []
  ) {
    self.command = command
    self.parameters = parameters
    self.perRow = perRow
  }

  static func == (left: Provenance, right: Provenance) -> Bool {
    left.command == right.command
      && left.parameters.map(\.name) == right.parameters.map(\.name)
      && left.parameters.map(\.value) == right.parameters.map(\.value)
  }

  private struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    try container.encode("offload", forKey: Key(stringValue: "tool"))
    try container.encode(toolVersion, forKey: Key(stringValue: "version"))
    try container.encode(command, forKey: Key(stringValue: "command"))
    var values = container.nestedContainer(
      keyedBy: Key.self, forKey: Key(stringValue: "parameters"))
    for parameter in parameters {
      try values.encode(parameter.value, forKey: Key(stringValue: parameter.name))
    }
  }

  /// A 16-hex-digit FNV-1a hash of the command and every parameter name and value: equal
  /// for two runs exactly when their parameter sets are equal, whatever the process (unlike
  /// `Hasher`, it is not seeded). Shard CSVs carry it so that `merge` can refuse shards of
  /// different runs.
  var parameterHash: String {
    let text =
      ([command, toolVersion] + parameters.map { "\($0.name)=\($0.value.cell)" })
      .joined(separator: "\n")
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }

  /// The one-line caption printed above human-readable tables.
  var caption: String {
    "# offload \(toolVersion) \(command): "
      + parameters.map { "\($0.name)=\($0.value.cell)" }.joined(separator: " ")
  }
}

extension TextTable {
  /// The table with one trailing column per parameter and an `offload_version` column,
  /// every row carrying the same values (the CSV convention of docs/cli.md). A parameter
  /// whose name is already a result column (e.g. inference's `policy` setting beside each
  /// row's scheduler) is named `param_<name>`, so every column name is unique.
  func describing(_ provenance: Provenance) -> TextTable {
    let constant = provenance.parameters.filter { !provenance.perRow.contains($0.name) }
    let names = constant.map { header.contains($0.name) ? "param_" + $0.name : $0.name }
    var table = TextTable(header: header + names + ["offload_version"])
    let cells = constant.map(\.value.cell) + [toolVersion]
    for row in rows { table.append(row + cells) }
    return table
  }
}
