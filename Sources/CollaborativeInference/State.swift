/// Where one subtask of a user's active request is (spec G4.1–G4.2): unplaced, done, or on
/// a node in a phase with an age.
public struct SubtaskSlot: Sendable, Hashable {
  /// `unplacedNode`, `doneNode`, a user index 0..<N, or N for the server.
  public var node: Int32
  public var phase: SubtaskPhase
  public var age: Int32

  public static let unplacedNode: Int32 = -1
  public static let doneNode: Int32 = -2
  public static let unplaced = SubtaskSlot(node: unplacedNode, phase: .download, age: 0)
  public static let done = SubtaskSlot(node: doneNode, phase: .download, age: 0)

  public var isPlaced: Bool { node >= 0 }
  public var isDone: Bool { node == Self.doneNode }
}

/// The state of one user (spec G4.2): (o, d^o, ℓ, q, d^q, download, ready, subtasks).
public struct UserState: Sendable, Hashable {
  public var online = false
  /// d^o, age in the current availability state.
  public var availabilityAge: Int32 = 0
  /// Allocation level index, `offLevel` when offline.
  public var level: Int8 = UserState.offLevel
  /// Type index of the active request, `idle` (k0) when none.
  public var request: Int8 = UserState.idle
  /// d^q: think age when idle and online, request age when active, 0 when offline.
  public var requestAge: Int32 = 0
  /// The item being downloaded or paused, `noItem` when none (at most one per user).
  public var downloadItem: Int8 = UserState.noItem
  public var downloadPaused = false
  /// d^x, age of the download phase (kept while paused).
  public var downloadAge: Int32 = 0
  /// Bit j set ⇔ item j is stored and ready.
  public var ready: UInt64 = 0
  /// One slot per subtask of the active request (empty when idle).
  public var subtasks: [SubtaskSlot] = []

  public static let offLevel: Int8 = -1
  public static let idle: Int8 = -1
  public static let noItem: Int8 = -1

  public init() {}

  public var isActive: Bool { request != Self.idle }
  public var allSubtasksDone: Bool { subtasks.allSatisfy(\.isDone) }

  /// One 64-bit digest of every field (fields packed into words, mixed multiplicatively),
  /// so that hashing a state costs one `Hasher` call per user instead of one per field.
  /// Equal states have equal digests; unequal ones may collide (`==` decides).
  var digest: UInt64 {
    var words = UInt64(UInt32(bitPattern: availabilityAge))
    words |= UInt64(UInt8(bitPattern: level)) << 32 | UInt64(UInt8(bitPattern: request)) << 40
    words |= UInt64(UInt8(bitPattern: downloadItem)) << 48
    words |= (online ? 1 << 56 : 0) | (downloadPaused ? 1 << 57 : 0)
    var digest = mix(0, words)
    digest = mix(
      digest, UInt64(UInt32(bitPattern: requestAge)) | UInt64(UInt32(bitPattern: downloadAge)) << 32
    )
    digest = mix(digest, ready)
    for slot in subtasks {
      digest = mix(
        digest,
        UInt64(UInt32(bitPattern: slot.node)) | UInt64(UInt32(bitPattern: slot.age)) << 32
          ^ UInt64(slot.phase.rawValue) << 61)
    }
    return digest
  }

  public func hash(into hasher: inout Hasher) { hasher.combine(digest) }
}

/// One multiply–xorshift round folding `word` into `digest` (a state digest, not a
/// cryptographic hash: `Hasher` still seeds and finalises it).
@inline(__always)
func mix(_ digest: UInt64, _ word: UInt64) -> UInt64 {
  let product = (digest ^ word) &* 0x9E37_79B9_7F4A_7C15
  return product ^ (product >> 29)
}

/// The stored state s_t = (server level, users) of the instance; actions and consumption
/// are recomputed every step and not stored (spec G4.1).
public struct InferenceState: Sendable, Hashable {
  public var serverLevel: Int8
  public var users: [UserState]

  /// All users offline with age 0, idle, empty storage, server level 0 (spec G4.3, the
  /// initial state of exact enumeration).
  public static func initial(userCount: Int) -> InferenceState {
    InferenceState(serverLevel: 0, users: Array(repeating: UserState(), count: userCount))
  }

  /// 1ᵀδ: the number of users with an active request (the cost of Def. 3.1, spec G9).
  public var activeRequestCount: Int { users.reduce(0) { $0 + ($1.isActive ? 1 : 0) } }

  /// The users' digests folded together (see `UserState.digest`).
  var digest: UInt64 { users.reduce(UInt64(UInt8(bitPattern: serverLevel))) { mix($0, $1.digest) } }

  public func hash(into hasher: inout Hasher) { hasher.combine(digest) }
}
