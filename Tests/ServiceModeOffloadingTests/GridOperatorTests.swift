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

  /// Random values around `offset`: a large offset makes ‖V‖∞ large while T V − V stays
  /// of the size of the costs, the case where a certificate's round-off matters.
  static func values(count: Int, offset: Double) -> [Double] {
    var generator = SeededGenerator(seed: 7)
    return (0..<count).map { _ in offset + Double.random(in: 0...50, using: &generator) }
  }

  /// `T V − V` from the sparse model's rows in 80-bit arithmetic (64-bit significand), with
  /// each stay probability the exact complement of the row's moves (the row's own column).
  static func extendedDifferences(_ model: ServiceModeModel, _ values: [Double]) -> [Float80] {
    let process = model.discountedMDP.process
    let rows = process.transitions
    let gamma = Float80(model.discountFactor)
    let rowValues = (0..<rows.rowCount).map { y -> Float80 in
      var moves: Float80 = 0
      var moving: Float80 = 0
      for k in rows.rowStart[y]..<rows.rowStart[y + 1] where Int(rows.columnIndex[k]) != y {
        moves += Float80(rows.values[k]) * Float80(values[Int(rows.columnIndex[k])])
        moving += Float80(rows.values[k])
      }
      return Float80(process.costs[y]) + gamma * (moves + (1 - moving) * Float80(values[y]))
    }
    return (0..<process.stateCount).map { x in
      let candidates = process.candidateStart[x]..<process.candidateStart[x + 1]
      let best = candidates.map { rowValues[Int(process.candidateRows[$0])] }.min()!
      return best - Float80(values[x])
    }
  }

  @Test(
    "A Jacobi step is within its reported round-off of an 80-bit step",
    arguments: [0, 1], [0.0, 1e6])
  func jacobiStepIsWithinItsRoundOff(_ index: Int, offset: Double) throws {
    let model = try Self.model(index)
    let values = Self.values(count: model.stateSpace.stateCount, offset: offset)
    let reference = Self.extendedDifferences(model, values)
    var next = values
    let step = ServiceModeGridOperator(model).apply(values, into: &next)
    let delta = Float80(step.roundOff)
    for x in values.indices {
      let slack = delta + Float80(2 * Double.ulpOfOne * abs(next[x]))
      #expect(abs(Float80(next[x]) - (Float80(values[x]) + reference[x])) <= slack)
    }
    #expect(abs(Float80(step.lower) - reference.min()!) <= delta)
    #expect(abs(Float80(step.upper) - reference.max()!) <= delta)
  }

  @Test("The difference form's round-off does not grow with the values", arguments: 0..<2)
  func differenceFormRoundOffIsScaleFree(_ index: Int) throws {
    let model = try Self.model(index)
    let grid = ServiceModeGridOperator(model)
    func roundOffs(offset: Double) -> (grid: Double, sparse: Double) {
      let values = Self.values(count: model.stateSpace.stateCount, offset: offset)
      var next = values
      let gridStep = grid.apply(values, into: &next)
      let sparseStep = model.discountedMDP.apply(values, into: &next)
      return (gridStep.roundOff, sparseStep.roundOff)
    }
    let near = roundOffs(offset: 0)
    let far = roundOffs(offset: 1e6)
    // Row sums err in proportion to ‖V‖∞; the difference form only through (1 − γ) V.
    #expect(far.sparse >= 1e3 * near.sparse)
    #expect(far.grid <= 2 * (1 - model.discountFactor) * far.sparse)
  }

  @Test("A Jacobi step agrees with the sparse model's step", arguments: 0..<2)
  func jacobiStepMatchesTheSparseRows(_ index: Int) throws {
    let model = try Self.model(index)
    let values = Self.values(count: model.stateSpace.stateCount, offset: 0)
    var sparse = values
    var grid = values
    let sparseStep = model.discountedMDP.apply(values, into: &sparse)
    let gridStep = ServiceModeGridOperator(model).apply(values, into: &grid)
    let allowance = sparseStep.roundOff + gridStep.roundOff
    #expect(maxAbsDifference(sparse, grid) <= allowance + 2 * Double.ulpOfOne * 1e3)
    #expect(abs(sparseStep.lower - gridStep.lower) <= allowance)
    #expect(abs(sparseStep.upper - gridStep.upper) <= allowance)
    // Each step's scale is the largest magnitude of its input and output vectors.
    let inputScale = values.map(abs).max()!
    #expect(sparseStep.scale == max(inputScale, sparse.map(abs).max()!))
    #expect(gridStep.scale == max(inputScale, grid.map(abs).max()!))
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
