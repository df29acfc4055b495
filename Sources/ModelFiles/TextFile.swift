import Foundation

/// A text model file split into lines of whitespace-separated tokens, with typed field
/// readers whose errors name the file, the line and the value (docs/model-format.md §3).
struct TextFile {
  /// One non-blank line: its 1-based number and the byte ranges of its tokens.
  struct Line {
    let number: Int
    let tokens: Tokens
  }

  /// A line's token ranges, indexed from 0 (a view of the file's one token array, so that
  /// a million lines cost no million allocations).
  struct Tokens: RandomAccessCollection {
    fileprivate let storage: ArraySlice<Range<Int>>
    var startIndex: Int { 0 }
    var endIndex: Int { storage.count }
    subscript(position: Int) -> Range<Int> { storage[storage.startIndex + position] }
  }

  let path: String
  /// The file's bytes followed by one NUL (so that `strtod` stops at the end).
  private let bytes: [UInt8]
  /// Lines with at least one token, comments (`#` first) left out unless kept.
  let lines: [Line]

  /// Reads and tokenizes `path`. Lines whose first token starts with `#` are skipped
  /// unless `keepingHashLines` (the `.lab` keywords `#DECLARATION`, `#END`).
  /// - Throws: `.unreadable`, or `.binaryContent` naming the line of the first NUL byte or
  ///   invalid UTF-8 sequence.
  init(path: String, keepingHashLines: Bool = false) throws(ModelFileError) {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw ModelFileError(
        .unreadable, file: path, nil, value: path, problem: "cannot read the file")
    }
    var bytes = [UInt8](data)
    if let bad = Self.firstNonText(bytes) {
      let line = 1 + bytes[..<bad].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
      throw ModelFileError(
        .binaryContent, file: path, .line(line),
        value: String(format: "0x%02X", bytes[bad]),
        problem: "binary content in a text file (a NUL byte or invalid UTF-8)")
    }
    bytes.append(0)
    var tokens: [Range<Int>] = []
    var spans: [(number: Int, first: Int)] = []
    var number = 1
    var lineStart = 0
    var index = 0
    let end = bytes.count - 1
    func finishLine() {
      guard tokens.count > lineStart else { return }
      if bytes[tokens[lineStart].lowerBound] == UInt8(ascii: "#") && !keepingHashLines {
        tokens.removeSubrange(lineStart...)
      } else {
        spans.append((number, lineStart))
      }
      lineStart = tokens.count
    }
    while index < end {
      let byte = bytes[index]
      if byte == 10 {
        finishLine()
        number += 1
        index += 1
      } else if byte == 32 || byte == 9 || byte == 13 {
        index += 1
      } else {
        let start = index
        while index < end, bytes[index] != 10, bytes[index] != 32, bytes[index] != 9,
          bytes[index] != 13
        {
          index += 1
        }
        tokens.append(start..<index)
      }
    }
    finishLine()
    let storage = tokens
    self.lines = spans.indices.map { position in
      let upper = position + 1 < spans.count ? spans[position + 1].first : storage.count
      return Line(
        number: spans[position].number,
        tokens: Tokens(storage: storage[spans[position].first..<upper]))
    }
    self.path = path
    self.bytes = bytes
  }

  /// The index of the first NUL byte or the start of the first invalid UTF-8 sequence.
  private static func firstNonText(_ bytes: [UInt8]) -> Int? {
    if let nul = bytes.firstIndex(of: 0) { return nul }
    if bytes.allSatisfy({ $0 < 0x80 }) { return nil }
    var index = 0
    while index < bytes.count {
      let lead = bytes[index]
      let length: Int
      switch lead {
      case 0x00...0x7F: length = 1
      case 0xC2...0xDF: length = 2
      case 0xE0...0xEF: length = 3
      case 0xF0...0xF4: length = 4
      default: return index
      }
      guard index + length <= bytes.count else { return index }
      for offset in 1..<max(1, length) where bytes[index + offset] & 0xC0 != 0x80 {
        return index
      }
      index += length
    }
    return nil
  }

  /// The text of a token.
  func text(_ token: Range<Int>) -> String {
    String(decoding: bytes[token], as: UTF8.self)
  }

  /// The whole line as written (tokens joined by one space), for messages.
  func text(of line: Line) -> String {
    line.tokens.map(text).joined(separator: " ")
  }

  func error(
    _ kind: ModelFileError.Kind, _ line: Line, _ value: String, _ problem: String
  ) -> ModelFileError {
    ModelFileError(kind, file: path, .line(line.number), value: value, problem: problem)
  }

  /// Checks that `line` has a field count in `counts`, naming the expected layout.
  func requireFields(_ line: Line, _ counts: ClosedRange<Int>, layout: String)
    throws(ModelFileError)
  {
    guard counts.contains(line.tokens.count) else {
      throw error(
        line.tokens.count < counts.lowerBound ? .truncated : .syntax, line, text(of: line),
        "expected \(counts.lowerBound == counts.upperBound ? "" : "\(counts.lowerBound) to ")"
          + "\(counts.upperBound) fields '\(layout)', found \(line.tokens.count)")
    }
  }

  /// A non-negative decimal integer at most `ModelFileLimits.maximumCount`.
  func index(_ line: Line, _ field: Int, name: String) throws(ModelFileError) -> Int {
    let token = line.tokens[field]
    var value = 0
    for position in token {
      let byte = bytes[position]
      guard byte >= 48, byte <= 57 else {
        throw error(.syntax, line, text(token), "\(name) must be a non-negative integer")
      }
      value = value * 10 + Int(byte - 48)
      guard value <= ModelFileLimits.maximumCount else {
        throw error(
          .outOfRange, line, text(token),
          "\(name) exceeds the limit \(ModelFileLimits.maximumCount)")
      }
    }
    return value
  }

  /// A finite decimal number (`0.5`, `.5`, `5e-3`; no `inf`, `nan` or hexadecimal).
  func number(_ line: Line, _ field: Int, name: String) throws(ModelFileError) -> Double {
    let token = line.tokens[field]
    let allowed = token.allSatisfy { position in
      switch bytes[position] {
      case 48...57, UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"),
        UInt8(ascii: "-"):
        return true
      default: return false
      }
    }
    let parsed: Double? =
      allowed
      ? bytes.withUnsafeBufferPointer { buffer -> Double? in
        guard let base = buffer.baseAddress else { return nil }
        let start = UnsafeMutableRawPointer(mutating: base + token.lowerBound)
          .assumingMemoryBound(to: CChar.self)
        var end: UnsafeMutablePointer<CChar>?
        let value = strtod(start, &end)
        guard let end, end == start + token.count else { return nil }
        return value
      } : nil
    guard let parsed else {
      let spelled = text(token).lowercased().trimmingCharacters(
        in: CharacterSet(charactersIn: "+-"))
      let kind: ModelFileError.Kind =
        ["nan", "inf", "infinity"].contains(spelled) ? .notFinite : .syntax
      throw error(kind, line, text(token), "\(name) must be a finite decimal number")
    }
    guard parsed.isFinite else {
      throw error(.notFinite, line, text(token), "\(name) must be finite")
    }
    return parsed
  }
}
