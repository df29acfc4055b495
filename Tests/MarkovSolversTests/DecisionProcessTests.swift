import LinearKernels
import MarkovSolvers
import Testing

@Suite("Decision process construction")
struct DecisionProcessTests {
  @Test func closureFormSumsRepeatedSuccessors() throws {
    let process = try DecisionProcess(stateCount: 2) { state in
      [Choice(cost: Double(state), transitions: [(1, 0.25), (0, 0.5), (1, 0.25)])]
    }
    #expect(process.form == .choice)
    #expect(process.transitions.dense == Matrix(rows: [[0.5, 0.5], [0.5, 0.5]]))
    #expect(process.costs == [0, 1])
  }

  /// Three post-decision rows shared by two states: state 0 may select rows 2 or 0, state 1
  /// rows 1 or 2 (row 2 is listed by both).
  @Test func postDecisionFormSharesRows() throws {
    var builder = COOBuilder(rowCount: 3, columnCount: 2)
    builder.append(row: 0, column: 0, value: 1)
    builder.append(row: 1, column: 1, value: 1)
    builder.append(row: 2, column: 0, value: 0.5)
    builder.append(row: 2, column: 1, value: 0.5)
    let process = try DecisionProcess(
      postDecisionTransitions: builder.build(), costs: [1, 2, 3], candidates: [[2, 0], [1, 2]])
    #expect(process.form == .postDecision)
    #expect(process.stateCount == 2 && process.rowCount == 3)
    #expect(process.actionCount(of: 0) == 2)
    #expect(process.row(state: 0, action: 0) == 2 && process.row(state: 1, action: 1) == 2)
    #expect(process.selectedRows(policy: [1, 0]) == [0, 1])
    #expect(process.costs(policy: [0, 1]) == [3, 3])
    #expect(
      process.inducedChain(policy: [0, 0]).transitions.dense
        == Matrix(rows: [[0.5, 0.5], [0, 1]]))
  }

  /// Post-decision CTMDP: a rate into the home state is ignored in the exit rate.
  @Test func exitRatesSkipTheHomeState() throws {
    var rates = COOBuilder(rowCount: 2, columnCount: 2)
    rates.append(row: 0, column: 0, value: 9)
    rates.append(row: 0, column: 1, value: 2)
    rates.append(row: 1, column: 0, value: 3)
    let model = try ContinuousTimeMDP(
      postDecisionRates: rates.build(), costRates: [1, 1], homeState: [0, 1],
      candidates: [[0, 1], [1]])
    #expect(model.exitRates == [2, 3])
    #expect(model.maximumExitRate == 3)
  }
}
