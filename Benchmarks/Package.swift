// swift-tools-version: 6.1
// Benchmarks for OffloadLab, kept in a separate package so that the root package never
// resolves or builds package-benchmark (plain `swift build` / `swift test` stay fast).
// Run from this directory: `swift package benchmark [--filter REGEX] [--no-progress]`.
import PackageDescription

let benchmarkTargets = [
  "KernelBenchmarks", "ServiceModeBenchmarks", "MarkovMachineBenchmarks", "ReplicationBenchmarks",
  "BatchQueueBenchmarks",
  "InferenceBenchmarks",
]

let package = Package(
  name: "OffloadLabBenchmarks",
  dependencies: [
    // `name:` pins the identity: a path dependency is otherwise named after the checkout's
    // directory, which differs between clones.
    .package(name: "OffloadLab", path: "../"),
    // Only the MallocInterposer trait: the default RuntimeInterposer trait pulls in
    // swift-runtime-interposer on Linux with Swift 6.3, which the package mirror lacks.
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: benchmarkTargets.map { name in
    .executableTarget(
      name: name,
      dependencies: [
        .product(name: "OffloadLab", package: "OffloadLab"),
        .product(name: "Benchmark", package: "benchmark"),
      ],
      path: "Benchmarks/\(name)",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
  }
)
