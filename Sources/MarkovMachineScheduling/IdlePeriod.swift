/// Moments of the idle period under permanent congestion and a constant sampling
/// probability μ (docs/markov-machine.md §A3).
///
/// The idle period I counts the slots from the slot after a completion to the assignment
/// slot inclusive: the machine starts busy w.p. s, free w.p. 1 − s, flips w.p. q per slot,
/// and every idle slot is sampled w.p. μ; the first sample that finds it free ends I.
///
/// Docs: docs/markov-machine.md §A3.1–§A3.4.
public struct IdlePeriod: Sendable, Equatable, Codable {
  /// μ in (0, 1].
  public let samplingProbability: Double
  /// q in (0, 1).
  public let flipProbability: Double
  /// s in [0, 1].
  public let busyAfterCompletionProbability: Double

  public init(
    samplingProbability: Double, flipProbability: Double, busyAfterCompletionProbability: Double
  ) {
    precondition(samplingProbability > 0 && samplingProbability <= 1, "mu \(samplingProbability)")
    precondition(flipProbability > 0 && flipProbability < 1, "q \(flipProbability)")
    self.samplingProbability = samplingProbability
    self.flipProbability = flipProbability
    self.busyAfterCompletionProbability = busyAfterCompletionProbability
  }

  /// β1 = E[I] (A3.1, first-step analysis: f_F = (2 − μ)/μ, f_B = f_F + 1/q):
  ///
  /// ```
  /// β1 = 2/μ − 1 + s/q
  /// ```
  public var meanLength: Double {
    2 / samplingProbability - 1 + busyAfterCompletionProbability / flipProbability
  }

  /// m1 = β1 − 1 = 2/μ − 2 + s/q, the idle slots before the assignment slot (A5).
  public var meanSlotsBeforeAssignment: Double { meanLength - 1 }

  /// β2 = E[I²] (A3.2, derived; the printed β2 does not parse into E[I²], A13.2):
  ///
  /// ```
  /// β2 = 8/μ² − 10/μ + 3 + 2/(μq) − 2/q + s (4/(μq) − 3/q + 2/q²)
  /// ```
  public var secondMoment: Double {
    let mu = samplingProbability
    let q = flipProbability
    let s = busyAfterCompletionProbability
    let fromFree = 8 / (mu * mu) - 10 / mu + 3 + 2 / (mu * q) - 2 / q
    return fromFree + s * (4 / (mu * q) - 3 / q + 2 / (q * q))
  }

  /// Var(I) = β2 − β1².
  public var variance: Double { secondMoment - meanLength * meanLength }

  /// p* = P(a sample finds the machine free | the previous sample found it busy) (A3.3):
  ///
  /// ```
  /// p* = q / (1 − (1 − 2q)(1 − μ))
  /// ```
  public var freeAfterBusySampleProbability: Double {
    let q = flipProbability
    return q / (1 - (1 - 2 * q) * (1 - samplingProbability))
  }

  /// p1* = P(the first sample after a completion finds the machine free) (A3.3):
  ///
  /// ```
  /// p1* = s (1 − μ) p* + (1 − s)(1 − (1 − μ) p*)
  /// ```
  public var freeAtFirstSampleProbability: Double {
    let s = busyAfterCompletionProbability
    let carried = (1 - samplingProbability) * freeAfterBusySampleProbability
    return s * carried + (1 - s) * (1 - carried)
  }

  /// E[M], the expected number of samples per idle period, by Wald's identity (A3.4):
  ///
  /// ```
  /// E[M] = μ β1
  /// ```
  public var meanSampleCount: Double { samplingProbability * meanLength }

  /// E[M] in the paper's form (A3.4), equal to `meanSampleCount`:
  ///
  /// ```
  /// E[M] = p1* + (1 − p1*)(1 + p*)/p*
  /// ```
  public var meanSampleCountFromSampleOutcomes: Double {
    let first = freeAtFirstSampleProbability
    let later = freeAfterBusySampleProbability
    return first + (1 - first) * (1 + later) / later
  }
}
