import Foundation
import GenerativeMarkov
import MarkovSolvers

/// The named instances of the spec: the tiny ones of G7.2 (exact enumeration) and the
/// paper-scale one of G6.6 (simulation). Docs: docs/collaborative-inference.md §4.
public enum InferenceInstance: String, Sendable, CaseIterable {
  case t1 = "T1"
  case t2 = "T2"
  case t3 = "T3"
  case t4 = "T4"
  case m1 = "M1"
  case paper

  /// The instance's parameters (`users`, `serverMultiple`, `userMultiple` apply to `paper`
  /// only; the tiny instances fix their user count).
  public func parameters(
    users: Int? = nil, serverMultiple: Double = 10, userMultiple: Double = 1,
    adaptiveThreshold: Double = 1
  ) throws(ParameterError) -> InferenceParameters {
    switch self {
    case .paper:
      return try Self.paper(
        users: users ?? 1000, serverMultiple: serverMultiple, userMultiple: userMultiple,
        adaptiveThreshold: adaptiveThreshold)
    default:
      if let users, users != tinyUserCount {
        throw .inconsistent(
          name: "users", value: String(users),
          reason: "instance \(rawValue) has exactly \(tinyUserCount) users")
      }
      return try tiny(adaptiveThreshold: adaptiveThreshold)
    }
  }

  var tinyUserCount: Int { self == .t3 ? 3 : 2 }

  /// Spec G7.2: every resource quantity a multiple of 0.5, so comparisons are exact.
  private func tiny(adaptiveThreshold: Double) throws(ParameterError) -> InferenceParameters {
    let common = SubtaskProfile(
      size: 1, memory: 1, cpu: 1, execution: .memoryless(0.6), dataDownload: .memoryless(0.5))
    var types = [TaskType(name: "t", probability: 1, subtasks: [common, common])]
    var online = DurationModel.table([0.05, 0.15])
    var offline = DurationModel.table([0.3, 0.5])
    var patience = DurationModel.table([0, 0, 0.2, 0.5, 1])
    var pipeline: [SubtaskPhase] = [.execution, .upload]
    var userMemory = 1.0
    var userStorage = 1.0
    var serverCpu = 1.0
    var serverMemory = 2.0
    var userLevels = LevelChain.constant
    var serverLevels = LevelChain.constant
    var downloadMemory = 0.0
    switch self {
    case .t2:
      var a = common
      a.dataDownload = .table([0.2, 0.6, 1])
      var b = common
      b.execution = .memoryless(0.4)
      b.dataDownload = .table([0.3, 1])
      types = [
        TaskType(name: "a", probability: 0.5, subtasks: [a]),
        TaskType(name: "b", probability: 0.5, subtasks: [b]),
      ]
      online = .memoryless(0.08)
      patience = .table([0, 0.5, 1])
      pipeline = [.execution]
      downloadMemory = 0.5
      userStorage = 2
      userMemory = 1.5
      userLevels = LevelChain(
        values: [0.5, 1.0], transition: [[0.8, 0.2], [0.1, 0.9]], initial: [1.0 / 3, 2.0 / 3])
      serverMemory = 1
    case .t3:
      types = [TaskType(name: "t", probability: 1, subtasks: [common])]
      online = .memoryless(0.1)
      offline = .memoryless(0.3)
      patience = .table([0, 0, 0.5, 1])
      pipeline = [.download, .execution, .upload]
      serverMemory = 1
    case .t4:
      serverLevels = LevelChain(
        values: [0.5, 1.0], transition: [[0.9, 0.1], [0.05, 0.95]], initial: [1.0 / 3, 2.0 / 3])
      serverCpu = 2
      serverMemory = 2
    case .m1:
      patience = .table([0, 0, 0.5, 1])
    default:
      break
    }
    return try InferenceParameters(
      userCount: tinyUserCount, types: types, online: online, offline: offline,
      think: .memoryless(0.3), patience: patience, userPipeline: pipeline,
      inputDownload: .memoryless(0.8), resultUpload: .memoryless(0.8), userCpu: 1,
      userMemory: userMemory, userStorage: userStorage, userBandwidth: 1, serverCpu: serverCpu,
      serverMemory: serverMemory, userLevels: userLevels, serverLevels: serverLevels,
      downloadMemory: downloadMemory, memoryMargin: 0, evictionProbability: 0.1,
      adaptiveThreshold: adaptiveThreshold,
      placeholders: ["every value of a tiny instance (spec G7.2)"])
  }

