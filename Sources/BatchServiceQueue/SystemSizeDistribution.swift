import Foundation

/// A distribution of the number of tasks `N` on `n = 0, 1, 2, ...`: listed up to
/// `head.count - 1`, geometric beyond, `P(N = head.count + j) = tailFirst · tailRatio^j`
/// (the closed-form tail of spec Q3.1 Step 2 and Q4.2; no tail for finite chains).
///
/// Tail sums are closed forms (spec Q5, docs/batch-queue.md §5), so no truncation is ever
/// needed. All sums are O(head.count).
public struct SystemSizeDistribution: Sendable, Equatable {
  /// `P(N = n)` for `n < head.count`.
  public let head: [Double]
  /// `P(N = head.count)`; 0 for a finite support.
  public let tailFirst: Double
  /// The geometric ratio of the tail (σ); 0 for a finite support.
  public let tailRatio: Double

  public init(head: [Double], tailFirst: Double = 0, tailRatio: Double = 0) {
    precondition(tailRatio >= 0 && tailRatio < 1, "tail ratio \(tailRatio) must be in [0, 1)")
    self.head = head
    self.tailFirst = tailFirst
    self.tailRatio = tailRatio
  }

  /// Whether the support is `0..<head.count` (no geometric tail).
  public var isFinite: Bool { tailFirst == 0 }

  /// `P(N = n)`; `σ^j` is formed by `pow`, which underflows harmlessly.
  public func probability(_ n: Int) -> Double {
    precondition(n >= 0, "n = \(n) must be >= 0")
    if n < head.count { return head[n] }
    return isFinite ? 0 : tailFirst * pow(tailRatio, Double(n - head.count))
  }

  /// `P(N >= n)`, the tail part in closed form `t σ^j / (1 - σ)`.
  public func mass(from n: Int) -> Double {
    let start = max(n, 0)
    var sum = 0.0
    if start < head.count { sum = head[start...].reduce(0, +) }
    guard !isFinite else { return sum }
    let first = max(start, head.count)
    return sum + probability(first) / (1 - tailRatio)
  }

  /// `Σ_{m >= n} (m - shift) P(N = m)`; the tail part is
  /// `P(first) [ (first - shift)/(1 - σ) + σ/(1 - σ)² ]`.
  public func excessMean(from n: Int, over shift: Int) -> Double {
    let start = max(n, 0)
    var sum = 0.0
    if start < head.count {
      for m in start..<head.count { sum += Double(m - shift) * head[m] }
    }
    guard !isFinite else { return sum }
    let first = max(start, head.count)
    let g = 1 / (1 - tailRatio)
    return sum + probability(first) * (Double(first - shift) * g + tailRatio * g * g)
  }

  /// `E[N]`.
  public var mean: Double { excessMean(from: 0, over: 0) }

  /// `P(N = n)` for `n = 0, 1, ...` until the mass beyond is at most `tailMass` (the whole
  /// support if finite), at most `limit` terms.
  public func listed(untilTailBelow tailMass: Double, limit: Int) -> [Double] {
    if isFinite { return Array(head.prefix(limit)) }
    var terms = Array(head.prefix(limit))
    var n = head.count
    while terms.count < limit, mass(from: n) > tailMass {
      terms.append(probability(n))
      n += 1
    }
    return terms
  }
}
