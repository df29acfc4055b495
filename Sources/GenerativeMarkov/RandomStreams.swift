import MarkovSolvers

/// Counter-based random streams: the generator of stream (kind, element, counter) is a pure
/// function of the seed and those three numbers, so a simulation draws the same numbers
/// whatever the order in which elements are visited and whatever the number of threads
/// (docs/collaborative-inference.md §1, spec G1.5).
///
/// ```
/// key = mix(mix(mix(seed ⊕ kind·φ) ⊕ element·φ²) ⊕ counter·φ³),   mix = SplitMix64 finaliser
/// generator = SplitMix64(seed: key)
/// ```
///
/// Exogenous processes (availability, allocation levels) use their own kinds, so two
/// policies simulated with the same seed see the same exogenous randomness (common random
/// numbers).
public struct RandomStreams: Sendable, Equatable {
  public let seed: UInt64

  public init(seed: UInt64) { self.seed = seed }

  /// The generator of one stream. O(1), no allocation.
  public func generator(kind: UInt64, element: UInt64, counter: UInt64) -> SplitMix64 {
    var key = Self.mix(seed ^ (kind &* 0x9E37_79B9_7F4A_7C15))
    key = Self.mix(key ^ (element &* 0xC2B2_AE3D_27D4_EB4F))
    key = Self.mix(key ^ (counter &* 0x1656_67B1_9E37_79F9))
    return SplitMix64(seed: key)
  }

  /// The SplitMix64 output function (a bijection on 64-bit words).
  static func mix(_ value: UInt64) -> UInt64 {
    var z = value &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
