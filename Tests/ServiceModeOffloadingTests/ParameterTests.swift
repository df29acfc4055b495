import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Service-mode parameters and validation")
struct ParameterTests {
  @Test func paperFormGivesTheRatesOfSectionS1() throws {
    // (a): rho = 0.5, K = 5, f = 0.6, mu0 = 1, by hand: lambda = 0.5 * 6 = 3,
    // mu_c1 = 5, mu_l2 = 1/0.6 = 5/3, mu_c2 = 5/0.4 = 12.5.
    let p = try ServiceModeParameters(load: 0.5, cloudSpeedup: 5, localFraction: 0.6)
    #expect(isClose(p.arrivalRate, 3))
    #expect(isClose(p.sm1CloudRate, 5))
    #expect(isClose(p.sm2LocalRate, 5.0 / 3))
    #expect(isClose(p.sm2CloudRate, 12.5))
    #expect(p.warnings.isEmpty)
  }

  @Test func rawRatesRecoverThePaperForm() throws {
    // Remark 1 with a = 5, b = 5/3, c = 12.5, lambda = 3: f = 1 - 5/12.5 = 0.6,
    // mu0 = f b = 1, K = a/mu0 = 5, rho = 3/(1 + 5) = 0.5.
    let p = try ServiceModeParameters(
      arrivalRate: 3, sm1CloudRate: 5, sm2LocalRate: 5.0 / 3, sm2CloudRate: 12.5)
    #expect(isClose(p.localFraction, 0.6))
    #expect(isClose(p.localRate, 1))
    #expect(isClose(p.cloudSpeedup, 5))
    #expect(isClose(p.load, 0.5))
  }

  @Test(arguments: [
    // (K, f, expected maximal throughput by S8.1 in paper form, mu0 = 1)
    (5.0, 0.6, 6.0),  // f >= 1/(1+K): (1 + K) mu0
    (5.0, 0.1, 5.0 / 0.9),  // f < 1/(1+K): K mu0/(1 - f)
    (2.0, 0.5, 3.0),
  ])
  func maximumThroughputMatchesTheStabilityRegion(
    cloudSpeedup: Double, localFraction: Double, expected: Double
  ) throws {
    let p = try ServiceModeParameters(
      load: 0.5, cloudSpeedup: cloudSpeedup, localFraction: localFraction)
    #expect(isClose(p.maximumThroughput, expected))
  }

  @Test func failingAssumptionsAreWarningsNotErrors() throws {
    // f = 0.1 <= 1/K = 0.2 and < 1/(1+K); rho = 1.2 >= 1 is outside the region.
    let p = try ServiceModeParameters(load: 1.2, cloudSpeedup: 5, localFraction: 0.1)
    #expect(
      p.warnings.map(\.assumption) == ["f > 1/K", "f > 1/(1+K)", "lambda < maximal throughput"])
    let model = try ServiceModeModel(parameters: p, bufferLimit: 4)
    #expect(ServiceModeSolver.default.solve(model).converged)
  }

  @Test(arguments: [
    (-1.0, 5.0, 0.6, 1.0, "invalid value -1 for load (rho): must be finite and > 0"),
    (0.5, 0.0, 0.6, 1.0, "invalid value 0 for cloud speed-up (K): must be finite and > 0"),
    (0.5, 5.0, 1.0, 1.0, "invalid value 1 for local fraction (f): must be in (0, 1)"),
    (0.5, 5.0, 0.0, 1.0, "invalid value 0 for local fraction (f): must be in (0, 1)"),
    (0.5, 5.0, 0.6, -2.0, "invalid value -2 for local rate (mu0): must be finite and > 0"),
  ])
  func paperFormErrorsNameParameterValueAndRange(
    load: Double, cloudSpeedup: Double, localFraction: Double, localRate: Double, message: String
  ) {
    #expect(throws: ParameterError.self) {
      try ServiceModeParameters(
        load: load, cloudSpeedup: cloudSpeedup, localFraction: localFraction, localRate: localRate)
    }
    do {
      _ = try ServiceModeParameters(
        load: load, cloudSpeedup: cloudSpeedup, localFraction: localFraction, localRate: localRate)
    } catch { #expect(error.description == message) }
  }

  @Test func rawRateErrors() {
    func message(_ rates: [Double]) -> String? {
      do {
        _ = try ServiceModeParameters(
          arrivalRate: rates[0], sm1CloudRate: rates[1], sm2LocalRate: rates[2],
          sm2CloudRate: rates[3])
        return nil
      } catch { return error.description }
    }
    #expect(
      message([0, 5, 2, 12]) == "invalid value 0 for arrival rate (lambda): must be finite and > 0")
    #expect(
      message([3, -5, 2, 12])
        == "invalid value -5 for SM1 cloud rate (mu_c1): must be finite and > 0")
    #expect(
      message([3, 5, .infinity, 12])
        == "invalid value inf for SM2 local rate (mu_l2): must be finite and > 0")
    #expect(
      message([3, 5, 2, -1])
        == "invalid value -1 for SM2 cloud rate (mu_c2): must be finite and > 0")
    #expect(
      message([3, 5, 2, 4])
        == "invalid value 4 for SM2 cloud rate (mu_c2): must be > the SM1 cloud rate mu_c1 = 5, "
        + "so that the local fraction f = 1 - mu_c1/mu_c2 is in (0, 1)")
  }

  @Test func modelErrors() throws {
    let p = PaperConfiguration.a.parameters
    func message(_ build: () throws -> Void) -> String? {
      do {
        try build()
        return nil
      } catch let error as ParameterError {
        return error.description
      } catch { return "unexpected error \(error)" }
    }
    #expect(
      message { _ = try ServiceModeModel(parameters: p, bufferLimit: 1) }
        == "invalid value 1 for buffer limit (B): must be an integer >= 2")
    #expect(
      message { _ = try ServiceModeModel(parameters: p, bufferLimit: 5, cloudBufferLimit: 0) }
        == "invalid value 0 for cloud buffer limit (B2): must be an integer >= 1")
    #expect(
      message { _ = try ServiceModeModel(parameters: p, bufferLimit: 5, discount: .discrete(1)) }
        == "invalid value 1 for discount factor (gamma): must be in (0, 1)")
    #expect(
      message { _ = try ServiceModeModel(parameters: p, bufferLimit: 5, discount: .continuous(0)) }
        == "invalid value 0 for continuous discount (beta): must be finite and > 0")
    // ν = 22.17 for configuration (a): ν/(ν + 1e-320) rounds to 1, which is no discount.
    #expect(
      (message {
        _ = try ServiceModeModel(parameters: p, bufferLimit: 5, discount: .continuous(1e-320))
      } ?? "").hasPrefix(
        "invalid value 1e-320 for continuous discount (beta): must be large enough that gamma"))
    #expect(
      message { _ = try ServiceModeModel(parameters: p, bufferLimit: 100_000) }
        == "invalid value (100000, 100000) for buffer limits (B, B2): 4(B+1)(B2+1) states must be at most 268435456"
    )
    #expect(
      message { _ = try ServiceModeSolver(tolerance: 0) }
        == "invalid value 0 for tolerance: must be in (0, 1)")
    #expect(
      message { _ = try ServiceModeSolver(maxIterations: 0) }
        == "invalid value 0 for maximum iterations: must be an integer >= 1")
    let model = try ServiceModeModel(parameters: p, bufferLimit: 6, cloudBufferLimit: 3)
    #expect(
      message { _ = try ServiceModeAnalysis(model: model, solver: .default, window: 4) }
        == "invalid value 4 for window (W): must be an integer in 1...3 (min(B, B2))")
    #expect(
      message {
        _ = try ServiceModeThresholds(extending: [2, 0], cloudIdle: [1], cloudBufferLimit: 3)
      } == "invalid value 0 for cloud-busy thresholds (T1): must be an integer >= 1 or 'none'")
  }

  @Test func discountConventionsAgree() throws {
    // gamma = nu/(nu + beta): with nu = 22 + 1/6 (sum of rates of (a)) and gamma = 0.99,
    // beta = nu * 0.01/0.99.
    let p = PaperConfiguration.a.parameters
    let nu = 3 + 5 + 12.5 + 5.0 / 3
    let model = try ServiceModeModel(parameters: p, bufferLimit: 4)
    #expect(isClose(model.uniformizationRate, nu))
    #expect(isClose(model.continuousDiscount, nu * 0.01 / 0.99))
    let tight = try ServiceModeModel(
      parameters: p, bufferLimit: 4, uniformization: .max, discount: .continuous(0.5))
    #expect(isClose(tight.uniformizationRate, 3 + 5.0 / 3 + 12.5))
    #expect(
      isClose(tight.discountFactor, tight.uniformizationRate / (tight.uniformizationRate + 0.5)))
  }
}

