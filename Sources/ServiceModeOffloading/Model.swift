import LinearKernels
import MarkovSolvers

/// Which constant ν uniformizes the continuous-time model (docs/service-modes.md §S3.2).
public enum UniformizationConvention: String, Sendable, CaseIterable {
  /// `ν = λ + μ_c1 + μ_c2 + μ_l2`, the sum of all rates (Lippman's convention, default).
  case sum
  /// `ν = λ + μ_l2 + max(μ_c1, μ_c2)`, the true largest total rate (docs/service-modes.md §S3.2).
  case max

  /// ν for the given rates.
  public func rate(for parameters: ServiceModeParameters) -> Double {
    let p = parameters
    switch self {
    case .sum: return p.arrivalRate + p.sm1CloudRate + p.sm2CloudRate + p.sm2LocalRate
    case .max: return p.arrivalRate + p.sm2LocalRate + Swift.max(p.sm1CloudRate, p.sm2CloudRate)
    }
  }
}

/// How future cost is discounted: a discrete factor γ per uniformized step (the paper's
/// "fixed γ" convention) or a continuous rate β. They are tied by `γ = ν/(ν + β)`.
public enum Discount: Sendable, Equatable {
  /// γ in (0, 1), per uniformized step.
  case discrete(Double)
  /// β > 0, per unit of time.
  case continuous(Double)
}

/// The service-mode offloading system compiled into the core's post-decision form: one row
/// per post-decision state y, and per pre-decision state x the candidates R(x) in the order
/// idle, SM1, SM2, SM1+SM2 (action-index order = the tie order of docs/service-modes.md §S4.3).
///
/// Row y of the uniformized transition matrix and its stage cost (docs/service-modes.md §S3.4):
///
/// ```
/// W(y) = |y| + γ [ (λ/ν) V(arr y) + (μ_c1/ν) 1{y1=1, y2=0} V(d1 y) + (μ_c2/ν) 1{y2>=1} V(d2 y)
///                  + (μ_l2/ν) 1{yl=1} V(lc y) + (1 − active(y)/ν) V(y) ]
/// V(x) = min_{y ∈ R(x)} W(y)
/// ```
///
/// with `arr y = y` at `yb = B` (the arriving job is lost) and `lc y = y` at `y2 = B2` (the
/// local completion is blocked). The discounted values are the discrete-time ones,
/// `V_DT = (ν + β) V_CT`; the same process with γ = 1 is the average-cost model, whose gain
/// is the long-run mean number of jobs.
///
/// Docs: docs/service-modes.md §S2.2, §S2.3, §S3.
/// - Complexity: building is O(states), with at most 5 transitions and 4 candidates per
///   state, written straight into CSR arrays.
public struct ServiceModeModel: Sendable {
  public let parameters: ServiceModeParameters
  public let stateSpace: ServiceModeStateSpace
  public let uniformization: UniformizationConvention
  /// ν, the uniformization rate.
  public let uniformizationRate: Double
  /// γ = ν/(ν + β).
  public let discountFactor: Double
  /// β = ν(1 − γ)/γ.
  public let continuousDiscount: Double
  /// The discount as it was given.
  public let discount: Discount
  /// The post-decision process: transitions P (rows = post-decision states), costs |y|,
  /// candidates R(x).
  public let process: DecisionProcess

  /// - Parameters:
  ///   - bufferLimit: B >= 2, the base-queue limit.
  ///   - cloudBufferLimit: B2 >= 1, the SM2 cloud-queue limit (default B).
  ///   - uniformization: the ν convention (default `.sum`).
  ///   - discount: γ or β (default γ = 0.99).
  /// - Throws: `ParameterError` for limits or a discount out of range.
  public init(
    parameters: ServiceModeParameters, bufferLimit: Int, cloudBufferLimit: Int? = nil,
    uniformization: UniformizationConvention = .sum, discount: Discount = .discrete(0.99)
  ) throws(ParameterError) {
    let (space, nu, gamma, beta) = try Self.resolve(
      parameters, bufferLimit, cloudBufferLimit, uniformization, discount)
    self.parameters = parameters
    self.stateSpace = space
    self.uniformization = uniformization
    self.uniformizationRate = nu
    self.discountFactor = gamma
    self.continuousDiscount = beta
    self.discount = discount
    self.process = Self.compile(parameters, space, rate: nu)
  }

  /// Runs the checks of `init` without compiling the model (cheap; for validating input
  /// before a long computation).
  /// - Throws: `ParameterError` exactly when `init` would.
  public static func validate(
    parameters: ServiceModeParameters, bufferLimit: Int, cloudBufferLimit: Int? = nil,
    uniformization: UniformizationConvention = .sum, discount: Discount = .discrete(0.99)
  ) throws(ParameterError) {
    _ = try resolve(parameters, bufferLimit, cloudBufferLimit, uniformization, discount)
  }

