import BatchServiceQueue
import Testing

/// Spec Q8.1: λ = 1, `μ_r = 1/(1 + 0.5 r)` (linear:1,0.5), switch rule, infinite buffer.
/// The anchor values are the spec's 40-digit reference printed to 6 decimals (σ to 10
/// digits), so agreement is asserted to half a unit of the last printed digit.
@Suite("Q8.1 anchors")
struct AnchorTests {
  struct Anchor: Sendable, CustomStringConvertible {
    var law: String
    var minimumBatch: Int
    var maximumBatch: Int
    var sigma: Double
    var sigmaDigits: Double
    var idle: Double
    var meanInSystem: Double
    var meanQueue: Double
    var sojourn: Double
    var servedBatch: Double
    var description: String { "\(law) L=\(minimumBatch) K=\(maximumBatch)" }
  }

  static let anchors = [
    Anchor(
      law: "exp", minimumBatch: 3, maximumBatch: 5, sigma: 0.8833798312, sigmaDigits: 1e-10,
      idle: 0.281179, meanInSystem: 7.886968, meanQueue: 4.540410, sojourn: 7.886968,
      servedBatch: 4.5699),
    Anchor(
      law: "h2:4", minimumBatch: 1, maximumBatch: 10, sigma: 0.9246290, sigmaDigits: 1e-7,
      idle: 0.291060, meanInSystem: 8.635513, meanQueue: 3.886235, sojourn: 8.635513,
      servedBatch: 4.7861),
    Anchor(
      law: "pareto:1.8", minimumBatch: 5, maximumBatch: 10, sigma: 0.9120097, sigmaDigits: 1e-7,
      idle: 0.380248, meanInSystem: 10.120317, meanQueue: 4.709271, sojourn: 10.120317,
      servedBatch: 8.3506),
  ]

  static func parameters(law: String, minimumBatch: Int, maximumBatch: Int) throws
    -> BatchQueueParameters
  {
    try BatchQueueParameters(
      arrivals: InterarrivalDistribution(law: InterarrivalLaw(parsing: law), arrivalRate: 1),
      minimumBatch: minimumBatch, maximumBatch: maximumBatch,
      serviceRates: BatchQueueParameters.serviceRates(
        parsing: "linear:1,0.5", maximumBatch: maximumBatch))
  }

  @Test(arguments: anchors)
  func rootsMethodReproducesAnchor(_ anchor: Anchor) throws {
    let solution = try BatchQueueSolver.solve(
      Self.parameters(
        law: anchor.law, minimumBatch: anchor.minimumBatch, maximumBatch: anchor.maximumBatch))
    let measures = solution.measures
    let sigma = try #require(solution.sigma)
    #expect(abs(sigma - anchor.sigma) < anchor.sigmaDigits)
    #expect(abs(measures.idleProbability - anchor.idle) <= 5e-7)
    #expect(abs(measures.meanInSystem - anchor.meanInSystem) <= 5e-7)
    #expect(abs(measures.meanQueue - anchor.meanQueue) <= 5e-7)
    #expect(abs(measures.meanSojourn - anchor.sojourn) <= 5e-7)
    #expect(abs(measures.meanServedBatch - anchor.servedBatch) <= 5e-5)
    #expect(solution.status == .converged)
  }
}
