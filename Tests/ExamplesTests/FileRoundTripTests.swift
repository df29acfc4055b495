import ExampleModels
import Foundation
import OffloadLab
import Testing

/// A typed Swift model and the same model written to files (the model directory, PRISM
/// explicit in both variants) and read back give the same certified values and policy.
@Suite("Typed models through files")
struct FileRoundTripTests {
  private static func scratch() throws -> String {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("offloadlab-roundtrip-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }

  @Test(arguments: [PrismExplicit.Variant.prism, .storm])
  func typedDiscreteModelEqualsItsPrismFiles(variant: PrismExplicit.Variant) throws {
    let parameters = try ServiceModeParameters(load: 0.7, cloudSpeedup: 5, localFraction: 0.6)
    let user = TypedServiceModes(parameters: parameters, bufferLimit: 5, cloudBufferLimit: 3)
    let compiled = try user.compile()
    let solver = MDPSolver(criterion: .discounted(factor: 0.95), tolerance: .absolute(1e-10))
    let typed = try compiled.solve(solver)
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let prefix = directory + "/model"
    try PrismExplicit.write(try #require(compiled.process), prefix: prefix, variant: variant)
    guard case .mdp(let loaded) = try PrismExplicit.read(prefix: prefix),
      case .discrete(let process) = loaded.dynamics
    else {
      Issue.record("the PRISM files did not read back as a discrete-time MDP")
      return
    }
    let fromFiles = try solver.solve(process)
    #expect(fromFiles.policy == typed.policy)
    for (a, b) in zip(fromFiles.values, typed.values) {
      #expect(abs(a - b) <= fromFiles.errorBound + typed.errorBound)
    }
  }

  @Test func typedContinuousModelEqualsItsModelDirectory() throws {
    let model = try ParallelQueues(
      arrivalRate: 1.5, serviceRates: (2, 1), buffers: (4, 3), holdingCosts: (1, 1),
      lossCost: 10)
    let compiled = try model.compile()
    let solver = MDPSolver(criterion: .average, tolerance: .absolute(1e-10))
    let typed = try compiled.solve(solver)
    let directory = try Self.scratch()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try ModelDirectory.write(try #require(compiled.continuousTimeProcess), to: directory)
    guard case .mdp(let loaded) = try ModelDirectory.read(directory),
      case .continuous(let rates) = loaded.dynamics
    else {
      Issue.record("the directory did not read back as a continuous-time MDP")
      return
    }
    let fromFiles = try solver.solve(rates)
    #expect(fromFiles.policy == typed.policy)
    let lower = try #require(fromFiles.gainLower)
    let upper = try #require(fromFiles.gainUpper)
    let typedLower = try #require(typed.gainLower)
    let typedUpper = try #require(typed.gainUpper)
    #expect(lower <= typedUpper && typedLower <= upper)
  }
}