  /// The state space, ν, γ and β of the arguments of `init`, validated.
  static func resolve(
    _ parameters: ServiceModeParameters, _ bufferLimit: Int, _ cloudBufferLimit: Int?,
    _ uniformization: UniformizationConvention, _ discount: Discount
  ) throws(ParameterError) -> (ServiceModeStateSpace, Double, Double, Double) {
    let space = try ServiceModeStateSpace(
      bufferLimit: bufferLimit, cloudBufferLimit: cloudBufferLimit ?? bufferLimit)
    let nu = uniformization.rate(for: parameters)
    switch discount {
    case .discrete(let gamma):
      guard gamma > 0, gamma < 1 else {
        throw .outOfRange("discount factor (gamma)", gamma, valid: "in (0, 1)")
      }
      return (space, nu, gamma, Uniformization.continuousDiscount(rate: nu, discountFactor: gamma))
    case .continuous(let beta):
      guard beta > 0, beta.isFinite else {
        throw .outOfRange("continuous discount (beta)", beta, valid: "finite and > 0")
      }
      let gamma = Uniformization.discountFactor(rate: nu, continuousDiscount: beta)
      guard gamma < 1 else {
        throw .outOfRange(
          "continuous discount (beta)", beta,
          valid: "large enough that gamma = nu/(nu + beta) < 1 in floating point "
            + "(nu = \(formatParameterValue(nu)))")
      }
      return (space, nu, gamma, beta)
    }
  }

  /// The discounted MDP `(process, γ)`.
  public var discountedMDP: DiscountedMDP {
    do { return try DiscountedMDP(process: process, discountFactor: discountFactor) } catch {
      preconditionFailure("γ = \(discountFactor) was validated: \(error)")
    }
  }

  /// The same model with B and B2 doubled (the truncation check of docs/service-modes.md §S2.3).
  public func doubled() throws(ParameterError) -> ServiceModeModel {
    try ServiceModeModel(
      parameters: parameters, bufferLimit: 2 * stateSpace.bufferLimit,
      cloudBufferLimit: 2 * stateSpace.cloudBufferLimit, uniformization: uniformization,
      discount: discount)
  }

  private static func compile(
    _ p: ServiceModeParameters, _ space: ServiceModeStateSpace, rate nu: Double
  ) -> DecisionProcess {
    let n = space.stateCount
    let stride = space.baseStride
    let arrival = p.arrivalRate / nu
    let sm1Departure = p.sm1CloudRate / nu
    let sm2Departure = p.sm2CloudRate / nu
    let localCompletion = p.sm2LocalRate / nu
    var rowStart = [Int](repeating: 0, count: n + 1)
    var columns = [Int32](repeating: 0, count: 5 * n)
    var values = [Double](repeating: 0, count: 5 * n)
    var costs = [Double](repeating: 0, count: n)
    var candidateStart = [Int](repeating: 0, count: n + 1)
    var candidates = [Int32](repeating: 0, count: 4 * n)
    var entry = 0
    var candidate = 0
    columns.withUnsafeMutableBufferPointer { columns in
      values.withUnsafeMutableBufferPointer { values in
        candidates.withUnsafeMutableBufferPointer { candidates in
          var index = 0
          for base in 0...space.bufferLimit {
            for sm2Queue in 0...space.cloudBufferLimit {
              for local in 0...1 {
                for sm1 in 0...1 {
                  // Transitions of post-decision state `index`, in column order.
                  func put(_ column: Int, _ probability: Double) {
                    columns[entry] = Int32(truncatingIfNeeded: column)
                    values[entry] = probability
                    entry += 1
                  }
                  var moving = 0.0
                  if sm2Queue >= 1 {
                    put(index - 4, sm2Departure)
                    moving += sm2Departure
                  } else if sm1 == 1 {
                    put(index - 1, sm1Departure)
                    moving += sm1Departure
                  }
                  let localMoves = local == 1 && sm2Queue < space.cloudBufferLimit
                  let arrives = base < space.bufferLimit
                  if localMoves { moving += localCompletion }
                  if arrives { moving += arrival }
                  let stay = Swift.max(0, 1 - moving)
                  if stay > 0 { put(index, stay) }
                  if localMoves { put(index + 2, localCompletion) }
                  if arrives { put(index + stride, arrival) }
                  rowStart[index + 1] = entry
                  costs[index] = Double(base + sm2Queue + local + sm1)
                  // Candidates R(x): idle, SM1, SM2, SM1+SM2.
                  candidates[candidate] = Int32(truncatingIfNeeded: index)
                  candidate += 1
                  if base >= 1 && sm1 == 0 {
                    candidates[candidate] = Int32(truncatingIfNeeded: index + 1 - stride)
                    candidate += 1
                  }
                  if base >= 1 && local == 0 {
                    candidates[candidate] = Int32(truncatingIfNeeded: index + 2 - stride)
                    candidate += 1
                  }
                  if base >= 2 && sm1 == 0 && local == 0 {
                    candidates[candidate] = Int32(truncatingIfNeeded: index + 3 - 2 * stride)
                    candidate += 1
                  }
                  candidateStart[index + 1] = candidate
                  index += 1
                }
              }
            }
          }
        }
      }
    }
    columns.removeLast(columns.count - entry)
    values.removeLast(values.count - entry)
    candidates.removeLast(candidates.count - candidate)
    let transitions = CSRMatrix(
      rowCount: n, columnCount: n, rowStart: rowStart, columnIndex: columns, values: values)
    do {
      return try DecisionProcess(
        postDecisionTransitions: transitions, costs: costs, candidateStart: candidateStart,
        candidateRows: candidates)
    } catch {
      preconditionFailure("the compiled service-mode model is invalid: \(error)")
    }
  }
}
