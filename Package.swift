// swift-tools-version: 6.1
// OffloadLab: exact optimal policies and exact performance figures for offloading and
// scheduling systems. Dependency direction (one way only):
//   COpenBLAS, CSuiteSparse <- LinearKernels <- MarkovSolvers <- {ServiceModeOffloading,
//   MarkovMachineScheduling, TaskReplication, ModelFiles, BatchServiceQueue} <- OffloadLab
//   <- OffloadCLI
import PackageDescription

let internalChecks: [SwiftSetting] = [
  .define("OFFLOADLAB_INTERNAL_CHECKS", .when(configuration: .debug))
]

let package = Package(
  name: "OffloadLab",
  products: [
    .library(name: "OffloadLab", targets: ["OffloadLab"]),
    .executable(name: "offload", targets: ["OffloadCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),
    .systemLibrary(
      name: "CSuiteSparse",
      providers: [.apt(["libsuitesparse-dev"])]
    ),
    .target(
      name: "LinearKernels",
      dependencies: ["COpenBLAS", "CSuiteSparse"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "MarkovSolvers",
      dependencies: ["LinearKernels"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "ServiceModeOffloading",
      dependencies: ["MarkovSolvers"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "MarkovMachineScheduling",
      dependencies: ["MarkovSolvers"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "TaskReplication",
      dependencies: ["MarkovSolvers"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "ModelFiles",
      dependencies: ["LinearKernels", "MarkovSolvers"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "BatchServiceQueue",
      dependencies: ["MarkovSolvers"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "GenerativeMarkov",
      dependencies: ["MarkovSolvers"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "CollaborativeInference",
      dependencies: ["GenerativeMarkov"],
      swiftSettings: internalChecks
    ),
    .target(
      name: "OffloadLab",
      dependencies: [
        "LinearKernels", "MarkovSolvers", "ServiceModeOffloading",
        "MarkovMachineScheduling", "TaskReplication", "ModelFiles", "BatchServiceQueue",
        "GenerativeMarkov", "CollaborativeInference",
      ]
    ),
    .executableTarget(
      name: "OffloadCLI",
      dependencies: [
        "OffloadLab",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(
      name: "TestSupport",
      dependencies: ["LinearKernels", "MarkovSolvers"],
      path: "Tests/TestSupport"
    ),
    .testTarget(
      name: "LinearKernelsTests",
      dependencies: [
        "LinearKernels", "TestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "MarkovSolversTests",
      dependencies: [
        "MarkovSolvers", "TestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "ServiceModeOffloadingTests",
      dependencies: ["ServiceModeOffloading", "TestSupport"]
    ),
    .testTarget(
      name: "MarkovMachineSchedulingTests",
      dependencies: ["MarkovMachineScheduling", "TestSupport"]
    ),
    .testTarget(
      name: "TaskReplicationTests",
      dependencies: [
        "TaskReplication", "TestSupport",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]
    ),
    .testTarget(
      name: "ModelFilesTests",
      dependencies: ["ModelFiles", "TestSupport"]
    ),
    .testTarget(
      name: "BatchServiceQueueTests",
      dependencies: ["BatchServiceQueue", "TestSupport"]
    ),
    .testTarget(
      name: "GenerativeMarkovTests",
      dependencies: ["GenerativeMarkov", "TestSupport"]
    ),
    .testTarget(
      name: "CollaborativeInferenceTests",
      dependencies: ["CollaborativeInference", "TestSupport"]
    ),
    .testTarget(
      name: "OffloadCLITests",
      dependencies: ["OffloadCLI"]
    ),
    // Examples/: user models written with the typed API (Examples/README.md).
    .target(name: "ExampleModels", dependencies: ["OffloadLab"], path: "Examples/Models"),
    .executableTarget(
      name: "admission-control", dependencies: ["ExampleModels"], path: "Examples/admission-control"
    ),
    .executableTarget(
      name: "parallel-queues", dependencies: ["ExampleModels"], path: "Examples/parallel-queues"),
    .executableTarget(
      name: "typed-vs-builtin", dependencies: ["ExampleModels"], path: "Examples/typed-vs-builtin"),
    .testTarget(name: "ExamplesTests", dependencies: ["ExampleModels"]),
  ]
)
