import Foundation
import MarkovSolvers

/// The exact semi-closed form of the infinite-buffer queue under the switch rule (spec
/// Q3.1, Q4.2; docs/batch-queue.md §4.1).
///
/// ```
/// σ = A*(μ_K (1 - σ^K)),  z = σ^K,  c = μ_K (1 - z),  κ = λ (1 - σ)/c
/// π_n = u_n π_0 + v_n ω  (n <= K-2),   π_n = ω σ^{n-K+1}  (n >= K-1)
/// u_n = f_n u_{n-1},  v_n = f_n v_{n-1} + g_n   (Q3.1 Step 3)
/// p_n = κ ω σ^{n-K}  (n >= K),  closed forms of Q4.2 below K
/// ```
///
/// Only forward recursions with non-negative terms; the one subtraction is `1 - v_{K-1}`.
enum RootsMethod {
  /// σ, bracketed as in Q3.1 Step 1: `lo = 0`, `hi = 1 - 2^-j` until `h(hi) < 0`, then
  /// bisection down to adjacent doubles. `h(z) = A*(μ_K (1 - z^K)) - z` is convex with one
  /// root in (0, 1) iff ρ < 1; it is evaluated as `(1 - z) - (1 - A*(c))` with the
  /// complement of the transform, so that σ keeps its digits when `1 - σ` is small.
  /// - Returns: σ and the number of evaluations of `h`.
  /// - Throws: `ParameterError.inconsistent` if no bracket is found above `1 - 2^-60`
  ///   (ρ too close to 1 for double precision).
  static func sigma(_ parameters: BatchQueueParameters) throws(ParameterError) -> (Double, Int) {
    let arrivals = parameters.arrivals
    let k = Double(parameters.maximumBatch)
    let muK = parameters.serviceRate(batchSize: parameters.maximumBatch)
    func h(_ z: Double) -> Double {
      let oneMinusPower = z == 0 ? 1 : -expm1(k * log(z))
      return (1 - z) - arrivals.transformComplement(muK * oneMinusPower)
    }
    var low = 0.0
    var high = 0.5
    var evaluations = 0
    var exponent = 1
    while true {
      evaluations += 1
      if h(high) < 0 { break }
      low = high
      exponent += 1
      guard exponent <= 60 else {
        throw .inconsistent(
          name: "load rho = lambda/(K mu_K)", value: formatParameterValue(parameters.load),
          reason: "too close to rho = 1: the root sigma of Q3.1 is above 1 - 2^-60, beyond "
            + "double precision")
      }
      high = 1 - pow(2, -Double(exponent))
    }
    while true {
      let middle = (low + high) / 2
      if middle <= low || middle >= high { break }
      evaluations += 1
      if h(middle) >= 0 { low = middle } else { high = middle }
    }
    return ((low + high) / 2, evaluations)
  }

