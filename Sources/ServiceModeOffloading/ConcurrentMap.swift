import Dispatch

/// `(0..<count).map(transform)` computed on up to `threads` threads. Each element is
/// computed by exactly one call and stored at its own index, so the result does not depend
/// on the thread count or on scheduling.
/// - Complexity: `count` calls of `transform`.
func concurrentMap<T: Sendable>(
  _ count: Int, threads: Int, _ transform: @Sendable (Int) -> T
) -> [T] {
  let slots = Slots<T>(count: count)
  DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
    while let index = slots.claim() {
      slots.store(transform(index), at: index)
    }
  }
  return slots.values()
}

/// A counter shared by threads (for progress reports).
final class Counter: @unchecked Sendable {
  private var count = 0
  private let lock = DispatchSemaphore(value: 1)

  /// Adds one and returns the new count.
  func increment() -> Int {
    lock.wait()
    defer { lock.signal() }
    count += 1
    return count
  }
}

/// Result slots and a shared counter of the next unclaimed index, behind one lock.
private final class Slots<T: Sendable>: @unchecked Sendable {
  private var results: [T?]
  private var next = 0
  private let lock = DispatchSemaphore(value: 1)

  init(count: Int) { results = [T?](repeating: nil, count: count) }

  func claim() -> Int? {
    lock.wait()
    defer { lock.signal() }
    guard next < results.count else { return nil }
    next += 1
    return next - 1
  }

  func store(_ value: T, at index: Int) {
    lock.wait()
    defer { lock.signal() }
    results[index] = value
  }

  func values() -> [T] {
    results.enumerated().map { index, value in
      guard let value else { preconditionFailure("slot \(index) was not computed") }
      return value
    }
  }
}
