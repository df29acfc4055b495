import Foundation

/// Progress lines on stderr for long runs: silent for the first `delay` seconds (short runs
/// print nothing), then at most one line per `interval` seconds. Thread-safe.
final class ProgressReporter: @unchecked Sendable {
  private let label: String
  private let delay: Double
  private let interval: Double
  private let start = Date()
  private var lastReport: Date?
  private let lock = NSLock()

  init(_ label: String, delay: Double = 2, interval: Double = 2) {
    self.label = label
    self.delay = delay
    self.interval = interval
  }

  /// Prints `"label: message (N s)"` if the run is long enough and the last line is old
  /// enough; `message` is only evaluated then.
  func report(_ message: @autoclosure () -> String) {
    lock.lock()
    defer { lock.unlock() }
    let now = Date()
    let elapsed = now.timeIntervalSince(start)
    guard elapsed >= delay, lastReport.map({ now.timeIntervalSince($0) >= interval }) ?? true
    else { return }
    lastReport = now
    printToStandardError("\(label): \(message()) (\(Int(elapsed)) s)")
  }

  /// A value-iteration progress callback reporting sweeps and the certified bound.
  var solverCallback: @Sendable (Int, Double) -> Void {
    { [self] iterations, bound in
      report("\(iterations) sweeps, certified bound \(String(format: "%.2e", bound))")
    }
  }
}
