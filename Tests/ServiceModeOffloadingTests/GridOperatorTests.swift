import MarkovSolvers
import ServiceModeOffloading
import TestSupport
import Testing

@Suite("Matrix-free Bellman operator of the service-mode grid (issue 6)")
struct GridOperatorTests {
  /// The two test models: B = 12 with ν = sum of rates, and B = 9, B2 = 4 with ν = max.
  static func model(_ index: Int) throws -> ServiceModeModel {
    index == 0
      ? try ServiceModeModel(
        parameters: ServiceModeParameters(load: 0.5, cloudSpeedup: 5, localFraction: 0.6),
        bufferLimit: 12)
      : try ServiceModeModel(
        parameters: ServiceModeParameters(load: 0.9, cloudSpeedup: 2, localFraction: 0.3),
        bufferLimit: 9, cloudBufferLimit: 4, uniformization: .max)
  }

  @Test("A Jacobi step equals the sparse model's step bit for bit", arguments: 0..<2)
  func jacobiStepMatchesTheSparseRows(_ index: Int) throws {
    let model = try Self.model(index)
    var generator = SeededGenerator(seed: 7)
    let values = (0..<model.stateSpace.stateCount).map { _ in
      Double.random(in: 0...50, using: &generator)
    }
    var sparse = values
    var grid = values
    let sparseBounds = model.discountedMDP.apply(values, into: &sparse)
    let gridBounds = ServiceModeGridOperator(model).apply(values, into: &grid)
    #expect(sparse == grid)
    #expect(sparseBounds == gridBounds)
  }

  @Test(
    "Gauss-Seidel sweeps reach the Jacobi solution within the certified bounds",
    arguments: 0..<2)
  func gaussSeidelAgreesWithJacobi(_ index: Int) throws {
    let model = try Self.model(index)
    let jacobi = ValueIteration(tolerance: .absolute(1e-9), ordering: .jacobi).solve(
      model.discountedMDP)
    let gaussSeidel = ValueIteration(tolerance: .absolute(1e-9), ordering: .gaussSeidel)
      .solve(operator: ServiceModeGridOperator(model))
    #expect(jacobi.status == .converged && gaussSeidel.status == .converged)
    #expect(
      maxAbsDifference(jacobi.values, gaussSeidel.values) <= jacobi.errorBound
        + gaussSeidel.errorBound)
    #expect(jacobi.policy == gaussSeidel.policy)
  }

  /// Levels of 4 · 256 states reach `parallelLevelSize`, so the second thread really runs.
  @Test("Two threads give the one-thread values bit for bit")
  func resultsDoNotDependOnTheThreadCount() throws {
    let model = try ServiceModeModel(
      parameters: ServiceModeParameters(load: 0.7, cloudSpeedup: 4, localFraction: 0.5),
      bufferLimit: 12, cloudBufferLimit: 255)
    #expect(model.stateSpace.baseStride >= ServiceModeGridOperator.parallelLevelSize)
    var one = ServiceModeGridOperator(model)
    var two = one
    one.threads = 1
    two.threads = 2
    let solver = ValueIteration(tolerance: .absolute(1e-9), ordering: .gaussSeidel)
    let first = solver.solve(operator: one)
    let second = solver.solve(operator: two)
    #expect(first.status == .converged)
    #expect(first.values == second.values)
    #expect(first.policy == second.policy)
    #expect(first.iterations == second.iterations)
  }
}
