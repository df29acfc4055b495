import LinearKernels

/// Compiles typed models into the core's tabular forms by reachability exploration
/// (docs/modeling-guide.md §2).
///
/// Breadth-first from `initialStates`: each discovered state gets the next index; for each
/// of its actions, in order, one row is written with the successors' indices (discovering
/// new states), their probabilities or rates (sorted by index, repeats summed, zeros
/// dropped) and the cost. Every value is checked as it is read, so the first error names
/// its state and action.
public enum ModelCompiler {
  /// Probabilities of one (state, action) must sum to 1 within this; the row is then
  /// rescaled by its sum, so that the compiled row sums to 1 to round-off.
  public static let rowSumTolerance = 1e-9
  /// The default `stateLimit` of `compile`.
  public static let defaultStateLimit = 1_000_000
  /// The largest `stateLimit` accepted (indices are 32-bit in the sparse kernels).
  public static let maximumStateLimit = 100_000_000

  enum OutcomeKind { case probabilities, rates }

  static func explore<Model: DecisionModel>(
    _ model: Model, stateLimit: Int, kind: OutcomeKind,
    outcomes: (Model.State, Model.Action) -> [(Model.State, Double)],
    cost: (Model.State, Model.Action) -> Double
  ) throws(ModelingError) -> CompiledModel<Model.State, Model.Action> {
    guard (1...maximumStateLimit).contains(stateLimit) else {
      throw .invalidStateLimit(stateLimit)
    }
    var states: [Model.State] = []
    var index: [Model.State: Int] = [:]
    func discover(_ state: Model.State) throws(ModelingError) -> Int {
      if let known = index[state] { return known }
      guard states.count < stateLimit else {
        throw .stateLimitExceeded(limit: stateLimit, reached: stateLimit + 1)
      }
      index[state] = states.count
      states.append(state)
      return states.count - 1
    }
    for state in model.initialStates { _ = try discover(state) }
    if states.isEmpty { throw .noInitialState }

    var actionList: [Model.Action] = []
    var groupStart = [0]
    var rowStart = [0]
    var columns: [Int32] = []
    var values: [Double] = []
    var costs: [Double] = []
    var row: [(column: Int32, value: Double)] = []
    var next = 0
    while next < states.count {
      let state = states[next]
      let actions = model.actions(in: state)
      if actions.isEmpty { throw .stateWithoutAction(state: "\(state)") }
      if actions.count > 1, Set(actions).count < actions.count {
        let repeated = actions.enumerated().first { actions[..<$0.offset].contains($0.element) }
        throw .repeatedAction(state: "\(state)", action: "\(repeated?.element ?? actions[0])")
      }
      guard costs.count + actions.count <= Int(Int32.max) else {
        throw .tooManyChoices(costs.count + actions.count)
      }
      for action in actions {
        let stageCost = cost(state, action)
        guard stageCost.isFinite else {
          throw .invalidCost(state: "\(state)", action: "\(action)", value: stageCost)
        }
        row.removeAll(keepingCapacity: true)
        var sum = 0.0
        for (successor, value) in outcomes(state, action) {
          switch kind {
          case .probabilities:
            guard value >= 0, value <= 1 + rowSumTolerance, value.isFinite else {
              throw .invalidProbability(
                state: "\(state)", action: "\(action)", successor: "\(successor)", value: value)
            }
          case .rates:
            guard value >= 0, value.isFinite else {
              throw .invalidRate(
                state: "\(state)", action: "\(action)", successor: "\(successor)", value: value)
            }
            if successor == state { continue }
          }
          sum += value
          if value > 0 { row.append((Int32(try discover(successor)), value)) }
        }
        if kind == .probabilities {
          guard abs(sum - 1) <= rowSumTolerance else {
            throw .notADistribution(state: "\(state)", action: "\(action)", sum: sum)
          }
        }
        appendRow(
          &row, scale: kind == .probabilities ? 1 / sum : 1, columns: &columns, values: &values)
        rowStart.append(values.count)
        costs.append(stageCost)
        actionList.append(action)
      }
      groupStart.append(costs.count)
      next += 1
    }
    let matrix = CSRMatrix(
      rowCount: costs.count, columnCount: states.count, rowStart: rowStart, columnIndex: columns,
      values: values)
    let choices = ChoiceMatrix(transitions: matrix, groupStart: groupStart)
    let tabular: CompiledModel<Model.State, Model.Action>.Tabular
    do {
      switch kind {
      case .probabilities:
        tabular = .discreteTime(try DecisionProcess(choices: choices, costs: costs))
      case .rates:
        tabular = .continuousTime(try ContinuousTimeMDP(choices: choices, costRates: costs))
      }
    } catch {
      // Every row, cost and rate was checked above, in the model's own terms.
      preconditionFailure("a checked model failed the core's validation: \(error)")
    }
    return CompiledModel(
      states: states, stateIndex: index, actionList: actionList, actionStart: groupStart,
      tabular: tabular)
  }

