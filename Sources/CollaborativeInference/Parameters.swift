import GenerativeMarkov
import MarkovSolvers

/// Resource comparisons use this tolerance: x ≤ y ⇔ x ≤ y + ε (spec G2).
let resourceTolerance = 1e-9

/// The phases a subtask goes through on a user node (spec G4.1); the server runs the
/// execution phase only. The raw value is the executor's abort rank (spec G6.1).
public enum SubtaskPhase: Int8, Sendable, Hashable, CaseIterable {
  case download = 0
  case execution = 1
  case upload = 2
}

/// One subtask of a task type: its data item and what its execution needs.
public struct SubtaskProfile: Sendable, Equatable {
  /// Size of the subtask's data item (GB of user storage).
  public var size: Double
  /// Memory held while placed (GB).
  public var memory: Double
  /// CPU demand while executing (cores).
  public var cpu: Double
  /// Duration of the execution phase at full pace.
  public var execution: DurationModel
  /// Download of the data item onto a user (bandwidth factor 1, level 1).
  public var dataDownload: DurationModel

  public init(
    size: Double, memory: Double, cpu: Double, execution: DurationModel,
    dataDownload: DurationModel
  ) {
    self.size = size
    self.memory = memory
    self.cpu = cpu
    self.execution = execution
    self.dataDownload = dataDownload
  }
}

/// A request type k: its probability among new requests and its subtasks P_k.
public struct TaskType: Sendable, Equatable {
  public var name: String
  public var probability: Double
  public var subtasks: [SubtaskProfile]

  public init(name: String, probability: Double, subtasks: [SubtaskProfile]) {
    self.name = name
    self.probability = probability
    self.subtasks = subtasks
  }
}

/// A finite Markov chain of allocation levels: realised allocation = nominal × value of the
/// level (spec G4.1, the PLACEHOLDER for [C]'s ARMA allocation models).
public struct LevelChain: Sendable, Equatable {
  /// λ_ℓ ∈ (0, 1].
  public var values: [Double]
  /// Row-stochastic P(ℓ, ℓ').
  public var transition: [[Double]]
  /// Law of the level when a node comes online (users) or at time 0 (simulation).
  public var initial: [Double]

  public init(values: [Double], transition: [[Double]], initial: [Double]) {
    self.values = values
    self.transition = transition
    self.initial = initial
  }

  /// The single level 1.
  public static let constant = LevelChain(values: [1], transition: [[1]], initial: [1])

  func validate(_ name: String) throws(ParameterError) {
    guard !values.isEmpty else {
      throw .malformed(name: "\(name) levels", value: "[]", expected: "at least one level")
    }
    for value in values where !(value > 0 && value <= 1) {
      throw .outOfRange("\(name) level value", value, valid: "in (0, 1]")
    }
    guard transition.count == values.count, transition.allSatisfy({ $0.count == values.count })
    else {
      throw .inconsistent(
        name: "\(name) level transition", value: "\(transition.count) rows",
        reason: "must be a \(values.count)x\(values.count) matrix")
    }
    for (row, probabilities) in transition.enumerated() {
      try checkDistribution(probabilities, name: "\(name) level transition row \(row)")
    }
    guard initial.count == values.count else {
      throw .inconsistent(
        name: "\(name) initial level law", value: "\(initial.count) entries",
        reason: "needs \(values.count)")
    }
    try checkDistribution(initial, name: "\(name) initial level law")
  }
}

/// A probability vector: entries in [0, 1] summing to 1 within 1e-12.
func checkDistribution(_ probabilities: [Double], name: String) throws(ParameterError) {
  for p in probabilities where !(p >= 0 && p <= 1) {
    throw .outOfRange(name, p, valid: "a probability in [0, 1]")
  }
  let sum = probabilities.reduce(0, +)
  guard abs(sum - 1) <= 1e-12 else {
    throw .outOfRange("\(name) (sum)", sum, valid: "1 within 1e-12")
  }
}

/// Every parameter of the collaborative-inference instance (spec G2–G6;
/// docs/collaborative-inference.md §2). Quantities are in GB (memory, storage), cores (CPU)
/// and steps of 1 s.
public struct InferenceParameters: Sendable, Equatable {
  public var userCount: Int
  public var types: [TaskType]
  /// Availability: sojourn online / offline (Weibull / log-normal in [C]).
  public var online: DurationModel
  public var offline: DurationModel
  /// Think time between requests and patience of an active request (Pareto in [C]).
  public var think: DurationModel
  public var patience: DurationModel
  /// Phases of a subtask on a user node; must contain `.execution` (default download →
  /// execution → upload).
  public var userPipeline: [SubtaskPhase]
  /// Input download / result upload phases on user nodes (bandwidth factor 1).
  public var inputDownload: DurationModel
  public var resultUpload: DurationModel
  /// User profile: CPU (cores), memory and storage (GB), bandwidth factor.
  public var userCpu: Double
  public var userMemory: Double
  public var userStorage: Double
  public var userBandwidth: Double
  /// Nominal server allocation a† = (CPU, memory) and its execution speed.
  public var serverCpu: Double
  public var serverMemory: Double
  public var serverSpeed: Double
  public var userLevels: LevelChain
  public var serverLevels: LevelChain
  /// mx: memory held by an active data download (GB).
  public var downloadMemory: Double
  /// Scheduler memory estimate m̂ = mem · (1 + margin).
  public var memoryMargin: Double
  /// Per-step probability that an offline user loses each stored item.
  public var evictionProbability: Double
  /// θ of the adaptive scheduler.
  public var adaptiveThreshold: Double
  /// Names of the parameters that are PLACEHOLDERs (not recoverable from the papers).
  public var placeholders: [String]