@Suite("Service-mode rates that overflow")
struct OverflowingRateTests {
  /// f = 1e-310 is inside (0, 1) but μ_l2 = μ0/f = 1/1e-310 overflows to +∞ (the largest
  /// double is about 1.8e308), which would make every transition probability rate/ν = ∞/∞.
  @Test func derivedRateThatOverflowsIsAnError() {
    #expect(
      throws: ParameterError.outOfRange(
        name: "SM2 local rate (mu_l2 = mu0/f)", value: "inf",
        valid: "finite (the other parameters make it overflow)")
    ) {
      try ServiceModeParameters(load: 0.5, cloudSpeedup: 5, localFraction: 1e-310)
    }
  }

  /// Four finite raw rates whose sum, ν = λ + μ_c1 + μ_l2 + μ_c2 = 4.5e308, overflows:
  /// every event probability rate/ν would be 0 and the chain would never move.
  @Test func ratesWhoseSumOverflowsAreAnError() {
    #expect(throws: ParameterError.self) {
      try ServiceModeParameters(
        arrivalRate: 1e308, sm1CloudRate: 1e308, sm2LocalRate: 1e308, sm2CloudRate: 1.5e308)
    }
  }

  /// The fuzz finding `offload modes delay --cloud-speedup 4.9e-324 --discount 1e-300`
  /// trapped in GTH: μ_c1 = K μ0 = 4.9e-324 is positive, but μ_c1/ν rounds to 0, so the
  /// uniformized chain was numerically reducible. ν = λ + μ_c1 + μ_l2 + μ_c2 with
  /// λ = 0.5 (1 + K) = 0.5 and μ_l2 = 1/0.6, so ν = 0.5 + 1/0.6 = 2.166666666666667 in doubles (the
  /// subnormal rates vanish in the sum), and K is refused against 1e-12 ν.
  @Test func negligibleRateIsAnError() throws {
    #expect(
      throws: ParameterError.inconsistent(
        name: "SM1 cloud rate (mu_c1 = K mu0)", value: "5e-324",
        reason: "must be at least 1e-12 times the sum of the four rates "
          + "(nu = 2.166666666666667); a smaller rate vanishes in the round-off of the "
          + "uniformized chain")
    ) {
      try ServiceModeParameters(load: 0.5, cloudSpeedup: 4.9e-324, localFraction: 0.6)
    }
    // 1e-9 is far from that limit and stays valid.
    _ = try ServiceModeParameters(load: 0.5, cloudSpeedup: 1e-9, localFraction: 0.6)
  }
}
