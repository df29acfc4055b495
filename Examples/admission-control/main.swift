// Solves admission control of an M/M/3/20 queue under the average criterion and prints
// the certified gain bracket and the optimal threshold (see Examples/README.md).
import ExampleModels
import Foundation

do {
  let model = try AdmissionControl(
    arrivalRate: 2.5, serviceRate: 1, servers: 3, capacity: 20, holdingCost: 1,
    rejectionCost: 6)
  print(try model.report())
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(1)
}