  public init(
    userCount: Int, types: [TaskType], online: DurationModel, offline: DurationModel,
    think: DurationModel, patience: DurationModel, userPipeline: [SubtaskPhase],
    inputDownload: DurationModel, resultUpload: DurationModel, userCpu: Double,
    userMemory: Double, userStorage: Double, userBandwidth: Double, serverCpu: Double,
    serverMemory: Double, serverSpeed: Double = 1, userLevels: LevelChain = .constant,
    serverLevels: LevelChain = .constant, downloadMemory: Double, memoryMargin: Double,
    evictionProbability: Double, adaptiveThreshold: Double, placeholders: [String] = []
  ) throws(ParameterError) {
    self.userCount = userCount
    self.types = types
    self.online = online
    self.offline = offline
    self.think = think
    self.patience = patience
    self.userPipeline = userPipeline
    self.inputDownload = inputDownload
    self.resultUpload = resultUpload
    self.userCpu = userCpu
    self.userMemory = userMemory
    self.userStorage = userStorage
    self.userBandwidth = userBandwidth
    self.serverCpu = serverCpu
    self.serverMemory = serverMemory
    self.serverSpeed = serverSpeed
    self.userLevels = userLevels
    self.serverLevels = serverLevels
    self.downloadMemory = downloadMemory
    self.memoryMargin = memoryMargin
    self.evictionProbability = evictionProbability
    self.adaptiveThreshold = adaptiveThreshold
    self.placeholders = placeholders
    try validate()
  }

  /// The largest user count any entry point accepts (simulation memory is O(users)).
  public static let maximumUserCount = 1_000_000
  /// Item bitmasks are 64 bits and subtask masks 32 bits.
  public static let maximumItemCount = 64
  public static let maximumSubtasksPerType = 32

  /// Checks every parameter (spec G12).
  public func validate() throws(ParameterError) {
    guard userCount >= 1, userCount <= Self.maximumUserCount else {
      throw .outOfRange("users", userCount, valid: "in 1...\(Self.maximumUserCount)")
    }
    guard !types.isEmpty else {
      throw .malformed(name: "types", value: "[]", expected: "at least one task type")
    }
    try checkDistribution(types.map(\.probability), name: "type probabilities")
    for type in types {
      guard !type.subtasks.isEmpty, type.subtasks.count <= Self.maximumSubtasksPerType else {
        throw .outOfRange(
          "subtasks of type \(type.name)", type.subtasks.count,
          valid: "in 1...\(Self.maximumSubtasksPerType)")
      }
      for (index, subtask) in type.subtasks.enumerated() {
        let label = "type \(type.name) subtask \(index)"
        for (name, value) in [
          ("size", subtask.size), ("memory", subtask.memory), ("cpu", subtask.cpu),
        ] where !(value > 0 && value.isFinite) {
          throw .outOfRange("\(label) \(name)", value, valid: "> 0")
        }
        try subtask.execution.validate("\(label) execution")
        try subtask.dataDownload.validate("\(label) data download")
      }
    }
    guard itemCount <= Self.maximumItemCount else {
      throw .outOfRange("data items (subtasks over all types)", itemCount, valid: "<= 64")
    }
    try online.validate("online")
    try offline.validate("offline")
    try think.validate("think")
    try patience.validate("patience")
    try inputDownload.validate("input download")
    try resultUpload.validate("result upload")
    guard userPipeline.contains(.execution), Set(userPipeline).count == userPipeline.count else {
      throw .malformed(
        name: "user pipeline", value: userPipeline.map { "\($0)" }.joined(separator: ","),
        expected: "distinct phases including execution")
    }
    for (name, value) in [
      ("user cpu", userCpu), ("user memory", userMemory), ("user storage", userStorage),
      ("user bandwidth", userBandwidth), ("server cpu", serverCpu),
      ("server memory", serverMemory), ("server speed", serverSpeed),
    ] where !(value > 0 && value.isFinite) {
      throw .outOfRange(name, value, valid: "> 0")
    }
    try userLevels.validate("user")
    try serverLevels.validate("server")
    for (name, value) in [
      ("download memory (mx)", downloadMemory), ("memory margin", memoryMargin),
      ("adaptive threshold (theta)", adaptiveThreshold),
    ] where !(value >= 0 && value.isFinite) {
      throw .outOfRange(name, value, valid: ">= 0")
    }
    guard evictionProbability >= 0, evictionProbability <= 1 else {
      throw .outOfRange("eviction probability", evictionProbability, valid: "in [0, 1]")
    }
  }

  /// J = Σ_k |P_k|: one data item per (type, subtask).
  public var itemCount: Int { types.reduce(0) { $0 + $1.subtasks.count } }

  /// The largest subtask count of any type (the slot stride of `InferenceState`).
  public var maximumSubtasks: Int { types.map(\.subtasks.count).max() ?? 0 }

  /// The initial state of exact enumeration (spec G4.3): every user offline with age 0,
  /// idle, empty storage, server level 0.
  public var initialState: InferenceState {
    .initial(userCount: userCount, maximumSubtasks: maximumSubtasks)
  }

  /// Item index of subtask p of type k.
  func item(type: Int, subtask: Int) -> Int { itemOffsets[type] + subtask }

  var itemOffsets: [Int] {
    var offsets: [Int] = []
    var total = 0
    for type in types {
      offsets.append(total)
      total += type.subtasks.count
    }
    return offsets
  }
}
