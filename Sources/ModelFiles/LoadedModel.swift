import LinearKernels
import MarkovSolvers

/// Whether a model's rows hold probabilities with costs per stage, or rates with costs
/// per unit time (docs/model-format.md §1.1).
public enum ModelTime: String, Sendable, CaseIterable {
  case discrete, continuous
}

/// Which format and variant a model was read from, for reports ("say which was read").
public struct ModelSource: Sendable, Equatable, CustomStringConvertible {
  /// `offloadlab-mdp-v2`, `offloadlab-mdp-v1` or `PRISM explicit`.
  public let format: String
  /// The variant, e.g. `PRISM variant: count header` or `Storm variant: model-type line 'mdp'`.
  public let variant: String
  /// The files that were read.
  public let files: [String]

  public var description: String { variant.isEmpty ? format : "\(format) (\(variant))" }
}

/// An MDP or CTMDP read from files, compiled into the core's validated types.
public struct LoadedMDP: Sendable {
  public enum Dynamics: Sendable {
    /// Probabilities and costs per stage.
    case discrete(DecisionProcess)
    /// Rates and cost rates (uniformized by the solver).
    case continuous(ContinuousTimeMDP)
  }

  public let dynamics: Dynamics
  public let form: DecisionProcess.Form
  /// γ stored with the model (`discountFactor` in model.json), used when none is given.
  public let discountFactor: Double?
  /// β stored with the model (`continuousDiscount`), used when none is given.
  public let continuousDiscount: Double?
  /// Optional label of each candidate, in candidate order (PRISM action labels).
  public let candidateLabels: [String]?
  /// Optional description of each state (PRISM `.sta` values or the coordinates).
  public let stateDescriptions: [String]?
  /// Named state sets (PRISM `.lab`), in file order.
  public let labels: [(name: String, states: [Int])]
  /// A reference solution stored with the model (model directory only).
  public let referenceValues: [Double]?
  public let referencePolicy: [Int]?
  public let source: ModelSource
  /// Notes about the reading (row rescales), for stderr and JSON `warnings`.
  public let warnings: [String]

  public var time: ModelTime {
    if case .discrete = dynamics { return .discrete }
    return .continuous
  }

  public var stateCount: Int {
    switch dynamics {
    case .discrete(let process): return process.stateCount
    case .continuous(let model): return model.stateCount
    }
  }

  public var rowCount: Int {
    switch dynamics {
    case .discrete(let process): return process.rowCount
    case .continuous(let model): return model.rates.rowCount
    }
  }

  /// `stateCount + 1` offsets of the candidate lists.
  public var candidateStart: [Int] {
    switch dynamics {
    case .discrete(let process): return process.candidateStart
    case .continuous(let model): return model.candidateStart
    }
  }

  /// Number of actions (candidates) of `state`.
  public func actionCount(of state: Int) -> Int {
    candidateStart[state + 1] - candidateStart[state]
  }
}

/// A DTMC or CTMC read from files.
public struct LoadedChain: Sendable {
  public enum Dynamics: Sendable {
    case discrete(DiscreteTimeMarkovChain)
    case continuous(ContinuousTimeMarkovChain)
  }

  public let dynamics: Dynamics
  /// Optional cost per state (per stage, or per unit time) for the long-run average.
  public let costs: [Double]?
  public let stateDescriptions: [String]?
  public let labels: [(name: String, states: [Int])]
  public let source: ModelSource
  public let warnings: [String]

  public var time: ModelTime {
    if case .discrete = dynamics { return .discrete }
    return .continuous
  }

  public var stateCount: Int {
    switch dynamics {
    case .discrete(let chain): return chain.stateCount
    case .continuous(let chain): return chain.stateCount
    }
  }
}

/// What a model file holds.
public enum LoadedModel: Sendable {
  case mdp(LoadedMDP)
  case chain(LoadedChain)

  public var source: ModelSource {
    switch self {
    case .mdp(let model): return model.source
    case .chain(let chain): return chain.source
    }
  }
}

/// The checks both readers apply to rows before the core types are built.
enum RowChecks {
  /// Rescales each probability row to sum to 1 when it is within
  /// `ModelFileLimits.rowSumTolerance` of 1; returns the largest correction.
  /// - Throws: the error `failure(row, sum)` builds for the first row outside it.
  static func normalizeProbabilities(
    rowStart: [Int], values: inout [Double],
    failure: (_ row: Int, _ sum: Double) -> ModelFileError
  ) throws(ModelFileError) -> Double {
    var largest = 0.0
    for row in 0..<(rowStart.count - 1) {
      var sum = 0.0
      for k in rowStart[row]..<rowStart[row + 1] { sum += values[k] }
      let correction = abs(sum - 1)
      guard correction <= ModelFileLimits.rowSumTolerance else { throw failure(row, sum) }
      if correction > 0 {
        for k in rowStart[row]..<rowStart[row + 1] { values[k] /= sum }
        largest = max(largest, correction)
      }
    }
    return largest
  }

  /// The warning for a largest rescale above `ModelFileLimits.silentRescale`, if any.
  static func rescaleWarnings(_ largest: Double, file: String) -> [String] {
    guard largest > ModelFileLimits.silentRescale else { return [] }
    return [
      "\(file): probability rows rescaled to sum to 1 (largest correction \(largest), "
        + "accepted up to \(ModelFileLimits.rowSumTolerance))"
    ]
  }

  /// Builds the core type, reporting a core validation error (which the readers' own
  /// checks should have caught first) against `file`.
  static func core<T>(_ file: String, _ build: () throws(ModelError) -> T) throws(ModelFileError)
    -> T
  {
    do { return try build() } catch {
      throw ModelFileError(
        .inconsistent, file: file, nil, value: "", problem: "invalid model: \(error.description)")
    }
  }
}

extension LoadedMDP {
  /// The one-action model of a fixed policy: the same rows, with state s's candidate list
  /// cut to the one row `policy[s]` selects (post-decision form, nothing copied). Solving
  /// it under any criterion evaluates the policy with the solver's certificate.
  /// - Precondition: one valid action index per state.
  /// - Complexity: O(states).
  public func restricted(to policy: [Int]) -> Dynamics {
    precondition(
      policy.count == stateCount, "policy has \(policy.count) entries, need \(stateCount)")
    let starts = candidateStart
    let selected: [Int32] = (0..<stateCount).map { state in
      precondition(
        policy[state] >= 0 && policy[state] < actionCount(of: state),
        "action \(policy[state]) outside 0..<\(actionCount(of: state)) of state \(state)")
      switch dynamics {
      case .discrete(let process): return process.candidateRows[starts[state] + policy[state]]
      case .continuous(let model): return model.candidateRows[starts[state] + policy[state]]
      }
    }
    let groups = Array(0...stateCount)
    do {
      switch dynamics {
      case .discrete(let process):
        return .discrete(
          try DecisionProcess(
            postDecisionTransitions: process.transitions, costs: process.costs,
            candidateStart: groups, candidateRows: selected))
      case .continuous(let model):
        return .continuous(
          try ContinuousTimeMDP(
            rates: model.rates, costRates: model.costRates, homeState: model.homeState,
            candidateStart: groups, candidateRows: selected))
      }
    } catch {
      preconditionFailure("rows of a valid model form a valid model: \(error)")
    }
  }
}
