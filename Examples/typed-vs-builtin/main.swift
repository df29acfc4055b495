// Times the service-mode model solved by the built-in path (ServiceModeSolver) against the
// same model written with the typed API (TypedServiceModes), and checks that they agree.
// Usage: typed-vs-builtin [B]   (default B = B2 = 157: 99 856 states). Build in release:
//   swift run -c release typed-vs-builtin
import ExampleModels
import Foundation
import OffloadLab

func seconds(_ work: () throws -> Void) rethrows -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  try work()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

do {
  let buffer = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? -1 : 157
  guard (2...2000).contains(buffer) else {
    throw ParameterError.outOfRange("B", buffer, valid: "an integer in 2...2000")
  }
  let parameters = try ServiceModeParameters(load: 0.7, cloudSpeedup: 5, localFraction: 0.6)
  let tolerance = 1e-8
  var builtInModel: ServiceModeModel?
  let builtInBuild = try seconds {
    builtInModel = try ServiceModeModel(parameters: parameters, bufferLimit: buffer)
  }
  guard let builtIn = builtInModel else { exit(1) }
  let gamma = builtIn.discountFactor
  var rows: [[String]] = []
  func row(_ name: String, _ build: Double, _ solve: Double, _ s: CertifiedSolution) {
    rows.append([
      name, String(s.stateCount), String(format: "%.3f", build), String(format: "%.3f", solve),
      String(s.iterations), String(format: "%.2e", s.errorBound), s.status.rawValue,
    ])
  }
  for method in [ServiceModeSolver.DiscountedMethod.gaussSeidel, .jacobi] {
    var solver = try ServiceModeSolver(tolerance: tolerance)
    solver.discountedMethod = method
    var solution: CertifiedSolution?
    let solve = try seconds {
      let settings = solver.contract(for: builtIn)
      solution =
        method == .gaussSeidel
        ? try settings.solve(operator: solver.gridOperator(builtIn))
        : try settings.solve(builtIn.process)
    }
    if let solution {
      row("built-in, \(solution.methodDescription)", builtInBuild, solve, solution)
    }
  }
  let user = TypedServiceModes(
    parameters: parameters, bufferLimit: buffer, cloudBufferLimit: buffer)
  var compiled: CompiledModel<TypedServiceModes.State, TypedServiceModes.Assignment>?
  let typedBuild = try seconds { compiled = try user.compile() }
  guard let compiled else { exit(1) }
  var typedSettings = MDPSolver(
    criterion: .discounted(factor: gamma), tolerance: .relative(tolerance))
  var reference: ModelSolution<TypedServiceModes.State, TypedServiceModes.Assignment>?
  for (name, interval, anderson) in [("typed, automatic", 10, 0), ("typed, preset tuning", 20, 1)] {
    typedSettings.tuning.certificationInterval = interval
    typedSettings.tuning.andersonMemory = anderson
    var solution: ModelSolution<TypedServiceModes.State, TypedServiceModes.Assignment>?
    let solve = try seconds { solution = try compiled.solve(typedSettings) }
    if let solution {
      row("\(name): \(solution.methodDescription)", typedBuild, solve, solution.certified)
      reference = reference ?? solution
    }
  }
  print(
    "states: \(compiled.stateCount) typed (reachable), \(builtIn.stateSpace.stateCount) built-in;"
      + " γ = \(gamma), tolerance \(Tolerance.relative(tolerance))")
  print(
    ["path", "states", "build_s", "solve_s", "iterations", "bound", "status"].joined(
      separator: "\t"))
  for line in rows { print(line.joined(separator: "\t")) }
  // Agreement: the same V* within the two bounds.
  var settings = try ServiceModeSolver(tolerance: tolerance)
  settings.discountedMethod = .gaussSeidel
  let builtInSolution = settings.solve(builtIn)
  if let reference {
    var gap = 0.0
    for state in compiled.states {
      let index = builtIn.stateSpace.index(
        of: ServiceModeState(
          baseQueue: state.base, localBusy: state.local, cloudSM1: state.sm1,
          cloudSM2: state.cloudQueue))
      gap = max(gap, abs((reference.value(of: state) ?? .nan) - builtInSolution.values[index]))
    }
    print(
      "max |V_typed − V_built-in| = \(gap) (sum of bounds \(reference.errorBound + builtInSolution.errorBound))"
    )
  }
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(64)
}
