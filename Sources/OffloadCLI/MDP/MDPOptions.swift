import ArgumentParser
import Foundation
import OffloadLab

/// Where the model comes from: `--input DIR` or `--prism PREFIX` (exactly one).
struct MDPInputOptions: ParsableArguments {
  @Option(help: "Model directory: model.json + raw arrays (docs/model-format.md §1).")
  var input: String?

  @Option(help: "PRISM explicit files PREFIX.tra [.srew .trew .lab .sta] (§2).")
  var prism: String?

  @Option(
    help: ArgumentHelp(
      "Model type of a PRISM-variant .tra whose header cannot say it: dtmc (default for a "
        + "two-number header) or ctmc; must agree with a Storm model-type line.",
      valueName: "type"),
    transform: { text in
      guard let type = PrismExplicit.ModelType(rawValue: text) else {
        throw ValidationError(
          "invalid value '\(text)' for --prism-type: expected dtmc, ctmc or mdp")
      }
      return type
    })
  var prismType: PrismExplicit.ModelType?

  func validate() throws {
    guard (input == nil) != (prism == nil) else {
      throw ValidationError("give exactly one of --input DIR and --prism PREFIX")
    }
    if prismType != nil && prism == nil {
      throw ValidationError("--prism-type applies to --prism files only")
    }
  }

  /// Reads and validates the model; a file error becomes exit 64 with its message.
  func load() throws -> LoadedModel {
    do {
      if let input { return try ModelDirectory.read(input) }
      return try PrismExplicit.read(prefix: prism ?? "", type: prismType)
    } catch {
      throw ValidationError(error.description)
    }
  }

  /// The MDP, or exit 64 if the files hold a chain.
  func loadMDP() throws -> LoadedMDP {
    guard case .mdp(let model) = try load() else {
      throw ValidationError(
        "\(input ?? prism ?? ""): the files hold a Markov chain; use 'offload mdp stationary'")
    }
    return model
  }

  var path: String { input ?? prism ?? "" }

  var provenance: [(name: String, value: ParameterValue)] {
    guard let prism else { return [("input", .text(path))] }
    return [("prism", .text(prism)), ("prism-type", .text(prismType?.rawValue ?? "from the file"))]
  }
}

/// `--criterion discounted|average`.
enum MDPCriterionOption: String, ExpressibleByArgument, CaseIterable {
  case discounted, average
}

/// Criterion, method and tolerance of `solve` and `evaluate`, mapped onto the solver
/// contract (`MDPSolver`, docs/solvers.md).
struct MDPSolverOptions: ParsableArguments {
  @Option(help: "Optimality criterion: discounted or average (long-run average cost).")
  var criterion = MDPCriterionOption.discounted

  @Option(
    parsing: .unconditional,
    help: "Discount factor gamma in [0, 1) of a discrete-time model (default: model.json's).")
  var discount: Double?

