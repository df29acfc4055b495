import Foundation
import LinearKernels
import MarkovSolvers
import ModelFiles
import Testing

@Suite("OffloadLab model directory (docs/model-format.md §1)")
struct ModelDirectoryTests {
  /// The two-state example of docs/model-format.md §1.4, written by hand as raw arrays.
  private func writeExample(_ scratch: Scratch, json: String? = nil) throws -> String {
    let directory = scratch.path("example")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    func save<T>(_ values: [T], _ name: String) throws {
      try values.withUnsafeBytes { Data($0) }.write(
        to: URL(fileURLWithPath: directory).appendingPathComponent(name))
    }
    try save([Int64(0), 1, 3, 4], "transitions_row_start.int64")
    try save([Int32(0), 0, 1, 0], "transitions_columns.int32")
    try save([1.0, 0.5, 0.5, 1], "transitions_values.float64")
    try save([1.0, 2, 0], "costs.float64")
    try save([Int64(0), 2, 3], "candidate_start.int64")
    let document =
      json
        ?? """
        {"format": "offloadlab-mdp-v2", "kind": "mdp", "form": "choice", "time": "discrete",
         "stateCount": 2, "rowCount": 3, "nonzeroCount": 4, "discountFactor": 0.9}
        """
    try Data(document.utf8).write(
      to: URL(fileURLWithPath: directory).appendingPathComponent("model.json"))
    return directory
  }

