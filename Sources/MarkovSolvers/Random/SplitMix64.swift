/// SplitMix64 (Steele, Lea and Flood 2014): a small seeded generator whose stream is the
/// same on every machine and every run (random device pools, random test instances).
///
/// ```
/// state <- state + 0x9E3779B97F4A7C15
/// z <- (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9
/// z <- (z ^ (z >> 27)) * 0x94D049BB133111EB
/// next = z ^ (z >> 31)
/// ```
///
/// Only integer arithmetic with wrap-around, so the stream is identical everywhere; seed 0
/// starts with `0xE220A8397B1DCDAF`.
/// Docs: docs/replication.md §6 (seeded draws).
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in `[0, 1)` with 53 random bits: `(next() >> 11) * 2^-53`.
  public mutating func nextUnitInterval() -> Double {
    Double(next() >> 11) * 0x1p-53
  }
}
