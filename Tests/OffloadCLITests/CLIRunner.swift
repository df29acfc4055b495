import Foundation

/// Runs the built `offload` executable (it sits next to the test bundle in the build
/// products folder) and captures its exit code, stdout and stderr.
struct CLIResult {
  var exitCode: Int32
  var standardOutput: String
  var standardError: String
}

/// Runs `offload arguments` with `environment` added to this process's environment.
func runOffload(_ arguments: [String], environment extra: [String: String] = [:]) throws
  -> CLIResult
{
  let process = Process()
  process.executableURL = productsDirectory.appendingPathComponent("offload")
  process.arguments = arguments
  var environment = ProcessInfo.processInfo.environment
  environment["OPENBLAS_NUM_THREADS"] = "1"
  environment.merge(extra) { $1 }
  process.environment = environment
  let output = Pipe()
  let error = Pipe()
  process.standardOutput = output
  process.standardError = error
  try process.run()
  let outData = output.fileHandleForReading.readDataToEndOfFile()
  let errData = error.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return CLIResult(
    exitCode: process.terminationStatus,
    standardOutput: String(decoding: outData, as: UTF8.self),
    standardError: String(decoding: errData, as: UTF8.self))
}

/// The folder holding the build products (`offload` and the test bundle).
var productsDirectory: URL {
  for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
    return bundle.bundleURL.deletingLastPathComponent()
  }
  return Bundle.main.bundleURL
}
