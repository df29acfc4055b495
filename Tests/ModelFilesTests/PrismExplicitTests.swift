import Foundation
import LinearKernels
import MarkovSolvers
import ModelFiles
import Testing

@Suite("PRISM explicit files (docs/model-format.md §2)")
struct PrismExplicitTests {
  @Test(arguments: [PrismExplicit.Variant.prism, .storm])
  func handWrittenMDPReadsWithStormsCostRule(variant: PrismExplicit.Variant) throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let files = variant == .prism ? ThreeStateMDP.prismVariant : ThreeStateMDP.stormVariant
    let model = try #require(try PrismExplicit.read(prefix: try scratch.prism(files)).mdp)
    let process = try #require(model.process)
    #expect(process.stateCount == 3)
    #expect(process.candidateStart == [0, 2, 3, 4])
    #expect(process.costs == ThreeStateMDP.expectedCosts)
    #expect(process.transitions.row(1).map(\.column) == [1, 2])
    #expect(process.transitions.row(1).map(\.value) == [0.5, 0.5])
    #expect(process.transitions.row(3).map(\.value) == [0.75, 0.25])
    #expect(model.candidateLabels == ["stay", "go", "", ""])
    #expect(model.labels.map(\.name) == ["init", "goal"])
    #expect(model.labels.map(\.states) == [[0], [2]])
    #expect(model.source.variant.hasPrefix(variant == .prism ? "PRISM variant" : "Storm variant"))
    if variant == .prism { #expect(model.stateDescriptions == ["(5)", "(6)", "(7)"]) }
  }

