import Foundation
import LinearKernels
import MarkovSolvers
import ModelFiles

/// A fresh temporary folder, removed by `cleanup()`.
struct Scratch {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("modelfiles-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// Writes text files `PREFIX.ext` and returns the prefix.
  func prism(_ files: [String: String], name: String = "model") throws -> String {
    let prefix = path(name)
    for (ext, text) in files {
      try Data(text.utf8).write(to: URL(fileURLWithPath: prefix + "." + ext))
    }
    return prefix
  }

  func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// The three-state MDP of docs/model-format.md §2.2 with hand-chosen rewards.
///
/// Costs by hand, `c(s, a) = srew(s) + Σ_t P(s,a,t) trew(s,a,t)`:
/// (0,0): 1; (0,1): 1 + 0.5 · 10 = 6; (1,0): 0; (2,0): 4 + 0.75 · 2 = 5.5.
enum ThreeStateMDP {
  static let expectedCosts = [1.0, 6, 0, 5.5]
  static let traBody = """
    0 0 0 1 stay
    0 1 1 0.5 go
    0 1 2 0.5 go
    1 0 0 1
    2 0 2 0.25
    2 0 0 0.75

    """
  static let prismVariant = [
    "tra": "3 4 6\n" + traBody,
    "srew": "# Reward structure \"cost\"\n# State rewards\n3 2\n0 1\n2 4\n",
    "trew": "3 4 2\n0 1 1 10\n2 0 0 2\n",
    "lab": "0=\"init\" 1=\"goal\"\n0: 0\n2: 1\n",
    "sta": "(x)\n0:(5)\n1:(6)\n2:(7)\n",
  ]
  static let stormVariant = [
    "tra": "mdp\n" + traBody,
    "srew": "0 1\n2 4\n",
    "trew": "0 1 1 10\n2 0 0 2\n",
    "lab": "#DECLARATION\ninit goal\n#END\n0 init\n2 goal\n",
  ]
}

extension LoadedModel {
  var mdp: LoadedMDP? {
    if case .mdp(let model) = self { return model }
    return nil
  }

  var chain: LoadedChain? {
    if case .chain(let chain) = self { return chain }
    return nil
  }
}

extension LoadedMDP {
  var process: DecisionProcess? {
    if case .discrete(let process) = dynamics { return process }
    return nil
  }
}

/// Runs `body` and returns the `ModelFileError` it throws (nil if it does not throw).
func fileError(_ body: () throws -> Void) -> ModelFileError? {
  do {
    try body()
    return nil
  } catch let error as ModelFileError {
    return error
  } catch {
    return nil
  }
}
