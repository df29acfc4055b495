/// Why `MDPSolver` refused to solve: a setting out of range or inconsistent with the model
/// or criterion, or a model the core rejects. Nothing is half-solved.
public enum SolverError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A setting (tolerance, iteration limit, rate, method for this criterion...) is invalid;
  /// the message names it, its value and the valid range.
  case invalidSetting(ParameterError)
  /// The model, or its uniformization, is invalid (e.g. a uniformization rate below the
  /// largest exit rate).
  case invalidModel(ModelError)

  public var description: String {
    switch self {
    case .invalidSetting(let error): error.description
    case .invalidModel(let error): error.description
    }
  }
}
