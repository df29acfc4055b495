import Testing

@testable import MarkovSolvers

@Suite("Memory budget: physical memory, cgroup limits and ulimit -v")
struct MemoryBudgetTests {
  /// A fake /sys/fs/cgroup tree.
  static func reader(_ files: [String: String]) -> (String) -> String? { { files[$0] } }

  /// cgroup v2: the group's own `max` does not hide its parent's limit.
  @Test func controlGroupV2TakesTheLeastLimitUpTheTree() {
    let files = [
      "/sys/fs/cgroup/user.slice/job/memory.max": "max\n",
      "/sys/fs/cgroup/user.slice/memory.max": "2147483648\n",
      "/sys/fs/cgroup/memory.max": "8589934592\n",
    ]
    let limit = MemoryBudget.controlGroupLimit(
      membership: "0::/user.slice/job\n", readFile: Self.reader(files))
    #expect(limit == 2_147_483_648)
  }

  /// cgroup v1 (the `memory` controller line), with the kernel's "unlimited" value
  /// 9223372036854771712 on the group itself.
  @Test func controlGroupV1ReadsTheMemoryHierarchy() {
    let files = [
      "/sys/fs/cgroup/memory/batch/abc/memory.limit_in_bytes": "9223372036854771712\n",
      "/sys/fs/cgroup/memory/batch/memory.limit_in_bytes": "1073741824\n",
    ]
    let membership = "9:name=systemd:/\n4:memory:/batch/abc\n1:cpu,cpuacct:/\n0::/\n"
    #expect(
      MemoryBudget.controlGroupLimit(membership: membership, readFile: Self.reader(files))
        == 1_073_741_824)
  }

  /// Inside a container the group's path is not under the mount, which is the group itself.
  @Test func containerMountIsTheGroupItself() {
    let files = ["/sys/fs/cgroup/memory.max": "536870912"]
    #expect(
      MemoryBudget.controlGroupLimit(
        membership: "0::/kubepods/pod1/c1", readFile: Self.reader(files))
        == 536_870_912)
    #expect(MemoryBudget.controlGroupLimit(membership: "0::/", readFile: Self.reader([:])) == nil)
    #expect(MemoryBudget.parseLimit("max\n") == nil)
    #expect(MemoryBudget.parseLimit("garbage") == nil)
  }

  /// The least limit binds, and the description names it.
  @Test func availableIsTheLeastLimitAndNamesIt() {
    let gib: UInt64 = 1 << 30
    let limited = MemoryBudget(
      physicalBytes: 16 * gib, controlGroupBytes: 4 * gib, addressSpaceBytes: 2 * gib + gib / 2)
    #expect(limited.availableBytes == 2 * gib + gib / 2)
    #expect(limited.bindingLimit == .addressSpace)
    #expect(limited.description == "2.5 GiB (the address-space limit (ulimit -v))")
    let container = MemoryBudget(
      physicalBytes: 16 * gib, controlGroupBytes: 4 * gib, addressSpaceBytes: nil)
    #expect(container.bindingLimit == .controlGroup)
    let machine = MemoryBudget(
      physicalBytes: 16 * gib, controlGroupBytes: nil, addressSpaceBytes: nil)
    #expect(machine.availableBytes == 16 * gib && machine.bindingLimit == .physicalMemory)
    #expect(MemoryBudget.current().availableBytes <= MemoryBudget.current().physicalBytes)
  }
}
