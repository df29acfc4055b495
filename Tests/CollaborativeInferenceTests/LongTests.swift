import Foundation

/// Whether the long reference checks run (tens of seconds each in a debug build, a few in
/// release): always in an optimised build (`swift test -c release`), in a debug build only
/// with `OFFLOADLAB_LONG_TESTS=1`. Docs: docs/collaborative-inference.md §9.
enum LongTests {
  static var enabled: Bool {
    #if DEBUG
      return ProcessInfo.processInfo.environment["OFFLOADLAB_LONG_TESTS"] == "1"
    #else
      return true
    #endif
  }
}
