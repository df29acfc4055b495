import LinearKernels

/// A model that violates the definition of a Markov chain or decision process. Thrown by
/// the validating initialisers; the message names the offending row, state or value.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A probability row that does not sum to 1 within `ModelValidation.rowSumTolerance`.
  case rowSumNotOne(row: Int, sum: Double)
  /// A negative or non-finite probability.
  case invalidProbability(row: Int, column: Int, value: Double)
  /// A negative or non-finite transition rate.
  case invalidRate(row: Int, column: Int, value: Double)
  /// A non-finite cost.
  case invalidCost(row: Int, value: Double)
  /// A state with an empty candidate (action) set.
  case stateWithoutAction(state: Int)
  /// A candidate that names a row outside the model.
  case candidateOutOfRange(state: Int, row: Int, rowCount: Int)
  /// A discrete discount factor outside [0, 1).
  case discountOutOfRange(Double)
  /// A continuous discount rate that is not finite and > 0.
  case continuousDiscountOutOfRange(Double)
  /// A uniformization rate below the largest exit rate of the model.
  case uniformizationRateTooSmall(rate: Double, maximumExitRate: Double)
  /// Arrays whose lengths do not fit together.
  case dimensionMismatch(String)
  /// A state index outside the model.
  case stateOutOfRange(state: Int, stateCount: Int)

  public var description: String {
    switch self {
    case .rowSumNotOne(let row, let sum):
      return "row \(row) sums to \(sum), not 1 (tolerance \(ModelValidation.rowSumTolerance))"
    case .invalidProbability(let row, let column, let value):
      return "row \(row), column \(column): probability \(value) is not in [0, 1]"
    case .invalidRate(let row, let column, let value):
      return "row \(row), column \(column): rate \(value) must be finite and >= 0"
    case .invalidCost(let row, let value):
      return "row \(row): cost \(value) must be finite"
    case .stateWithoutAction(let state):
      return "state \(state) has no action"
    case .candidateOutOfRange(let state, let row, let rowCount):
      return "state \(state): candidate row \(row) is outside 0..<\(rowCount)"
    case .discountOutOfRange(let value):
      return "discount factor \(value) must be in [0, 1)"
    case .continuousDiscountOutOfRange(let value):
      return "continuous discount rate \(value) must be finite and > 0"
    case .uniformizationRateTooSmall(let rate, let maximum):
      return "uniformization rate \(rate) is below the largest exit rate \(maximum)"
    case .dimensionMismatch(let what):
      return "dimension mismatch: \(what)"
    case .stateOutOfRange(let state, let stateCount):
      return "state \(state) is outside 0..<\(stateCount)"
    }
  }
}

/// Shared validation rules of the core's models.
public enum ModelValidation {
  /// Probability rows must sum to 1 within this absolute tolerance.
  public static let rowSumTolerance = 1e-12

  /// Checks that every row of `matrix` is a probability distribution.
  static func checkStochastic(_ matrix: CSRMatrix) throws(ModelError) {
    for row in 0..<matrix.rowCount {
      var sum = 0.0
      for k in matrix.rowStart[row]..<matrix.rowStart[row + 1] {
        let value = matrix.values[k]
        guard value >= 0, value <= 1 + rowSumTolerance, value.isFinite else {
          throw .invalidProbability(row: row, column: Int(matrix.columnIndex[k]), value: value)
        }
        sum += value
      }
      guard abs(sum - 1) <= rowSumTolerance else { throw .rowSumNotOne(row: row, sum: sum) }
    }
  }

  /// Checks that every entry is a finite non-negative rate.
  static func checkRates(_ matrix: CSRMatrix) throws(ModelError) {
    for row in 0..<matrix.rowCount {
      for k in matrix.rowStart[row]..<matrix.rowStart[row + 1] {
        let value = matrix.values[k]
        guard value >= 0, value.isFinite else {
          throw .invalidRate(row: row, column: Int(matrix.columnIndex[k]), value: value)
        }
      }
    }
  }

  static func checkCosts(_ costs: [Double]) throws(ModelError) {
    for (row, cost) in costs.enumerated() where !cost.isFinite {
      throw .invalidCost(row: row, value: cost)
    }
  }
}