  @Test func handWrittenExampleReads() throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let model = try #require(try ModelDirectory.read(try writeExample(scratch)).mdp)
    let process = try #require(model.process)
    #expect(process.form == .choice)
    #expect(process.candidateStart == [0, 2, 3])
    #expect(process.costs == [1, 2, 0])
    #expect(process.transitions.row(1).map(\.value) == [0.5, 0.5])
    #expect(model.discountFactor == 0.9)
    #expect(model.source.format == "offloadlab-mdp-v2")
  }

  @Test func discreteProcessesRoundTripInBothForms() throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let transitions = CSRMatrix(
      rowCount: 3, columnCount: 2, rowStart: [0, 1, 3, 4], columnIndex: [0, 0, 1, 1],
      values: [1, 0.25, 0.75, 1])
    let post = try DecisionProcess(
      postDecisionTransitions: transitions, costs: [0.1, 2.5, -3], candidates: [[0, 1], [1, 2]])
    let choice = try DecisionProcess(
      choices: ChoiceMatrix(transitions: transitions, groupStart: [0, 2, 3]), costs: [1, 2, 3])
    for (name, process) in [("post", post), ("choice", choice)] {
      try ModelDirectory.write(process, discountFactor: 0.5, to: scratch.path(name))
      let model = try #require(try ModelDirectory.read(scratch.path(name)).mdp)
      let read = try #require(model.process)
      #expect(read.form == process.form)
      #expect(read.transitions == process.transitions)
      #expect(read.costs == process.costs)
      #expect(read.candidateStart == process.candidateStart)
      #expect(read.candidateRows == process.candidateRows)
      #expect(model.discountFactor == 0.5)
    }
  }

  @Test func continuousModelsAndChainsRoundTrip() throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let rates = CSRMatrix(
      rowCount: 3, columnCount: 2, rowStart: [0, 1, 2, 3], columnIndex: [1, 1, 0],
      values: [2, 5, 3])
    let postDecision = try ContinuousTimeMDP(
      rates: rates, costRates: [1, 4, 0], homeState: [0, 0, 1], candidateStart: [0, 2, 3],
      candidateRows: [1, 0, 2])
    try ModelDirectory.write(postDecision, continuousDiscount: 0.1, to: scratch.path("ctmdp"))
    let model = try #require(try ModelDirectory.read(scratch.path("ctmdp")).mdp)
    guard case .continuous(let read) = model.dynamics else {
      Issue.record("not continuous")
      return
    }
    #expect(model.form == .postDecision)
    #expect(read.rates == rates)
    #expect(read.homeState == [0, 0, 1])
    #expect(read.candidateRows == [1, 0, 2])
    #expect(model.continuousDiscount == 0.1)

    let square = CSRMatrix(
      rowCount: 2, columnCount: 2, rowStart: [0, 1, 2], columnIndex: [1, 0], values: [2, 3])
    try ModelDirectory.writeChain(square, time: .continuous, costs: [1, 2], to: scratch.path("c"))
    let chain = try #require(try ModelDirectory.read(scratch.path("c")).chain)
    #expect(chain.time == .continuous)
    #expect(chain.costs == [1, 2])
  }

  // MARK: malformations

  private func corrupt(_ name: String, _ bytes: Data) throws -> ModelFileError? {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let directory = try writeExample(scratch)
    try bytes.write(to: URL(fileURLWithPath: directory).appendingPathComponent(name))
    return fileError { _ = try ModelDirectory.read(directory) }
  }

  private func data<T>(_ values: [T]) -> Data { values.withUnsafeBytes { Data($0) } }

  @Test func truncatedArray() throws {
    let failure = try #require(try corrupt("costs.float64", data([1.0, 2])))
    #expect(failure.kind == .truncated)
    #expect(failure.value == "16 bytes")
  }

  @Test func rowNotSummingToOne() throws {
    let failure = try #require(try corrupt("transitions_values.float64", data([1.0, 0.5, 0.4, 1])))
    #expect(failure.kind == .rowSum)
    #expect(failure.location == .entry(1))
  }

  @Test func columnOutOfRange() throws {
    let failure = try #require(try corrupt("transitions_columns.int32", data([Int32(0), 0, 7, 0])))
    #expect(failure.kind == .outOfRange)
    #expect(failure.location == .entry(2))
    #expect(failure.value == "7")
  }

  @Test func duplicateColumn() throws {
    let failure = try #require(try corrupt("transitions_columns.int32", data([Int32(0), 1, 1, 0])))
    #expect(failure.kind == .duplicate)
    #expect(failure.location == .entry(2))
  }

  @Test func notFiniteCost() throws {
    let failure = try #require(try corrupt("costs.float64", data([1.0, .nan, 0])))
    #expect(failure.kind == .notFinite)
    #expect(failure.location == .entry(1))
  }

  @Test func negativeProbability() throws {
    let failure = try #require(
      try corrupt("transitions_values.float64", data([1.0, 1.5, -0.5, 1])))
    #expect(failure.kind == .negative)
    #expect(failure.location == .entry(2))
  }

  @Test func stateWithoutAction() throws {
    let failure = try #require(try corrupt("candidate_start.int64", data([Int64(0), 0, 3])))
    #expect(failure.kind == .missingAction)
  }

  @Test func wrongCountInModelJSON() throws {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let directory = try writeExample(
      scratch,
      json: """
        {"format": "offloadlab-mdp-v2", "form": "choice", "stateCount": 2, "rowCount": 3,
         "nonzeroCount": 5}
        """)
    let failure = try #require(fileError { _ = try ModelDirectory.read(directory) })
    #expect(failure.kind == .countMismatch)
    #expect(failure.file.hasSuffix("transitions_row_start.int64"))
    #expect(failure.location == .entry(3))
    #expect(failure.value == "4")
  }

  @Test func binaryModelJSON() throws {
    let failure = try #require(try corrupt("model.json", Data([0x00, 0xFF, 0x13])))
    #expect(failure.kind == .binaryContent)
  }

  @Test func unknownFormat() throws {
    let failure = try #require(
      try corrupt("model.json", Data(#"{"format": "offloadlab-mdp-v9"}"#.utf8)))
    #expect(failure.kind == .syntax)
    #expect(failure.value == "offloadlab-mdp-v9")
  }
}

@Suite("Policy files (docs/model-format.md §1.5)")
struct PolicyFileTests {
  private func read(_ text: String, counts: [Int] = [2, 1]) throws -> ([Int]?, ModelFileError?) {
    let scratch = try Scratch()
    defer { scratch.cleanup() }
    let path = scratch.path("policy.csv")
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    var policy: [Int]?
    let failure = fileError { policy = try PolicyFile.read(path, actionCounts: counts) }
    return (policy, failure)
  }

  @Test func readsActionsInAnyRowOrderIgnoringOtherColumns() throws {
    let (policy, _) = try read("state,value,action,offload_version\n1,9,0,x\n0,10,1,x\n")
    #expect(policy == [1, 0])
  }

  @Test func rejectsAnActionOutsideTheState() throws {
    let (_, failure) = try read("state,action\n0,2\n1,0\n")
    #expect(failure?.kind == .outOfRange)
    #expect(failure?.location == .line(2))
  }

  @Test func rejectsAMissingState() throws {
    let (_, failure) = try read("state,action\n0,1\n")
    #expect(failure?.kind == .countMismatch)
    #expect(failure?.value == "1")
  }

  @Test func rejectsARepeatedState() throws {
    let (_, failure) = try read("state,action\n0,1\n0,0\n1,0\n")
    #expect(failure?.kind == .duplicate)
  }
}