  /// The paper-scale instance of spec G6.6 (`paper_instance(N, server_mult, user_mult,
  /// theta)`): availability, think time, patience, type mix and profiles from [C]; subtask
  /// profiles, allocation levels, transfer phases, mx, margin and evict are PLACEHOLDERs.
  private static func paper(
    users: Int, serverMultiple: Double, userMultiple: Double, adaptiveThreshold: Double
  ) throws(ParameterError) -> InferenceParameters {
    guard serverMultiple > 0, serverMultiple.isFinite, serverMultiple <= 10_000 else {
      throw .outOfRange("server capacity multiple", serverMultiple, valid: "in (0, 10000]")
    }
    guard userMultiple > 0, userMultiple.isFinite, userMultiple <= 100 else {
      throw .outOfRange("user capacity multiple", userMultiple, valid: "in (0, 100]")
    }
    let transferRate = 0.0125  // GB/s: 100 Mbit/s
    func light(_ r: Int) -> SubtaskProfile {
      let size = 0.15 + 0.05 * Double(r)
      return SubtaskProfile(
        size: size, memory: 0.3 + 0.05 * Double(r), cpu: 0.5, execution: .memoryless(2.0 / 3),
        dataDownload: .memoryless(-expm1(-transferRate / size)))
    }
    func heavy(_ r: Int) -> SubtaskProfile {
      let size = 1.05 + 0.15 * Double(r)
      return SubtaskProfile(
        size: size, memory: 1.0 + 0.1 * Double(r), cpu: 1.0, execution: .memoryless(0.25),
        dataDownload: .memoryless(-expm1(-transferRate / size)))
    }
    let types = [
      TaskType(name: "light-5", probability: 0.4, subtasks: (0..<5).map { light($0 % 5) }),
      TaskType(name: "light-10", probability: 0.3, subtasks: (0..<10).map { light($0 % 5) }),
      TaskType(name: "heavy-5", probability: 0.2, subtasks: (0..<5).map { heavy($0 % 5) }),
      TaskType(name: "heavy-10", probability: 0.1, subtasks: (0..<10).map { heavy($0 % 5) }),
    ]
    let userLevels = LevelChain(
      values: [0.5, 0.75, 1.0],
      transition: [[0.995, 0.005, 0], [0.005, 0.99, 0.005], [0, 0.005, 0.995]],
      initial: [1.0 / 3, 1.0 / 3, 1.0 / 3])
    let serverLevels = LevelChain(
      values: [0.9, 1.0], transition: [[0.9995, 0.0005], [0.0005, 0.9995]], initial: [0.5, 0.5])
    return try InferenceParameters(
      userCount: users, types: types, online: .weibull(scale: 1133.1, shape: 0.5764),
      offline: .logNormal(mu: log(5259), sigma: 1.5), think: .pareto(scale: 30, shape: 1.5),
      patience: .pareto(scale: 30, shape: 1.5), userPipeline: [.download, .execution, .upload],
      inputDownload: .memoryless(-expm1(-transferRate / 0.002)),
      resultUpload: .memoryless(-expm1(-transferRate / 0.0005)), userCpu: 2 * userMultiple,
      userMemory: 2.5 * userMultiple, userStorage: 3 * userMultiple, userBandwidth: userMultiple,
      serverCpu: 2 * serverMultiple, serverMemory: 2.5 * serverMultiple, userLevels: userLevels,
      serverLevels: serverLevels, downloadMemory: 0.05, memoryMargin: 0, evictionProbability: 0,
      adaptiveThreshold: adaptiveThreshold,
      placeholders: [
        "subtask sizes, memory, cpu and execution durations (G6.6)",
        "allocation level chains of users and server (G6.6)",
        "memoryless data download / input download / result upload (G6.6)",
        "mx = 0.05 GB, margin = 0, evict = 0 (G6.6)", "warm-up 3600 s (G6.6)",
        "scheduler tie rules and processing orders (G6.2-G6.4)",
      ])
  }
}