  /// A CTMC in Storm's variant: cost rate of state s = srew(s) + Σ_{t≠s} Q(s,t) trew(s,t);
  /// by hand: state 0: 2 + 3 · 1 = 5; state 1: 0 + 4 · 0.5 = 2 (the diagonal entry of
  /// state 1 and its reward are ignored).
  @Test func ctmcCostRatesAndIgnoredDiagonal() throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let prefix = try scratch.prism([
      "tra": "ctmc\n0 1 3\n1 0 4\n1 1 7\n", "srew": "0 2\n", "trew": "0 1 1\n1 0 0.5\n1 1 9\n",
    ])
    let chain = try #require(try PrismExplicit.read(prefix: prefix).chain)
    guard case .continuous(let ctmc) = chain.dynamics else {
      Issue.record("not a CTMC")
      return
    }
    #expect(ctmc.exitRates == [3, 4])
    #expect(chain.costs == [5, 2])
  }

  @Test func prismHeaderChainIsADTMCUnlessToldCTMC() throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let prefix = try scratch.prism(["tra": "2 2\n0 1 1\n1 0 1\n"])
    #expect(try PrismExplicit.read(prefix: prefix).chain?.time == .discrete)
    #expect(try PrismExplicit.read(prefix: prefix, type: .ctmc).chain?.time == .continuous)
    #expect(
      fileError { _ = try PrismExplicit.read(prefix: prefix, type: .mdp) }?.kind == .inconsistent)
  }

  /// Writes a post-decision process in choice form and reads it back: choice k of state s
  /// must carry candidate row k's probabilities and cost.
  @Test(arguments: [PrismExplicit.Variant.prism, .storm])
  func writeThenReadRoundTrips(variant: PrismExplicit.Variant) throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let transitions = CSRMatrix(
      rowCount: 3, columnCount: 2, rowStart: [0, 1, 3, 4], columnIndex: [0, 0, 1, 1],
      values: [1, 0.25, 0.75, 1])
    let process = try DecisionProcess(
      postDecisionTransitions: transitions, costs: [0.1, 2.5, 0], candidates: [[0, 1], [1, 2]])
    let prefix = scratch.path("roundtrip")
    try PrismExplicit.write(
      process, prefix: prefix, variant: variant, stateVariables: (["x"], [[3], [4]]))
    let read = try #require(try PrismExplicit.read(prefix: prefix).mdp?.process)
    #expect(read.candidateStart == [0, 2, 4])
    for state in 0..<2 {
      for action in 0..<2 {
        let original = process.row(state: state, action: action)
        let copy = read.row(state: state, action: action)
        #expect(read.costs[copy] == process.costs[original])
        #expect(
          read.transitions.row(copy).map(\.column)
            == process.transitions.row(original).map(\.column))
        #expect(
          read.transitions.row(copy).map(\.value) == process.transitions.row(original).map(\.value))
      }
    }
  }

  @Test func rowsWithinTheToleranceAreRescaledWithAWarning() throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let prefix = try scratch.prism(["tra": "mdp\n0 0 0 0.5000000004\n0 0 1 0.5\n1 0 1 1\n"])
    let model = try #require(try PrismExplicit.read(prefix: prefix).mdp)
    let sum = try #require(model.process).transitions.rowSums[0]
    #expect(abs(sum - 1) <= 2e-16)
    #expect(model.warnings.contains { $0.contains("rescaled") })
  }

  // MARK: one test per malformation (docs/model-format.md §3)

  private func error(_ files: [String: String], type: PrismExplicit.ModelType? = nil) throws
    -> ModelFileError?
  {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let prefix = try scratch.prism(files)
    return fileError { _ = try PrismExplicit.read(prefix: prefix, type: type) }
  }

  private func tra(_ text: String) -> [String: String] { ["tra": text] }

  @Test func wrongTransitionCount() throws {
    let failure = try #require(try error(tra("3 4 7\n" + ThreeStateMDP.traBody)))
    #expect(failure.kind == .countMismatch)
    #expect(failure.location == .line(1))
    #expect(failure.value == "7")
    #expect(
      failure.description.hasSuffix(
        ".tra:1: the header says 7 transitions, the file has 6 (value '7')"))
  }

  @Test func wrongChoiceCount() throws {
    let failure = try #require(try error(tra("3 5 6\n" + ThreeStateMDP.traBody)))
    #expect(failure.kind == .countMismatch)
    #expect(failure.value == "5")
  }

  @Test func probabilityRowNotSummingToOne() throws {
    let body = ThreeStateMDP.traBody.replacingOccurrences(of: "0 1 2 0.5 go", with: "0 1 2 0.4 go")
    let failure = try #require(try error(tra("3 4 6\n" + body)))
    #expect(failure.kind == .rowSum)
    #expect(failure.location == .line(3))
    #expect(failure.value == "0.9")
  }

  @Test func negativeRate() throws {
    let failure = try #require(try error(tra("ctmc\n0 1 2\n1 0 -1.5\n")))
    #expect(failure.kind == .negative)
    #expect(failure.location == .line(3))
    #expect(failure.value == "-1.5")
  }

  @Test func notANumber() throws {
    let failure = try #require(try error(tra("mdp\n0 0 1 nan\n1 0 0 1\n")))
    #expect(failure.kind == .notFinite)
    #expect(failure.location == .line(2))
    #expect(failure.value == "nan")
  }

  @Test func duplicateTransition() throws {
    let failure = try #require(try error(tra("mdp\n0 0 1 0.5\n0 0 1 0.5\n1 0 0 1\n")))
    #expect(failure.kind == .duplicate)
    #expect(failure.location == .line(3))
    #expect(failure.value == "1")
  }

  @Test func targetOutOfRange() throws {
    let failure = try #require(try error(tra("2 2 2\n0 0 5 1\n1 0 0 1\n")))
    #expect(failure.kind == .outOfRange)
    #expect(failure.location == .line(2))
    #expect(failure.value == "5")
  }

  @Test func truncatedLine() throws {
    let failure = try #require(try error(tra("3 4 6\n" + ThreeStateMDP.traBody.dropLast(7))))
    #expect(failure.kind == .truncated)
    #expect(failure.location == .line(7))
  }

  @Test func binaryGarbage() throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let prefix = scratch.path("garbage")
    try Data([0x6D, 0x64, 0x70, 0x0A, 0x30, 0x20, 0xFF, 0xFE, 0x00, 0x13])
      .write(to: URL(fileURLWithPath: prefix + ".tra"))
    let failure = try #require(fileError { _ = try PrismExplicit.read(prefix: prefix) })
    #expect(failure.kind == .binaryContent)
    #expect(failure.location == .line(2))
  }

  @Test func stateWithoutChoices() throws {
    let failure = try #require(try error(tra("3 2 2\n0 0 2 1\n2 0 0 1\n")))
    #expect(failure.kind == .missingAction)
    #expect(failure.value == "1")
  }

  @Test func choicesWithAGap() throws {
    let failure = try #require(try error(tra("mdp\n0 0 0 1\n0 2 0 1\n")))
    #expect(failure.kind == .order)
    #expect(failure.location == .line(3))
  }

  @Test func rewardForATransitionThatDoesNotExist() throws {
    var files = ThreeStateMDP.stormVariant
    files["trew"] = "0 0 2 1\n"
    let failure = try #require(try error(files))
    #expect(failure.kind == .inconsistent)
    #expect(failure.location == .line(1))
  }

  @Test func duplicateStateReward() throws {
    var files = ThreeStateMDP.stormVariant
    files["srew"] = "0 1\n0 2\n"
    let failure = try #require(try error(files))
    #expect(failure.kind == .duplicate)
    #expect(failure.location == .line(2))
  }

  @Test func stateRewardCountMismatch() throws {
    var files = ThreeStateMDP.prismVariant
    files["srew"] = "3 3\n0 1\n2 4\n"
    let failure = try #require(try error(files))
    #expect(failure.kind == .countMismatch)
  }

  @Test func undeclaredLabel() throws {
    var files = ThreeStateMDP.stormVariant
    files["lab"] = "#DECLARATION\ninit\n#END\n0 init goal\n"
    let failure = try #require(try error(files))
    #expect(failure.kind == .inconsistent)
    #expect(failure.value == "goal")
  }

  @Test func unknownModelType() throws {
    let failure = try #require(try error(tra("pomdp\n0 0 0 1\n")))
    #expect(failure.kind == .syntax)
    #expect(failure.location == .line(1))
  }

  @Test func missingTransitionsFile() throws {
    let failure = try #require(try error(["srew": "0 1\n"]))
    #expect(failure.kind == .unreadable)
  }
}
