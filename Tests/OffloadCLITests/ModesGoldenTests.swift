import OffloadLab
import Testing

@Suite("offload modes solve: golden output of configuration (a)")
struct ModesGoldenTests {
  @Test func solveMatchesTheGoldenText() throws {
    let result = try runOffload(["modes", "solve"])
    #expect(result.exitCode == 0)
    // Nothing on stderr but progress lines (printed when a slow debug build passes 2 s),
    // each naming its solve.
    #expect(
      result.standardError.split(separator: "\n").allSatisfy {
        $0.hasPrefix("solve B = 50, B2 = 50: ")
          || $0.hasPrefix("truncation check solve B = 100, B2 = 100: ")
      })
    #expect(result.standardOutput == modesSolveGolden + "\n")
  }

  /// The golden's header lines against hand values: lambda = rho (1 + K) mu0 = 3,
  /// mu_l2 = 1/f, mu_c2 = K/(1 - f), 4 (B + 1)(B2 + 1) = 10404 states,
  /// nu = 3 + 5 + 12.5 + 5/3 and beta = nu (1 - gamma)/gamma.
  @Test func goldenHeaderAgreesWithHandValues() {
    let lines = modesSolveGolden.split(separator: "\n").map(String.init)
    #expect(lines.contains("rates          lambda = 3, mu_c1 = 5, mu_l2 = 1.66667, mu_c2 = 12.5"))
    #expect(lines.contains("truncation     B = 50, B2 = 50, 10404 states"))
    let nu = 3 + 5 + 12.5 + 5.0 / 3
    let beta = String(format: "%.6g", nu * 0.01 / 0.99)
    #expect(
      lines.contains(
        "discount       gamma = 0.99, beta = \(beta) (nu = \(String(format: "%.6g", nu)), sum of rates)"
      ))
  }

  /// Every digit of the golden's three policy grids, and its threshold table, against a
  /// policy iteration (Howard, Gauss–Seidel evaluation) started from Non-Idling: a method
  /// that shares no code with value iteration beyond the compiled model. Actions are
  /// decoded from the selected row's index shift by hand (s = 4 (B2 + 1) = 204:
  /// 0 idle, 1 - s SM1, 2 - s SM2, 3 - 2s SM1+SM2).
  @Test func goldenPolicyAgreesWithPolicyIteration() throws {
    let model = try ServiceModeModel(parameters: PaperConfiguration.a.parameters, bufferLimit: 50)
    let process = model.process
    let nonIdling = ServiceModePolicy.nonIdling(model.stateSpace).candidateIndices
    let solution = PolicyIteration(
      evaluation: .gaussSeidel(tolerance: 1e-7), tieRule: ServiceModeSolver.tieRule,
      initialPolicy: nonIdling
    ).solve(model.discountedMDP)
    #expect(solution.status == .converged)
    func action(_ xb: Int, _ xl: Int, _ x1: Int, _ x2: Int) -> Int {
      let index = 204 * xb + 4 * x2 + 2 * xl + x1
      let shift = process.row(state: index, action: solution.policy[index]) - index
      return [0: 0, 1 - 204: 1, 2 - 204: 2, 3 - 408: 3][shift]!
    }
    let lines = modesSolveGolden.split(separator: "\n", omittingEmptySubsequences: false)
      .map(String.init)
    /// `count` lines after the line starting with `title` and `header` header lines.
    func rows(after title: String, header: Int = 2, count: Int) throws -> [String] {
      let start = try #require(lines.firstIndex { $0.hasPrefix(title) }) + 1 + header
      return Array(lines[start..<(start + count)])
    }
    func digits(_ row: String) -> [Int] {
      Array(row.split(separator: " ").last!).map { Int(String($0))! }
    }
    // S_CF grid: rows xl = 1, 0; columns xb = 1...25.
    let cloudFirst = try rows(after: "policy on S_CF", count: 2)
    for (row, xl) in zip(cloudFirst, [1, 0]) {
      #expect(digits(row) == (1...25).map { action($0, xl, 0, 0) }, "S_CF, xl = \(xl)")
    }
    // x1 = 1 and x1 = 0 grids: rows x2 = 25 ... 0; columns xb = 0...25.
    for (title, x1) in [("policy with x1 = 1", 1), ("policy with x1 = 0", 0)] {
      for (row, x2) in zip(try rows(after: title, count: 26), (0...25).reversed()) {
        #expect(digits(row) == (0...25).map { action($0, 0, x1, x2) }, "x1 = \(x1), x2 = \(x2)")
      }
    }
    // Threshold table: n, T1(n), T0(n) with T = least xb in 1...50 choosing SM2 ("never"
    // if none; T0(0) is undefined, its line being S_CF).
    let thresholdRows = try rows(after: "thresholds T1(n), T0(n)", header: 1, count: 26).map {
      $0.split(separator: " ").map(String.init)
    }
    for (n, cells) in thresholdRows.enumerated() {
      let t1 = (1...50).first { action($0, 0, 1, n) == 2 }.map(String.init) ?? "never"
      let t0 =
        n == 0
        ? "undefined" : (1...50).first { action($0, 0, 0, n) == 2 }.map(String.init) ?? "never"
      #expect(cells == [String(n), t1, t0])
    }
  }
}
