import LinearKernels

/// A continuous-time MDP with costs per unit time, in the same row/candidate form as
/// `DecisionProcess`: row y carries transition rates `Q(y, x') >= 0` out of its *home
/// state* `home(y)` (the state the system sits in after choosing y) and a cost rate c(y).
///
/// In choice form home(y) is the state the choice belongs to; in post-decision form it is
/// the post-decision state itself. Rates into the home state are ignored.
public struct ContinuousTimeMDP: Sendable {
  public let stateCount: Int
  /// Rows x states, non-negative rates.
  public let rates: CSRMatrix
  /// Per-row cost rate.
  public let costRates: [Double]
  /// Per-row home state.
  public let homeState: [Int32]
  public let candidateStart: [Int]
  public let candidateRows: [Int32]
  /// Per-row total rate out of the home state, `Σ_{x'≠home} Q(y, x')`.
  public let exitRates: [Double]

  /// The largest exit rate: the smallest admissible uniformization rate.
  public var maximumExitRate: Double { exitRates.max() ?? 0 }

  /// The choice form: `choices` holds rates, state s's actions are its group's rows.
  /// - Throws: `ModelError` for negative or non-finite rates or costs, or an empty group.
  public init(choices: ChoiceMatrix, costRates: [Double]) throws(ModelError) {
    var home = [Int32](repeating: 0, count: choices.choiceCount)
    for state in 0..<choices.stateCount {
      if choices.choices(of: state).isEmpty { throw .stateWithoutAction(state: state) }
      for row in choices.choices(of: state) { home[row] = Int32(state) }
    }
    try self.init(
      rates: choices.transitions, costRates: costRates, homeState: home,
      candidateStart: choices.groupStart,
      candidateRows: (0..<choices.choiceCount).map { Int32($0) })
  }

  /// The post-decision form: row y's rates leave `homeState[y]`; state x may select the
  /// rows `candidates[x]`.
  public init(
    postDecisionRates rates: CSRMatrix, costRates: [Double], homeState: [Int],
    candidates: [[Int]]
  ) throws(ModelError) {
    // Checked here, before the 32-bit conversion would trap on a huge index.
    if let home = homeState.first(where: { $0 < 0 || $0 >= rates.columnCount }) {
      throw .stateOutOfRange(state: home, stateCount: rates.columnCount)
    }
    var start = [0]
    var rows: [Int32] = []
    for list in candidates {
      for row in list { rows.append(Int32(clamping: row)) }
      start.append(rows.count)
    }
    try self.init(
      rates: rates, costRates: costRates, homeState: homeState.map { Int32($0) },
      candidateStart: start, candidateRows: rows)
  }

  /// The general form from flat arrays.
  public init(
    rates: CSRMatrix, costRates: [Double], homeState: [Int32], candidateStart: [Int],
    candidateRows: [Int32]
  ) throws(ModelError) {
    guard costRates.count == rates.rowCount, homeState.count == rates.rowCount else {
      throw .dimensionMismatch(
        "\(costRates.count) costs and \(homeState.count) home states for \(rates.rowCount) rows")
    }
    guard candidateStart.count == rates.columnCount + 1, candidateStart.first == 0,
      candidateStart.last == candidateRows.count
    else {
      throw .dimensionMismatch(
        "candidateStart has \(candidateStart.count) offsets for \(rates.columnCount) states")
    }
    try ModelValidation.checkRates(rates)
    try ModelValidation.checkCosts(costRates)
    for state in 0..<rates.columnCount {
      guard candidateStart[state] < candidateStart[state + 1] else {
        throw .stateWithoutAction(state: state)
      }
      for k in candidateStart[state]..<candidateStart[state + 1]
      where candidateRows[k] < 0 || Int(candidateRows[k]) >= rates.rowCount {
        throw .candidateOutOfRange(
          state: state, row: Int(candidateRows[k]), rowCount: rates.rowCount)
      }
    }
    for home in homeState where home < 0 || Int(home) >= rates.columnCount {
      throw .stateOutOfRange(state: Int(home), stateCount: rates.columnCount)
    }
    self.stateCount = rates.columnCount
    self.rates = rates
    self.costRates = costRates
    self.homeState = homeState
    self.candidateStart = candidateStart
    self.candidateRows = candidateRows
    self.exitRates = Uniformization.exitRates(rates, home: homeState)
  }
}

/// Lippman's uniformization: a CTMDP with exit rates at most Λ becomes a discrete-time MDP
///
/// ```
/// P(y, x') = Q(y, x')/Λ  (x' ≠ home(y)),   P(y, home(y)) = 1 - q(y)/Λ
/// γ = Λ/(Λ + β),          c_DT(y) = c(y)/(Λ + β)
/// ```
///
/// whose discounted values equal the continuous-time discounted values exactly,
/// `V_DT = V_CT` for every Λ >= max q(y); the optimal policy therefore does not depend on
/// Λ at fixed β (Puterman 2005, §11.5; docs/service-modes.md §S3.2). Under the average-cost
/// criterion `c_DT = c/Λ` and the continuous gain is `Λ g_DT`.
public enum Uniformization {
  /// `γ = Λ/(Λ+β)`.
  public static func discountFactor(rate: Double, continuousDiscount: Double) -> Double {
    rate / (rate + continuousDiscount)
  }