  @Option(
    parsing: .unconditional,
    help: "Discount rate beta > 0 of a continuous-time model (default: model.json's).")
  var continuousDiscount: Double?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Uniformization rate Lambda of a continuous-time model, >= its largest exit rate "
        + "(default: the largest exit rate)."))
  var uniformizationRate: Double?

  @Option(
    parsing: .unconditional,
    help: "Tolerance of the certified bound (values, or gain bracket width), > 0.")
  var tolerance = MDPSolver.defaultTolerance.value

  @Option(
    help: ArgumentHelp(
      "Whether --tolerance is relative (times max(1, sup|V|) or max(1, |g|)) or absolute.",
      valueName: "kind"),
    transform: { text in
      guard let kind = Tolerance.Kind(rawValue: text) else {
        throw ValidationError(
          "invalid value '\(text)' for --tolerance-mode: expected relative or absolute")
      }
      return kind
    })
  var toleranceMode = MDPSolver.defaultTolerance.kind

  @Option(
    help: ArgumentHelp(
      "Method: " + SolutionMethod.allCases.map(\.rawValue).joined(separator: ", ")
        + " (automatic: policy iteration up to 500 states, Gauss-Seidel value iteration "
        + "above; policy iteration with a sparse LU for average).",
      valueName: "method"),
    transform: { text in
      guard let method = SolutionMethod(rawValue: text) else {
        throw ValidationError(
          "invalid value '\(text)' for --method: expected one of "
            + SolutionMethod.allCases.map(\.rawValue).joined(separator: ", "))
      }
      return method
    })
  var method = SolutionMethod.automatic

  @Option(
    parsing: .unconditional,
    help: "Iteration limit, 1...\(MDPSolver.maximumIterationLimit) (default: the method's).")
  var maxIterations: Int?

  /// The contract's criterion for `model`, from the flags or the model's stored defaults.
  func criterion(for model: LoadedMDP) throws -> Criterion {
    if criterion == .average {
      if discount != nil || continuousDiscount != nil {
        throw ValidationError(
          "--discount and --continuous-discount apply to --criterion discounted")
      }
      return .average
    }
    switch model.time {
    case .discrete:
      if continuousDiscount != nil {
        throw ValidationError(
          "the model is discrete-time: give --discount gamma, not --continuous-discount")
      }
      guard let gamma = discount ?? model.discountFactor else {
        throw ValidationError(
          "a discrete-time model needs --discount gamma in [0, 1) (the files store none)")
      }
      guard gamma >= 0, gamma < 1 else {
        throw ValidationError(
          "invalid value \(formatParameterValue(gamma)) for --discount: must be in [0, 1)")
      }
      return .discounted(factor: gamma)
    case .continuous:
      if discount != nil {
        throw ValidationError(
          "the model is continuous-time: give --continuous-discount beta, not --discount")
      }
      guard let beta = continuousDiscount ?? model.continuousDiscount else {
        throw ValidationError(
          "a continuous-time model needs --continuous-discount beta > 0 (the files store none)")
      }
      guard beta > 0, beta.isFinite else {
        throw ValidationError(
          "invalid value \(formatParameterValue(beta)) for --continuous-discount: must be "
            + "finite and > 0")
      }
      return .continuousDiscounted(rate: beta)
    }
  }

  /// The solver for `model`; settings out of range exit 64.
  func solver(for model: LoadedMDP) throws -> MDPSolver {
    guard tolerance > 0, tolerance.isFinite else {
      throw ValidationError(
        "invalid value \(formatParameterValue(tolerance)) for --tolerance: must be finite and > 0")
    }
    if let maxIterations, !(1...MDPSolver.maximumIterationLimit).contains(maxIterations) {
      throw ValidationError(
        "invalid value \(maxIterations) for --max-iterations: must be in "
          + "1...\(MDPSolver.maximumIterationLimit)")
    }
    if uniformizationRate != nil && model.time == .discrete {
      throw ValidationError("--uniformization-rate applies to continuous-time models only")
    }
    var solver = MDPSolver(
      criterion: try criterion(for: model), method: method,
      tolerance: Tolerance(kind: toleranceMode, value: tolerance))
    solver.maxIterations = maxIterations
    solver.uniformizationRate = uniformizationRate
    return solver
  }

  /// Solves `dynamics` through the contract; invalid settings exit 64.
  func solve(_ dynamics: LoadedMDP.Dynamics, with solver: MDPSolver) throws -> CertifiedSolution {
    let progress = ProgressReporter("mdp")
    var solver = solver
    solver.progress = { iterations, bound in
      progress.report(
        "\(iterations) iterations, bound \(formatNumber(bound, significantDigits: 3))")
    }
    do {
      switch dynamics {
      case .discrete(let process): return try solver.solve(process)
      case .continuous(let model): return try solver.solve(model)
      }
    } catch {
      throw ValidationError(error.description)
    }
  }

  func provenance(_ solution: CertifiedSolution) -> [(name: String, value: ParameterValue)] {
    var parameters: [(name: String, value: ParameterValue)] = [
      ("criterion", .text(criterion.rawValue))
    ]
    if let gamma = solution.discountFactor, case .discounted = solution.criterion {
      parameters.append(("discount", .number(gamma)))
    }
    if case .continuousDiscounted(let beta) = solution.criterion {
      parameters.append(("continuous-discount", .number(beta)))
    }
    if let rate = solution.uniformizationRate {
      parameters.append(("uniformization-rate", .number(rate)))
    }
    parameters += [
      ("tolerance", .number(tolerance)), ("tolerance-mode", .text(toleranceMode.rawValue)),
      ("method", .text(method.rawValue)),
      ("max-iterations", maxIterations.map { .integer($0) } ?? .text("method default")),
    ]
    return parameters
  }
}

/// `--output-values` of `solve` and `evaluate` (next to the shared `OutputOptions`).
struct MDPValuesFileOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Also write state,value,action per state to this CSV file.", valueName: "FILE.csv"))
  var outputValues: String?
}