  /// Sorts a row by column, sums repeated columns, scales and appends it.
  private static func appendRow(
    _ row: inout [(column: Int32, value: Double)], scale: Double, columns: inout [Int32],
    values: inout [Double]
  ) {
    if row.count > 1 { row.sort { $0.column < $1.column } }
    var k = 0
    while k < row.count {
      let column = row[k].column
      var value = 0.0
      while k < row.count && row[k].column == column {
        value += row[k].value
        k += 1
      }
      columns.append(column)
      values.append(value * scale)
    }
  }
}

/// A typed model compiled into the core's tabular form, with the maps between its typed
/// states and actions and their indices (docs/modeling-guide.md §2).
public struct CompiledModel<State: Hashable, Action: Hashable> {
  /// The core's form of the model.
  public enum Tabular {
    /// Choice form, probabilities and costs per stage.
    case discreteTime(DecisionProcess)
    /// Choice form, rates and costs per unit time.
    case continuousTime(ContinuousTimeMDP)
  }

  /// The reachable states, by index (breadth-first discovery order).
  public let states: [State]
  let stateIndex: [State: Int]
  /// Every state's actions, consecutively; state i's are `actionStart[i]..<actionStart[i+1]`
  /// (the rows of the choice form).
  let actionList: [Action]
  let actionStart: [Int]
  public let tabular: Tabular

  public var stateCount: Int { states.count }
  /// Number of (state, action) choices.
  public var choiceCount: Int { actionList.count }

  /// The index of `state`, or nil if it is not reachable from the initial states.
  public func index(of state: State) -> Int? { stateIndex[state] }

  /// The actions of the state at `index`, in their listed order (action index = position).
  public func actions(ofStateAt index: Int) -> ArraySlice<Action> {
    actionList[actionStart[index]..<actionStart[index + 1]]
  }

  /// The discrete-time process, if the model is a `DiscreteTimeModel`.
  public var process: DecisionProcess? {
    if case .discreteTime(let process) = tabular { return process }
    return nil
  }

  /// The continuous-time process, if the model is a `ContinuousTimeModel`.
  public var continuousTimeProcess: ContinuousTimeMDP? {
    if case .continuousTime(let model) = tabular { return model }
    return nil
  }

  /// Solves the compiled model through the contract.
  /// - Throws: `SolverError` for settings the solver rejects for this model.
  public func solve(_ solver: MDPSolver) throws(SolverError) -> ModelSolution<State, Action> {
    let certified =
      switch tabular {
      case .discreteTime(let process): try solver.solve(process)
      case .continuousTime(let model): try solver.solve(model)
      }
    return ModelSolution(certified: certified, model: self)
  }
}

extension CompiledModel: Sendable where State: Sendable, Action: Sendable {}
extension CompiledModel.Tabular: Sendable where State: Sendable, Action: Sendable {}
