#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The xoshiro256** pseudo-random generator (Blackman & Vigna, "Scrambled linear
/// pseudorandom number generators", ACM TOMS 2021), seeded through SplitMix64.
///
/// ```
/// result = rotl(s1 · 5, 7) · 9
/// t = s1 << 17;  s2 ^= s0;  s3 ^= s1;  s1 ^= s2;  s0 ^= s3;  s2 ^= t;  s3 = rotl(s3, 45)
/// ```
///
/// Period 2^256 − 1, passes BigCrush; the four state words are the first four outputs of
/// SplitMix64 started at `seed`, so every seed (including 0) gives a valid, decorrelated
/// state. Used by the seeded multistart of A8 and the simulation of A7: a given seed gives
/// the same stream on every machine and thread count.
/// - Complexity: O(1) per draw, no allocation.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64

  public init(seed: UInt64) {
    var state = seed
    func splitMix() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix()
    s1 = splitMix()
    s2 = splitMix()
    s3 = splitMix()
  }

  @inline(__always)
  public mutating func next() -> UInt64 {
    let result = rotateLeft(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotateLeft(s3, 45)
    return result
  }

  /// A uniform double in [0, 1) with 53 random bits.
  @inline(__always)
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// True with probability `probability`.
  @inline(__always)
  public mutating func bernoulli(_ probability: Double) -> Bool {
    uniform() < probability
  }

  /// A geometric number of trials up to and including the first success, >= 1, for a
  /// success probability p given as `logFailure = log(1 − p)` (−∞ when p = 1):
  ///
  /// ```
  /// G = 1 + ⌊log(U) / log(1 − p)⌋,   U uniform in (0, 1]
  /// ```
  @inline(__always)
  public mutating func geometric(logFailure: Double) -> Int {
    if logFailure == -.infinity { return 1 }
    let u = 1 - uniform()
    let trials = (log(u) / logFailure).rounded(.down)
    return trials >= Double(Int.max / 2) ? Int.max / 2 : 1 + Int(trials)
  }

  @inline(__always)
  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
  }
}
