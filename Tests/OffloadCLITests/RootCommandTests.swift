import Testing

@Suite("offload root command")
struct RootCommandTests {
  @Test func helpListsTheThreeModelCommands() throws {
    let result = try runOffload(["--help"])
    #expect(result.exitCode == 0)
    for name in ["modes", "machine", "replicas"] {
      #expect(result.standardOutput.contains(name))
    }
  }

  @Test func unknownSubcommandIsAUsageError() throws {
    let result = try runOffload(["no-such-command"])
    #expect(result.exitCode == 64)
  }
}
