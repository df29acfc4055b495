#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How much memory this process may allocate: the least of the machine's physical memory,
/// the memory limit of the process's control group and the room left under its
/// address-space limit.
///
/// ```
/// available = min(physical RAM, cgroup limit, RLIMIT_AS − current address space)
/// ```
///
/// - cgroup v2: `memory.max` of the process's group and of every ancestor up to the mount
///   point (`max` means no limit);
/// - cgroup v1: `memory.limit_in_bytes` of the `memory` hierarchy, likewise (values of
///   2⁶² and above mean no limit);
/// - `RLIMIT_AS` (`ulimit -v`): the soft limit minus the address space already mapped
///   (`/proc/self/statm`), because that limit counts every mapping, not only new ones.
///
/// Memory guards compare their estimate with `available` so that a run that would not fit
/// is refused with a message (exit code 64) instead of being killed by the kernel or
/// aborting on a failed allocation. Physical memory alone is not enough: a container or a
/// batch job usually has far less.
public struct MemoryBudget: Sendable, Equatable, CustomStringConvertible {
  /// Which limit sets `availableBytes`.
  public enum Limit: String, Sendable, Equatable {
    case physicalMemory = "physical memory"
    case controlGroup = "the process's cgroup memory limit"
    case addressSpace = "the address-space limit (ulimit -v)"
  }

  public let physicalBytes: UInt64
  /// The least `memory.max` / `memory.limit_in_bytes` on the group's path (nil: none).
  public let controlGroupBytes: UInt64?
  /// The room left under `RLIMIT_AS` (nil: unlimited).
  public let addressSpaceBytes: UInt64?

  public init(physicalBytes: UInt64, controlGroupBytes: UInt64?, addressSpaceBytes: UInt64?) {
    self.physicalBytes = physicalBytes
    self.controlGroupBytes = controlGroupBytes
    self.addressSpaceBytes = addressSpaceBytes
  }

  /// The least of the three limits.
  public var availableBytes: UInt64 {
    min(physicalBytes, controlGroupBytes ?? .max, addressSpaceBytes ?? .max)
  }

  /// The limit that sets `availableBytes` (physical memory on a tie).
  public var bindingLimit: Limit {
    if let addressSpaceBytes, addressSpaceBytes == availableBytes, addressSpaceBytes < physicalBytes
    {
      return .addressSpace
    }
    if let controlGroupBytes, controlGroupBytes == availableBytes, controlGroupBytes < physicalBytes
    {
      return .controlGroup
    }
    return .physicalMemory
  }

  /// For example `2.5 GiB (the address-space limit (ulimit -v))`.
  public var description: String {
    let gibibytes = (Double(availableBytes) / 1_073_741_824 * 100).rounded() / 100
    return "\(formatParameterValue(gibibytes)) GiB (\(bindingLimit.rawValue))"
  }

  /// The budget of the running process.
  /// - Complexity: a few small file reads.
  public static func current() -> MemoryBudget {
    MemoryBudget(
      physicalBytes: physicalMemory(),
      controlGroupBytes: controlGroupLimit(
        membership: readSmallFile("/proc/self/cgroup") ?? "", readFile: readSmallFile),
      addressSpaceBytes: addressSpaceRoom())
  }

  /// The least memory limit on the path of the process's groups.
  ///
  /// `membership` is the text of `/proc/self/cgroup`: lines `0::/path` (v2) or
  /// `N:memory:/path` (v1, possibly with other controllers in the list). The group's
  /// directory is looked up under the usual mount points; inside a container the path may
  /// not exist under the mount (the mount is then the group itself), so the walk starts at
  /// the deepest existing directory. Every level's limit counts, because a parent's limit
  /// binds its children.
  /// - Parameter readFile: reads a file's text, nil if it does not exist.
  static func controlGroupLimit(membership: String, readFile: (String) -> String?) -> UInt64? {
    var limit: UInt64?
    func consider(_ value: UInt64?) {
      if let value { limit = min(limit ?? .max, value) }
    }
    for line in membership.split(separator: "\n") {
      let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard fields.count == 3 else { continue }
      let controllers = fields[1].split(separator: ",")
      let path = String(fields[2])
      if fields[0] == "0" && controllers.isEmpty {
        for mount in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] {
          consider(walk(mount: mount, path: path, file: "memory.max", readFile: readFile))
        }
      } else if controllers.contains("memory") {
        consider(
          walk(
            mount: "/sys/fs/cgroup/memory", path: path, file: "memory.limit_in_bytes",
            readFile: readFile))
      }
    }
    return limit
  }

  /// The least limit in `file` from `mount + path` up to `mount`.
  private static func walk(
    mount: String, path: String, file: String, readFile: (String) -> String?
  ) -> UInt64? {
    var components = path.split(separator: "/").map(String.init)
    var limit: UInt64?
    while true {
      let directory = ([mount] + components).joined(separator: "/")
      if let text = readFile(directory + "/" + file), let value = parseLimit(text) {
        limit = min(limit ?? .max, value)
      }
      if components.isEmpty { break }
      components.removeLast()
    }
    return limit
  }

  /// A limit file's value: nil for `max` or for v1's "unlimited" (2⁶² and above, the
  /// kernel's page-rounded LONG_MAX).
  static func parseLimit(_ text: String) -> UInt64? {
    let word = text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init)
    guard let word, let value = UInt64(word), value < 1 << 62 else { return nil }
    return value
  }

  private static func physicalMemory() -> UInt64 {
    let pages = sysconf(Int32(_SC_PHYS_PAGES))
    let pageSize = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, pageSize > 0 else { return .max }
    return UInt64(pages).multipliedReportingOverflow(by: UInt64(pageSize)).partialValue
  }

  /// `RLIMIT_AS`'s soft limit minus the address space mapped now; nil when unlimited.
  private static func addressSpaceRoom() -> UInt64? {
    var limit = rlimit()  // RLIM_INFINITY is the all-ones rlim_t.max
    #if canImport(Glibc)
      let resource = __rlimit_resource_t(RLIMIT_AS.rawValue)
    #else
      let resource = RLIMIT_AS
    #endif
    guard getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
    let cap = UInt64(limit.rlim_cur)
    let pageSize = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 1))
    let mappedPages = readSmallFile("/proc/self/statm").flatMap {
      $0.split(separator: " ").first.flatMap { UInt64($0) }
    }
    let mapped = (mappedPages ?? 0).multipliedReportingOverflow(by: pageSize).partialValue
    return cap > mapped ? cap - mapped : 0
  }

  /// The text of a small file (at most 4 KiB), nil if it cannot be read.
  private static func readSmallFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
    return String(decoding: buffer[0..<count], as: UTF8.self)
  }
}
