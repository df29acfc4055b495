import LinearKernels
import MarkovSolvers
import Testing

private struct ClosureFailure: Error {}

/// A CSR matrix from dense rows (zeros left out).
private func sparse(_ rows: [[Double]]) -> CSRMatrix {
  var builder = COOBuilder(rowCount: rows.count, columnCount: rows.first?.count ?? 0)
  for (i, row) in rows.enumerated() {
    for (j, value) in row.enumerated() where value != 0 {
      builder.append(row: i, column: j, value: value)
    }
  }
  return builder.build()
}

/// Expects `body` to throw exactly `expected`, whose message must read `message`.
private func expectModelError<Result>(
  _ expected: ModelError, message: String, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Result
) {
  #expect(throws: expected, sourceLocation: sourceLocation) { _ = try body() }
  #expect(expected.description == message, sourceLocation: sourceLocation)
}

/// A valid two-state process (each state one action, swapping) to attach discounts to.
private func swapProcess() throws -> DecisionProcess {
  try DecisionProcess(stateCount: 2) { [Choice(cost: 1, transitions: [(1 - $0, 1)])] }
}

@Suite("Error paths of the validating initialisers and error messages")
struct ErrorPathTests {
  @Test func rowThatDoesNotSumToOne() {
    expectModelError(
      .rowSumNotOne(row: 2, sum: 0.75), message: "row 2 sums to 0.75, not 1 (tolerance 1e-12)"
    ) {
      try DecisionProcess(stateCount: 2) { state in
        state == 0
          ? [Choice(cost: 0, transitions: [(0, 1)]), Choice(cost: 0, transitions: [(1, 1)])]
          : [Choice(cost: 0, transitions: [(0, 0.5), (1, 0.25)])]
      }
    }
  }

  /// Entries are checked in column order, so the first bad entry of row 1 is reported.
  @Test(arguments: [
    ([[1.0, 0], [-0.5, 1.5]], 0, -0.5),
    ([[1.0, 0], [1.5, -0.5]], 0, 1.5),
  ])
  func probabilityOutsideTheUnitInterval(rows: [[Double]], column: Int, value: Double) {
    expectModelError(
      .invalidProbability(row: 1, column: column, value: value),
      message: "row 1, column \(column): probability \(value) is not in [0, 1]"
    ) { try DiscreteTimeMarkovChain(transitions: sparse(rows)) }
  }

  @Test func negativeOrInfiniteRate() {
    expectModelError(
      .invalidRate(row: 1, column: 0, value: -1),
      message: "row 1, column 0: rate -1.0 must be finite and >= 0"
    ) { try ContinuousTimeMarkovChain(rates: sparse([[0, 1], [-1, 0]])) }
    expectModelError(
      .invalidRate(row: 0, column: 1, value: .infinity),
      message: "row 0, column 1: rate inf must be finite and >= 0"
    ) {
      try ContinuousTimeMDP(
        choices: ChoiceMatrix(
          transitions: sparse([[0, .infinity], [1, 0]]), groupStart: [0, 1, 2]),
        costRates: [1, 1])
    }
  }

  @Test func nonFiniteCost() {
    expectModelError(
      .invalidCost(row: 1, value: .infinity), message: "row 1: cost inf must be finite"
    ) {
      try DecisionProcess(
        choices: ChoiceMatrix(transitions: sparse([[0, 1], [1, 0]]), groupStart: [0, 1, 2]),
        costs: [0, .infinity])
    }
    expectModelError(
      .invalidCost(row: 0, value: -.infinity), message: "row 0: cost -inf must be finite"
    ) {
      try ContinuousTimeMDP(
        choices: ChoiceMatrix(transitions: sparse([[0, 1], [1, 0]]), groupStart: [0, 1, 2]),
        costRates: [-.infinity, 0])
    }
  }

  @Test func stateWithoutAction() {
    let error = ModelError.stateWithoutAction(state: 1)
    let message = "state 1 has no action"
    let transitions = sparse([[0, 1], [1, 0]])
    expectModelError(error, message: message) {
      try DecisionProcess(stateCount: 3) { $0 == 1 ? [] : [Choice(cost: 0, transitions: [(0, 1)])] }
    }
    expectModelError(error, message: message) {
      try DecisionProcess(
        choices: ChoiceMatrix(transitions: transitions, groupStart: [0, 2, 2]), costs: [0, 0])
    }
    expectModelError(error, message: message) {
      try DecisionProcess(
        postDecisionTransitions: transitions, costs: [0, 0], candidates: [[0], []])
    }
    expectModelError(error, message: message) {
      try ContinuousTimeMDP(
        choices: ChoiceMatrix(transitions: transitions, groupStart: [0, 2, 2]), costRates: [0, 0])
    }
    expectModelError(error, message: message) {
      try ContinuousTimeMDP(
        postDecisionRates: transitions, costRates: [0, 0], homeState: [0, 1], candidates: [[1], []])
    }
  }

