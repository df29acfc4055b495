// Test-only helpers shared by every test target: tolerant comparison and seeded random
// generators. Nothing here computes an expected value; expected values come from hand
// calculations, papers or independent methods in the tests themselves.

/// `|a - b| <= absolute + relative * max(|a|, |b|)`.
public func isClose(_ a: Double, _ b: Double, absolute: Double = 0, relative: Double = 1e-12)
  -> Bool
{
  abs(a - b) <= absolute + relative * max(abs(a), abs(b))
}

/// Largest absolute entrywise difference of two equally long vectors.
public func maxAbsDifference(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
  return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// SplitMix64: a small, fast, seedable generator so that random test instances are the
/// same on every machine and every run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
