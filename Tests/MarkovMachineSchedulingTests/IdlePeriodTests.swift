import LinearKernels
import MarkovMachineScheduling
import TestSupport
import Testing

@Suite("Idle-period quantities (A3)")
struct IdlePeriodTests {
  static let points: [(mu: Double, q: Double, s: Double)] = [
    (1, 0.5, 0.5), (0.15, 0.9, 0.9), (0.6, 0.3, 0.2), (0.45, 0.1, 0.7), (0.8, 0.35, 0),
    (0.3, 0.7, 1),
  ]

  @Test(arguments: [(0.5, 0.5), (0.1, 0.9), (0.35, 0.3), (0.9, 1.0)])
  func fullSamplingHandValues(q: Double, s: Double) {
    // mu = 1 (A14): beta1 = 1 + s/q, beta2 = 1 + s/q + 2s/q^2, E[M] = 1 + s/q, p* = q.
    let idle = IdlePeriod(
      samplingProbability: 1, flipProbability: q, busyAfterCompletionProbability: s)
    #expect(isClose(idle.meanLength, 1 + s / q))
    #expect(isClose(idle.secondMoment, 1 + s / q + 2 * s / (q * q)))
    #expect(isClose(idle.meanSampleCount, 1 + s / q))
    #expect(isClose(idle.freeAfterBusySampleProbability, q))
    #expect(isClose(idle.freeAtFirstSampleProbability, 1 - s))
  }

  /// E[I] and E[I²] from the absorbing chain of the idle period, solved with LAPACK:
  /// transient phases (B, F), start (s, 1 − s), absorption = a sample finding F.
  /// E[I] = α N 1, E[I²] = α (I + T) N² 1 with N = (I − T)⁻¹.
  @Test(arguments: points.indices)
  func momentsMatchTheAbsorbingChain(_ index: Int) throws {
    let (mu, q, s) = Self.points[index]
    let transient = Matrix(rows: [[1 - q, q], [(1 - mu) * q, (1 - mu) * (1 - q)]])
    var system = Matrix.identity(2)
    for k in system.storage.indices { system.storage[k] -= transient.storage[k] }
    let first = try LAPACK.solve(system, [1, 1])
    let second = try LAPACK.solve(system, first)
    let plusT = (0..<2).map { row in
      second[row] + (0..<2).reduce(0) { $0 + transient[row, $1] * second[$1] }
    }
    let mean = s * first[0] + (1 - s) * first[1]
    let secondMoment = s * plusT[0] + (1 - s) * plusT[1]
    let idle = IdlePeriod(
      samplingProbability: mu, flipProbability: q, busyAfterCompletionProbability: s)
    #expect(isClose(idle.meanLength, mean, relative: 1e-12))
    #expect(isClose(idle.secondMoment, secondMoment, relative: 1e-12))
    #expect(isClose(idle.variance, secondMoment - mean * mean, absolute: 1e-10))
  }

  /// Wald's identity E[M] = μ β1 against the paper's p*/p1* form (A3.4): two different
  /// formulas, equal to machine precision.
  @Test(arguments: points.indices)
  func waldIdentityMatchesThePaperForm(_ index: Int) {
    let (mu, q, s) = Self.points[index]
    let idle = IdlePeriod(
      samplingProbability: mu, flipProbability: q, busyAfterCompletionProbability: s)
    #expect(isClose(idle.meanSampleCount, idle.meanSampleCountFromSampleOutcomes, relative: 1e-13))
  }

  /// p* from its definition: after a busy sample the samples are Geom(μ) slots apart and
  /// P(free after n flips from busy) = (1 − (1 − 2q)^n)/2, summed here term by term.
  @Test(arguments: points.indices)
  func freeAfterBusySampleMatchesItsSeries(_ index: Int) {
    let (mu, q, s) = Self.points[index]
    var series = 0.0
    var weight = mu
    var power = 1 - 2 * q
    for _ in 1...4000 {
      series += weight * (1 - power) / 2
      weight *= 1 - mu
      power *= 1 - 2 * q
    }
    let idle = IdlePeriod(
      samplingProbability: mu, flipProbability: q, busyAfterCompletionProbability: s)
    #expect(isClose(idle.freeAfterBusySampleProbability, series, absolute: 1e-13))
  }
}
