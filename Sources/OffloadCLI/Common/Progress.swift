import Foundation

/// Progress lines on stderr for long runs: silent for the first `delay` seconds (short runs
/// print nothing), then at most one line per `interval` seconds. Thread-safe.
///
/// Every line names what is running (`label`), says how far it is and, where the work has a
/// known end, estimates the time left (docs/cli.md, "Progress").
final class ProgressReporter: @unchecked Sendable {
  private let label: String
  private let delay: Double
  private let interval: Double
  private let start = Date()
  private var lastReport: Date?
  private var firstBound: (bound: Double, seconds: Double)?
  private let lock = NSLock()

  init(_ label: String, delay: Double = 2, interval: Double = 2) {
    self.label = label
    self.delay = delay
    self.interval = interval
  }

  /// Prints `"label: message (N s)"` if the run is long enough and the last line is old
  /// enough; `message` is only evaluated then.
  func report(_ message: @autoclosure () -> String) {
    report(elapsed: { _ in message() })
  }

  /// `report` with a message built from the seconds elapsed (for estimates of the time
  /// left).
  func report(elapsed message: (_ elapsed: Double) -> String) {
    lock.lock()
    defer { lock.unlock() }
    let now = Date()
    let elapsed = now.timeIntervalSince(start)
    guard elapsed >= delay, lastReport.map({ now.timeIntervalSince($0) >= interval }) ?? true
    else { return }
    lastReport = now
    printToStandardError("\(label): \(message(elapsed)) (\(Int(elapsed)) s)")
  }

  /// `report` for a count of finished items out of `total`, with the time left estimated
  /// from the mean time per item so far.
  func report(finished: Int, of total: Int, _ detail: String = "") {
    report(elapsed: { elapsed in
      let left = Double(total - finished) * elapsed / Double(max(1, finished))
      return "\(finished)/\(total) done" + (detail.isEmpty ? "" : ", \(detail)")
        + ", about \(Self.duration(left)) left"
    })
  }

  /// A value-iteration progress callback reporting the sweeps, the certified bound, the
  /// `target` it must fall below and the time left, estimated by extrapolating the bound's
  /// geometric decay since the first report to `target`.
  func solverCallback(target: Double, targetText: String) -> @Sendable (Int, Double) -> Void {
    { [self] iterations, bound in
      report(elapsed: { elapsed in
        var line =
          "\(iterations) sweeps, certified bound \(String(format: "%.2e", bound)), target "
          + targetText
        if let estimate = timeLeft(bound: bound, target: target, elapsed: elapsed) {
          line += ", about \(Self.duration(estimate)) left"
        }
        return line
      })
    }
  }

  /// Seconds until `bound` reaches `target` at its log-linear rate since the first bound
  /// seen (nil until the rate is known). Called under the lock.
  private func timeLeft(bound: Double, target: Double, elapsed: Double) -> Double? {
    guard bound.isFinite, bound > 0, target > 0 else { return nil }
    guard let first = firstBound else {
      firstBound = (bound, elapsed)
      return nil
    }
    guard bound < first.bound, elapsed > first.seconds else { return nil }
    if bound <= target { return 0 }
    let rate = log(first.bound / bound) / (elapsed - first.seconds)
    return log(bound / target) / rate
  }

  /// `12 s`, `3.5 min` or `1.2 h`.
  static func duration(_ seconds: Double) -> String {
    if seconds < 90 { return "\(Int(seconds.rounded())) s" }
    if seconds < 5400 { return String(format: "%.1f min", seconds / 60) }
    return String(format: "%.1f h", seconds / 3600)
  }
}
