// Solves routing between two parallel queues (a fast and a slow server) under the average
// criterion and prints the certified gain bracket and the routing map (Examples/README.md).
import ExampleModels
import Foundation

do {
  let model = try ParallelQueues(
    arrivalRate: 2, serviceRates: (2, 1), buffers: (8, 8), holdingCosts: (1, 1), lossCost: 10)
  print(try model.report())
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(1)
}
