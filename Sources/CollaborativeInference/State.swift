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

/// The state of one user (spec G4.2): (o, d^o, ℓ, q, d^q, download, ready); the subtask
/// slots of its active request live in `InferenceState.slots`, so that a user is plain data
/// and copying a state copies no reference per user.
public struct UserState: Sendable, Hashable {
  public var online = false
  /// d^o, age in the current availability state.
  public var availabilityAge: Int32 = 0
  /// Allocation level index, `offLevel` when offline.
  public var level: Int8 = UserState.offLevel
  /// Type index of the active request, `idle` (k0) when none.
  public var request: Int8 = UserState.idle
  /// Number of subtasks of the active request (0 when idle).
  public var subtaskCount: Int8 = 0
  /// d^q: think age when idle and online, request age when active, 0 when offline.
  public var requestAge: Int32 = 0
  /// The item being downloaded or paused, `noItem` when none (at most one per user).
  public var downloadItem: Int8 = UserState.noItem
  public var downloadPaused = false
  /// d^x, age of the download phase (kept while paused).
  public var downloadAge: Int32 = 0
  /// Bit j set ⇔ item j is stored and ready.
  public var ready: UInt64 = 0

  public static let offLevel: Int8 = -1
  public static let idle: Int8 = -1
  public static let noItem: Int8 = -1

  public init() {}

  public var isActive: Bool { request != Self.idle }

  /// The fields packed into two words (not injective: `==` decides).
  var packed: (UInt64, UInt64) {
    var first = UInt64(UInt32(bitPattern: availabilityAge))
    first |= UInt64(UInt8(bitPattern: level)) << 32 | UInt64(UInt8(bitPattern: request)) << 40
    first |= UInt64(UInt8(bitPattern: downloadItem)) << 48 | UInt64(UInt8(subtaskCount)) << 56
    first ^= online ? 1 << 62 : 0
    first ^= downloadPaused ? 1 << 63 : 0
    let second =
      UInt64(UInt32(bitPattern: requestAge)) | UInt64(UInt32(bitPattern: downloadAge)) << 32
    return (first, second)
  }
}

/// The stored state s_t = (server level, users, subtask slots) of the instance; actions and
/// consumption are recomputed every step and not stored (spec G4.1).
public struct InferenceState: Sendable, Hashable {
  public var serverLevel: Int8
  public var users: [UserState]
  /// The subtask slots of every user's active request, `slotStride` per user: user i's
  /// are `slots[i · slotStride ..< i · slotStride + users[i].subtaskCount]`, the rest of its
  /// stride stays `.unplaced`.
  public private(set) var slots: [SubtaskSlot]
  /// The largest subtask count of any type.
  public let slotStride: Int

  /// All users offline with age 0, idle, empty storage, server level 0 (spec G4.3, the
  /// initial state of exact enumeration); `maximumSubtasks` is the largest subtask count of
  /// any type.
  public static func initial(userCount: Int, maximumSubtasks: Int) -> InferenceState {
    InferenceState(
      serverLevel: 0, users: Array(repeating: UserState(), count: userCount),
      slots: Array(repeating: .unplaced, count: userCount * maximumSubtasks),
      slotStride: maximumSubtasks)
  }

  /// 1ᵀδ: the number of users with an active request (the cost of Def. 3.1, spec G9).
  public var activeRequestCount: Int { users.reduce(0) { $0 + ($1.isActive ? 1 : 0) } }

  /// The slots of user `user`'s active request (empty when idle).
  public func subtasks(of user: Int) -> ArraySlice<SubtaskSlot> {
    let start = user * slotStride
    return slots[start..<start + Int(users[user].subtaskCount)]
  }

  /// Slot p of user `user`'s active request.
  public func subtask(_ p: Int, of user: Int) -> SubtaskSlot { slots[user * slotStride + p] }

  /// Writes slot p of user `user`, or nothing if it is unchanged (a write copies a slot array
  /// still shared with another state).
  mutating func setSubtask(_ p: Int, of user: Int, to slot: SubtaskSlot) {
    if slots[user * slotStride + p] != slot { slots[user * slotStride + p] = slot }
  }

  /// Writes user i, or nothing if it is unchanged (as `setSubtask`).
  mutating func replaceUser(_ i: Int, with user: UserState) {
    if users[i] != user { users[i] = user }
  }

  /// Whether every subtask of user `user`'s active request is done.
  public func allSubtasksDone(of user: Int) -> Bool { subtasks(of: user).allSatisfy(\.isDone) }

  /// Sets the subtask count of user `user` to `count` with every slot unplaced (a new
  /// request), or to 0 (no request).
  mutating func resetSubtasks(of user: Int, count: Int) {
    if users[user].subtaskCount != Int8(count) { users[user].subtaskCount = Int8(count) }
    let start = user * slotStride
    for position in start..<start + slotStride where slots[position] != .unplaced {
      slots[position] = .unplaced
    }
  }

  /// One 64-bit digest of every field (fields packed into words, mixed multiplicatively),
  /// so that hashing a state costs one `Hasher` call. Equal states have equal digests;
  /// unequal ones may collide (`==` decides).
  var digest: UInt64 {
    var digest = UInt64(UInt8(bitPattern: serverLevel))
    for user in users {
      let (first, second) = user.packed
      digest = mix(mix(mix(digest, first), second), user.ready)
    }
    for slot in slots {
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