  /// The full solution (Q3.1 Steps 1–5, Q4.2, Q5), with the checks of Q3.1.5 and Q4.3.
  /// - Precondition: infinite buffer, switch rule (the parameters guarantee ρ < 1).
  /// - Complexity: O(K) transform evaluations plus the root.
  static func solve(_ parameters: BatchQueueParameters) throws(ParameterError)
    -> BatchQueueSolution
  {
    precondition(parameters.capacity == nil && parameters.rateRule == .switch)
    let (sigma, evaluations) = try sigma(parameters)
    let arrivals = parameters.arrivals
    let lambda = parameters.arrivalRate
    let (minimumBatch, maximumBatch) = (parameters.minimumBatch, parameters.maximumBatch)
    let muK = parameters.serviceRate(batchSize: maximumBatch)
    let oneMinusZ = -expm1(Double(maximumBatch) * log(sigma))
    let c = muK * oneMinusZ
    let transformAtC = arrivals.transform(c)
    let kappa = lambda * (1 - sigma) / c
    let differences = DividedDifferences(arrivals: arrivals)
    func sigmaPower(_ n: Int) -> Double { pow(sigma, Double(n)) }

    // Step 3: π_n = u_n π_0 + v_n ω for n = 0..K-1.
    var u = [Double](repeating: 0, count: maximumBatch)
    var v = [Double](repeating: 0, count: maximumBatch)
    u[0] = 1
    var busyTransform = [Double](repeating: 0, count: maximumBatch)  // A*(μ_n), n >= L
    var busyDifference = [Double](repeating: 0, count: maximumBatch)  // DA(μ_n, c)
    for n in 1..<maximumBatch {
      let f: Double
      let g: Double
      if n < minimumBatch {
        f = 1
        g = sigmaPower(n) * (1 - sigma) / oneMinusZ
      } else {
        let mu = parameters.serviceRate(batchSize: n)
        busyTransform[n] = arrivals.transform(mu)
        busyDifference[n] = differences.transform(
          mu, c, transformAt: (busyTransform[n], transformAtC))
        f = busyTransform[n]
        g = sigmaPower(n) * muK * busyDifference[n]
      }
      u[n] = f * u[n - 1]
      v[n] = f * v[n - 1] + g
    }
    let ratio = u[maximumBatch - 1] / (1 - v[maximumBatch - 1])
    let headU = u.dropLast().reduce(0, +)
    let headV = v.dropLast().reduce(0, +)
    let pi0 = 1 / (headU + ratio * headV + ratio / (1 - sigma))
    let omega = ratio * pi0
    var pi = (0..<maximumBatch).map { u[$0] * pi0 + v[$0] * omega }
    pi[maximumBatch - 1] = omega
    let preArrival = SystemSizeDistribution(
      head: pi, tailFirst: omega * sigma, tailRatio: sigma)

    // Q3.1.5: the target-0 balance.
    var targetZero = omega * (1 - sigma) / oneMinusZ
    for s in minimumBatch..<maximumBatch {
      targetZero +=
        pi[s - 1] * (1 - busyTransform[s]) + omega * sigmaPower(s)
        * ((1 - sigma) / oneMinusZ - muK * busyDifference[s])
    }

    // Q4.2: the arbitrary epoch.
    var p = [Double](repeating: 0, count: maximumBatch)
    var formsGap = 0.0
    var directEmpty = omega * (1 - kappa) / oneMinusZ
    let phiAtC = Self.phi(arrivals, c)
    for n in 1..<maximumBatch {
      if n < minimumBatch {
        p[n] = pi[n - 1] + omega * sigmaPower(n) * (1 - kappa) / oneMinusZ
      } else {
        let mu = parameters.serviceRate(batchSize: n)
        let phiMu = Self.phi(arrivals, mu)
        let phiDifference = differences.phi(mu, c, values: (phiMu, phiAtC))
        p[n] = lambda * phiMu * pi[n - 1] + lambda * omega * sigmaPower(n) * muK * phiDifference
        let cut = (lambda * (pi[n - 1] - pi[n]) + muK * kappa * omega * sigmaPower(n)) / mu
        formsGap = max(formsGap, abs(p[n] - cut))
        directEmpty +=
          pi[n - 1] * (1 - lambda * phiMu) + omega * sigmaPower(n)
          * ((1 - kappa) / oneMinusZ - lambda * muK * phiDifference)
      }
    }
    p[0] = 1 - p.dropFirst().reduce(0, +) - kappa * omega / (1 - sigma)
    let arbitrary = SystemSizeDistribution(head: p, tailFirst: kappa * omega, tailRatio: sigma)
    return BatchQueueSolution(
      parameters: parameters, method: .roots, sigma: sigma, preArrival: preArrival,
      arbitrary: arbitrary, flows: .sizeDependent,
      methodChecks: MethodChecks(
        rootResidual: abs(transformAtC - sigma), targetZeroBalance: abs(targetZero - pi[0]),
        busyFormsAgreement: formsGap, emptyProbabilityAgreement: abs(directEmpty - p[0])),
      solverConverged: 1 - v[maximumBatch - 1] > 0, iterations: evaluations, stateCount: nil)
  }

  /// `Φ(u) = (1 - A*(u))/u = ∫ Abar(t) e^{-ut} dt` (Q2.4 item 4), from the complement of
  /// the transform.
  static func phi(_ arrivals: InterarrivalDistribution, _ s: Double) -> Double {
    s == 0 ? 1 / arrivals.arrivalRate : arrivals.transformComplement(s) / s
  }
}

/// The divided differences of Q2.4 item 4 with the removable singularity of Q3.1 Step 4:
/// the quotient when `|u - v| > 1e-5 max(u, v)`, otherwise the derivative at the midpoint,
/// `A1((u+v)/2)` resp. `Φ1((u+v)/2) = (1 - A*(s) - s A1(s))/s²` (error O((u-v)²)).
struct DividedDifferences {
  let arrivals: InterarrivalDistribution

  static func isSingular(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 1e-5 * max(a, b)
  }

  /// `DA(a, b) = (A*(b) - A*(a))/(a - b)`, given `(A*(a), A*(b))`.
  func transform(_ a: Double, _ b: Double, transformAt values: (Double, Double)) -> Double {
    if Self.isSingular(a, b) { return arrivals.transformDerivative((a + b) / 2) }
    return (values.1 - values.0) / (a - b)
  }

  /// `DΦ(a, b) = (Φ(b) - Φ(a))/(a - b)`, given `(Φ(a), Φ(b))`.
  func phi(_ a: Double, _ b: Double, values: (Double, Double)) -> Double {
    if Self.isSingular(a, b) {
      let s = (a + b) / 2
      return (arrivals.transformComplement(s) - s * arrivals.transformDerivative(s)) / (s * s)
    }
    return (values.1 - values.0) / (a - b)
  }
}