  @Test(arguments: [3, -1])
  func candidateOutOfRange(row: Int) {
    let error = ModelError.candidateOutOfRange(state: 1, row: row, rowCount: 2)
    let message = "state 1: candidate row \(row) is outside 0..<2"
    let transitions = sparse([[0, 1], [1, 0]])
    expectModelError(error, message: message) {
      try DecisionProcess(
        postDecisionTransitions: transitions, costs: [0, 0], candidates: [[0, 1], [0, row]])
    }
    expectModelError(error, message: message) {
      try ContinuousTimeMDP(
        postDecisionRates: transitions, costRates: [0, 0], homeState: [0, 1],
        candidates: [[0], [row]])
    }
  }

  /// 2³² + 1 must not wrap around to row 1 on its way to a 32-bit index.
  @Test func candidateBeyondThe32BitRangeIsRejected() {
    let huge = (1 << 32) + 1
    let transitions = sparse([[0, 1], [1, 0]])
    #expect(throws: ModelError.self) {
      try DecisionProcess(
        postDecisionTransitions: transitions, costs: [0, 0], candidates: [[0], [huge]])
    }
    #expect(throws: ModelError.self) {
      try ContinuousTimeMDP(
        postDecisionRates: transitions, costRates: [0, 0], homeState: [0, 1],
        candidates: [[0], [huge]])
    }
  }

  @Test(arguments: [1, -0.1, 1.5])
  func discountFactorOutsideTheUnitInterval(discountFactor: Double) throws {
    let process = try swapProcess()
    expectModelError(
      .discountOutOfRange(discountFactor),
      message: "discount factor \(discountFactor) must be in [0, 1)"
    ) { try DiscountedMDP(process: process, discountFactor: discountFactor) }
  }

  @Test func notANumberDiscountIsRejected() throws {
    let process = try swapProcess()
    let error = #expect(throws: ModelError.self) {
      try DiscountedMDP(process: process, discountFactor: .nan)
    }
    #expect(error?.description == "discount factor nan must be in [0, 1)")
  }

  @Test(arguments: [0, -1, Double.infinity])
  func continuousDiscountNotPositive(beta: Double) throws {
    let model = try ContinuousTimeMDP(
      choices: ChoiceMatrix(transitions: sparse([[0, 1], [1, 0]]), groupStart: [0, 1, 2]),
      costRates: [1, 1])
    expectModelError(
      .continuousDiscountOutOfRange(beta),
      message: "continuous discount rate \(beta) must be finite and > 0"
    ) { try Uniformization.discretize(model, continuousDiscount: beta) }
  }

  @Test func uniformizationRateBelowTheLargestExitRate() throws {
    let model = try ContinuousTimeMDP(
      choices: ChoiceMatrix(transitions: sparse([[0, 5], [2, 0]]), groupStart: [0, 1, 2]),
      costRates: [1, 1])
    expectModelError(
      .uniformizationRateTooSmall(rate: 4.5, maximumExitRate: 5),
      message: "uniformization rate 4.5 is below the largest exit rate 5.0"
    ) { try Uniformization.discretizeForAverageCost(model, rate: 4.5) }
  }

  @Test func dimensionMismatches() {
    let square = sparse([[0, 1], [1, 0]])
    let wide = sparse([[0, 1, 0], [1, 0, 0]])
    expectModelError(
      .dimensionMismatch("3 costs for 2 choices"),
      message: "dimension mismatch: 3 costs for 2 choices"
    ) {
      try DecisionProcess(
        choices: ChoiceMatrix(transitions: square, groupStart: [0, 1, 2]), costs: [0, 0, 0])
    }
    expectModelError(
      .dimensionMismatch("transition matrix is 2x3"),
      message: "dimension mismatch: transition matrix is 2x3"
    ) { try DiscreteTimeMarkovChain(transitions: wide) }
    expectModelError(
      .dimensionMismatch("rate matrix is 2x3"), message: "dimension mismatch: rate matrix is 2x3"
    ) { try ContinuousTimeMarkovChain(rates: wide) }
    expectModelError(
      .dimensionMismatch("candidateStart has 2 offsets for 2 states"),
      message: "dimension mismatch: candidateStart has 2 offsets for 2 states"
    ) {
      try DecisionProcess(
        postDecisionTransitions: square, costs: [0, 0], candidateStart: [0, 1], candidateRows: [0])
    }
    expectModelError(
      .dimensionMismatch("1 costs and 2 home states for 2 rows"),
      message: "dimension mismatch: 1 costs and 2 home states for 2 rows"
    ) {
      try ContinuousTimeMDP(
        postDecisionRates: square, costRates: [0], homeState: [0, 1], candidates: [[0], [1]])
    }
    expectModelError(
      .dimensionMismatch("choices(1) threw ClosureFailure()"),
      message: "dimension mismatch: choices(1) threw ClosureFailure()"
    ) {
      try DecisionProcess(stateCount: 2) { state in
        if state == 1 { throw ClosureFailure() }
        return [Choice(cost: 0, transitions: [(0, 1)])]
      }
    }
  }

  @Test func stateOutOfRange() throws {
    expectModelError(
      .stateOutOfRange(state: 5, stateCount: 2), message: "state 5 is outside 0..<2"
    ) {
      try DecisionProcess(stateCount: 2) { _ in [Choice(cost: 0, transitions: [(5, 1)])] }
    }
    let chain = try DiscreteTimeMarkovChain(transitions: sparse([[0, 1], [1, 0]]))
    expectModelError(
      .stateOutOfRange(state: 7, stateCount: 2), message: "state 7 is outside 0..<2"
    ) {
      try chain.recurrentClasses(reachableFrom: 7)
    }
    expectModelError(
      .stateOutOfRange(state: 9, stateCount: 2), message: "state 9 is outside 0..<2"
    ) {
      try ContinuousTimeMDP(
        postDecisionRates: sparse([[0, 1], [1, 0]]), costRates: [0, 0], homeState: [0, 9],
        candidates: [[0], [1]])
    }
    // Beyond 32 bits: an error, not a trap in the index conversion.
    expectModelError(
      .stateOutOfRange(state: 1 << 40, stateCount: 2),
      message: "state 1099511627776 is outside 0..<2"
    ) {
      try ContinuousTimeMDP(
        postDecisionRates: sparse([[0, 1], [1, 0]]), costRates: [0, 0], homeState: [0, 1 << 40],
        candidates: [[0], [1]])
    }
  }

  @Test func chainErrorWrapsAModelError() {
    let wrapped = ChainError.invalidModel(.stateWithoutAction(state: 3))
    #expect(wrapped.description == "state 3 has no action")
  }

  @Test func parameterErrorMessagesNameParameterValueAndRange() {
    let cases: [(ParameterError, String)] = [
      (
        .outOfRange("arrival rate (lambda)", -1.0, valid: "> 0"),
        "invalid value -1 for arrival rate (lambda): must be > 0"
      ),
      (.outOfRange("p", 0.5, valid: "(0, 1)"), "invalid value 0.5 for p: must be (0, 1)"),
      (
        .outOfRange("epsilon", 1e-300, valid: ">= 1e-12"),
        "invalid value 1e-300 for epsilon: must be >= 1e-12"
      ),
      (.outOfRange("x", 1e20, valid: "< 1e15"), "invalid value 1e+20 for x: must be < 1e15"),
      (.outOfRange("x", Double.nan, valid: "finite"), "invalid value nan for x: must be finite"),
      (
        .outOfRange("K", 0, valid: "an integer >= 1"),
        "invalid value 0 for K: must be an integer >= 1"
      ),
      (
        .malformed(name: "pool", value: "1,,2", expected: "comma-separated rates"),
        "malformed value '1,,2' for pool: expected comma-separated rates"
      ),
      (
        .inconsistent(name: "K", value: "3", reason: "must be at least the server count 4"),
        "invalid value 3 for K: must be at least the server count 4"
      ),
    ]
    for (error, message) in cases {
      #expect(error.description == message)
    }
    #expect(
      ParameterError.outOfRange("K", 0, valid: "an integer >= 1")
        == .outOfRange(name: "K", value: "0", valid: "an integer >= 1"))
  }

  @Test func assumptionWarningMessage() {
    let warning = AssumptionWarning(
      assumption: "f > 1/K", detail: "the closed form does not apply", reference: "spec §2")
    #expect(
      warning.description
        == "warning: assumption f > 1/K fails (spec §2): the closed form does not apply")
  }
}