  /// `β = Λ(1-γ)/γ`, the continuous discount rate that a discrete γ means at rate Λ
  /// (+∞ at γ = 0: no weight on the future).
  public static func continuousDiscount(rate: Double, discountFactor: Double) -> Double {
    rate * (1 - discountFactor) / discountFactor
  }

  /// The discounted discrete-time MDP of a CTMDP at continuous discount rate β.
  /// - Parameters:
  ///   - rate: Λ, default the largest exit rate.
  ///   - continuousDiscount: β > 0.
  /// - Throws: `ModelError` if β is not > 0 or Λ is below the largest exit rate.
  /// - Complexity: O(rows + transitions).
  public static func discretize(
    _ model: ContinuousTimeMDP, rate: Double? = nil, continuousDiscount: Double
  ) throws(ModelError) -> DiscountedMDP {
    guard continuousDiscount > 0, continuousDiscount.isFinite else {
      throw .continuousDiscountOutOfRange(continuousDiscount)
    }
    let uniformizationRate = try checkedRate(rate, model: model)
    let process = try discreteProcess(
      model, rate: uniformizationRate, costScale: 1 / (uniformizationRate + continuousDiscount))
    return try DiscountedMDP(
      process: process,
      discountFactor: discountFactor(
        rate: uniformizationRate, continuousDiscount: continuousDiscount))
  }

  /// The discrete-time process for the average-cost criterion: `c_DT = c/Λ`, so the
  /// continuous-time gain is `Λ` times the discrete gain.
  /// - Throws: `ModelError.uniformizationRateTooSmall` if Λ < the largest exit rate.
  public static func discretizeForAverageCost(_ model: ContinuousTimeMDP, rate: Double? = nil)
    throws(ModelError) -> (process: DecisionProcess, rate: Double)
  {
    let uniformizationRate = try checkedRate(rate, model: model)
    return (
      try discreteProcess(model, rate: uniformizationRate, costScale: 1 / uniformizationRate),
      uniformizationRate
    )
  }

  /// Λ, or the default (the largest exit rate, 1 if all are 0), checked against the model.
  static func checkedRate(_ rate: Double?, model: ContinuousTimeMDP) throws(ModelError)
    -> Double
  {
    let maximum = model.maximumExitRate
    let chosen = rate ?? (maximum > 0 ? maximum : 1)
    guard chosen.isFinite, chosen > 0, chosen >= maximum else {
      throw .uniformizationRateTooSmall(rate: chosen, maximumExitRate: maximum)
    }
    return chosen
  }

  private static func discreteProcess(
    _ model: ContinuousTimeMDP, rate: Double, costScale: Double
  ) throws(ModelError) -> DecisionProcess {
    let transitions = try stochasticRows(
      rates: model.rates, home: model.homeState, exitRates: model.exitRates, rate: rate)
    return try DecisionProcess(
      postDecisionTransitions: transitions, costs: model.costRates.map { $0 * costScale },
      candidateStart: model.candidateStart, candidateRows: model.candidateRows)
  }

  /// Per-row exit rate, skipping entries in the home column (the diagonal when nil).
  static func exitRates(_ rates: CSRMatrix, home: [Int32]?) -> [Double] {
    (0..<rates.rowCount).map { row in
      let homeColumn = home.map { Int($0[row]) } ?? row
      var sum = 0.0
      for k in rates.rowStart[row]..<rates.rowStart[row + 1]
      where Int(rates.columnIndex[k]) != homeColumn {
        sum += rates.values[k]
      }
      return sum
    }
  }

  /// `P = I_home + Q/Λ` as CSR, the home entry inserted in column order.
  static func stochasticRows(rates: CSRMatrix, home: [Int32]?, exitRates: [Double], rate: Double)
    throws(ModelError) -> CSRMatrix
  {
    let maximum = exitRates.max() ?? 0
    guard rate >= maximum, rate > 0, rate.isFinite else {
      throw .uniformizationRateTooSmall(rate: rate, maximumExitRate: maximum)
    }
    var rowStart = [0]
    rowStart.reserveCapacity(rates.rowCount + 1)
    var columns: [Int32] = []
    var values: [Double] = []
    columns.reserveCapacity(rates.nonzeroCount + rates.rowCount)
    values.reserveCapacity(rates.nonzeroCount + rates.rowCount)
    for row in 0..<rates.rowCount {
      let homeColumn = home.map { $0[row] } ?? Int32(row)
      let stay = 1 - exitRates[row] / rate
      var placed = stay <= 0
      for k in rates.rowStart[row]..<rates.rowStart[row + 1] {
        let column = rates.columnIndex[k]
        if column == homeColumn { continue }
        if !placed && column > homeColumn {
          columns.append(homeColumn)
          values.append(stay)
          placed = true
        }
        if rates.values[k] > 0 {
          columns.append(column)
          values.append(rates.values[k] / rate)
        }
      }
      if !placed {
        columns.append(homeColumn)
        values.append(stay)
      }
      rowStart.append(values.count)
    }
    return CSRMatrix(
      rowCount: rates.rowCount, columnCount: rates.columnCount, rowStart: rowStart,
      columnIndex: columns, values: values)
  }
}
