import Foundation

/// A fresh folder under the temporary directory for one test, removed when released.
final class ScratchFolder {
  let url: URL

  init(prefix: String) throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  func file(_ name: String) -> URL { url.appendingPathComponent(name) }

  func path(_ name: String) -> String { file(name).path }

  func write(_ text: String, _ name: String) throws {
    try Data(text.utf8).write(to: file(name))
  }

  /// Writes the raw bytes of `values` (the model directory's little-endian arrays).
  func write<T>(_ values: [T], _ name: String) throws {
    try values.withUnsafeBytes { Data($0) }.write(to: file(name))
  }
}
