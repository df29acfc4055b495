import Foundation
import Testing

@Suite("offload machine")
struct MachineCommandTests {
  /// The JSON contract of `evaluate` on the hand value of A14: one user, one-slot jobs,
  /// q = s = 1/2, μ = 1: Δ = 2, S = L = 5, total (1/N, N = 1) = 7.
  @Test(arguments: ["randomized", "max-age"])
  func evaluateJSONContractOnTheHandValue(_ policy: String) throws {
    let result = try runOffload([
      "machine", "evaluate", "--policy", policy, "--service-probabilities", "1",
      "--flip-probability", "0.5", "--busy-after-completion", "0.5", "--sampling-cost", "5",
      "--sampling-probability", "1", "--format", "json",
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    let ages = try #require(json["ages"] as? [Double])
    #expect(ages.count == 1 && abs(ages[0] - 2) < 1e-12)
    #expect(abs(try #require(json["samplingCost"] as? Double) - 5) < 1e-12)
    #expect(abs(try #require(json["totalCost"] as? Double) - 7) < 1e-12)
    let check = try #require(json["exactCheck"] as? [String: Any])
    #expect(try #require(check["maxAbsDifference"] as? Double) <= 1e-10)
  }

  /// `--slot-ordering` (docs/markov-machine.md §A0, §A2) on a hand-worked case: one user,
  /// one-slot jobs, μ = 1, q = 1/4, s = 1. A2: the inter-completion time is the idle period I
  /// with E[I] = 2/μ − 1 + s/q = 5 and E[I²] = 1 + s/q + 2s/q² = 37 (A3.2 at μ = 1), so
  /// Δ = 37/10 + 1/2 = 4.2. Flip-first: the first sample sees s' = s(1 − q) + (1 − s)q = 3/4
  /// busy, E[I] = 4, E[I²] = 1 + 3 + 24 = 28, Δ = 28/8 + 1/2 = 4. Service in the next slot:
  /// X = I + 1, E[X] = 6, E[X²] = 37 + 10 + 1 = 48, Δ = 48/12 + 1/2 = 4.5.
  @Test(arguments: [("a2", 4.2), ("flip-first", 4.0), ("service-next-slot", 4.5)])
  func slotOrderingChangesTheAgeAsWorkedByHand(_ ordering: String, _ age: Double) throws {
    let result = try runOffload([
      "machine", "evaluate", "--policy", "max-age", "--service-probabilities", "1",
      "--flip-probability", "0.25", "--busy-after-completion", "1", "--sampling-probability", "1",
      "--slot-ordering", ordering, "--format", "json",
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    let ages = try #require(json["ages"] as? [Double])
    #expect(ages.count == 1 && abs(ages[0] - age) < 1e-12)
  }

  /// `--empty-queue-sampling-probability` (docs/markov-machine.md §A2.4): without arrivals
  /// every queue stays empty, so the sampling cost per slot is 0 by default (no sampling) and
  /// exactly L = 5 with μ0 = 1 (a sample in every slot).
  @Test(arguments: [([String](), 0.0), (["--empty-queue-sampling-probability", "1"], 5.0)])
  func emptyQueueSamplingCostsLPerSampledSlot(_ flag: [String], _ cost: Double) throws {
    let result = try runOffload(
      [
        "machine", "simulate", "--service-probabilities", "0.5,0.5", "--arrival-probabilities",
        "0,0", "--sampling-cost", "5", "--slots", "1000", "--replications", "2", "--format", "json",
      ] + flag)
    #expect(result.exitCode == 0, "\(result.standardError)")
    let reports = try #require(
      (try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])?[
        "rows"] as? [[String: Any]])
    #expect(reports.count == 2)
    for report in reports {
      let sampling = try #require(
        (report["result"] as? [String: Any])?["samplingCost"] as? [String: Any])
      #expect(try #require(sampling["mean"] as? Double) == cost)
    }
  }

  /// `--max-age-ties` reaches the literal max-age chain: with two users and capped ages, ties
  /// happen, and lowest-index and highest-index ties serve different users first, so the
  /// two users' ages swap roles when the users' parameters are swapped (a symmetry
  /// argument; the numbers themselves come from the chain).
  @Test func maxAgeTiesHighestMirrorsLowestOnSwappedUsers() throws {
    func ages(_ service: String, _ ties: String) throws -> [Double] {
      let result = try runOffload([
        "machine", "evaluate", "--policy", "max-age", "--service-probabilities", service,
        "--sampling-probability", "0.8", "--literal-cap", "6", "--max-age-ties", ties,
        "--format", "json",
      ])
      #expect(result.exitCode == 0, "\(result.standardError)")
      let json = try #require(
        try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
      let check = try #require(json["exactCheck"] as? [String: Any])
      let literal = try #require(check["literalMaxAge"] as? [String: Any])
      return try #require(literal["ages"] as? [Double])
    }
    let lowest = try ages("0.4,0.9", "lowest")
    let mirrored = try ages("0.9,0.4", "highest")
    #expect(lowest.count == 2 && mirrored.count == 2)
    #expect(abs(lowest[0] - mirrored[1]) < 1e-9 && abs(lowest[1] - mirrored[0]) < 1e-9)
    #expect(abs(lowest[0] - (try ages("0.4,0.9", "highest"))[0]) > 1e-6)
  }

  /// With q_i = q = μ = 1e-9 a cycle lasts about 1e10 slots, far beyond the exact chain's
  /// largest age cap (1e7): the chain cannot certify the closed form, so the command says
  /// so and exits 2 (not converged) instead of printing truncated ages as exact.
  @Test func exactChainBeyondItsCapExitsNotConverged() throws {
    let result = try runOffload([
      "machine", "evaluate", "--service-probabilities", "1e-9", "--flip-probability", "1e-9",
      "--sampling-probability", "1e-9", "--format", "csv",
    ])
    #expect(result.exitCode == 2)
    #expect(result.standardError.contains("the exact chain reached its largest age cap"))
  }

  @Test func evaluateTableShowsEveryMemberOfTheSubset() throws {
    let result = try runOffload([
      "machine", "evaluate", "--subset", "2,4", "--sampling-probability", "0.7",
      "--schedule", "0.4,0.6",
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    // The provenance caption, then the table.
    let all = result.standardOutput.split(separator: "\n")
    #expect(all.first?.hasPrefix("# offload ") == true && all.first?.contains("subset=2;4") == true)
    let rows = Array(all.dropFirst())
    #expect(rows.first?.contains("age (closed form)") == true)
    #expect(rows.count > 3 && rows[1].hasPrefix("   2") && rows[2].hasPrefix("   4"))
    #expect(result.standardOutput.contains("exact check: max |closed form - exact|"))
  }

  @Test func optimizePrintsOneRowPerSubset() throws {
    let result = try runOffload([
      "machine", "optimize", "--service-probabilities", "0.5,0.8", "--starts", "2", "--format",
      "csv",
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let lines = result.standardOutput.split(separator: "\n")
    #expect(
      lines.first?.hasPrefix(
        "subset,phi1 mu,phi1 pi,phi1 objective,max-age mu,max-age objective,flip_probability,")
        == true)
    #expect(lines.first?.hasSuffix(",offload_version") == true)
    #expect(lines.count == 4)
  }

  @Test func stabilityLabelsReconstructions() throws {
    let result = try runOffload(["machine", "stability", "--starts", "2"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    for label in ["R1", "R1'", "R1-chi", "R2", "R2-chi", "R2-family", "load"] {
      #expect(result.standardOutput.contains(label))
    }
    #expect(result.standardOutput.contains("reconstruction, not the paper's statement"))
  }

  @Test func simulateReportsProgressAndEstimates() throws {
    let result = try runOffload([
      "machine", "simulate", "--service-probabilities", "0.5,0.8", "--arrival-probabilities",
      "0.05,0.1", "--slots", "20000", "--replications", "2", "--policy", "max-age", "--format",
      "csv",
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(result.standardError.contains("replications): 2/2 done, about 0 s left"))
    #expect(result.standardOutput.hasPrefix("policy,quantity,user,mean,ci95,closed form,verdict"))
    #expect(result.standardOutput.contains("max-age,queueGrowthSlope"))
  }

  @Test func figure4WritesCSVAndSVG() throws {
    let svg = FileManager.default.temporaryDirectory.appendingPathComponent(
      "machine-figure4-\(ProcessInfo.processInfo.processIdentifier).svg")
    defer { try? FileManager.default.removeItem(at: svg) }
    let result = try runOffload([
      "machine", "figure4", "--q-values", "0.5", "--slots", "5000", "--replications", "2",
      "--starts", "2", "--format", "csv", "--svg", svg.path,
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let lines = result.standardOutput.split(separator: "\n")
    #expect(lines.count == 5)
    #expect(lines.first?.hasPrefix("regime,q,policy,totalCost,ci95") == true)
    #expect(try String(contentsOf: svg, encoding: .utf8).contains("<svg"))
  }

  @Test func optimalComparesBothPaperPolicies() throws {
    let result = try runOffload([
      "machine", "optimal", "--age-cap", "30", "--starts", "2", "--format", "json",
    ])
    #expect(result.exitCode == 0, "\(result.standardError)")
    #expect(result.standardOutput.contains("\"bestRandomized\""))
    #expect(result.standardOutput.contains("\"bestMaxAge\""))
    #expect(result.standardError.contains("relative value iteration"))
  }

  /// Invalid input: exit code 64 and a message naming the parameter, the value and the
  /// valid range.
  @Test(arguments: [
    (
      ["evaluate", "--flip-probability", "1.5"],
      "invalid value 1.5 for flip probability (q): must be in [1e-09, 1)"
    ),
    (
      ["evaluate", "--busy-after-completion=-0.2"],
      "invalid value -0.2 for busy-after-completion probability (s): must be in [0, 1]"
    ),
    (
      ["evaluate", "--service-probabilities", "0.5,0"],
      "invalid value 0 for service probability q_2: must be in [1e-09, 1]"
    ),
    (
      ["evaluate", "--service-probabilities", "0.5,x"],
      "malformed value '0.5,x' for service probabilities (q_i): expected a comma list of numbers"
    ),
    (
      ["simulate", "--service-probabilities", "0.5", "--arrival-probabilities", "1"],
      "invalid value 1 for arrival probability p_1: must be in [0, 1)"
    ),
    (
      ["evaluate", "--sampling-cost=-1"],
      "invalid value -1 for sampling cost (L): must be in [0, 1e+100]"
    ),
    (
      ["evaluate", "--sampling-probability", "0"],
      "invalid value 0 for sampling probability (mu): must be in [1e-09, 1]"
    ),
    (
      ["evaluate", "--schedule", "0.5,0.5,0.25,0.25"],
      "invalid value 1.5 for schedule (pi) sum: must be 1 (within 1e-9; pi is a distribution over S)"
    ),
    (
      ["evaluate", "--subset", "5"],
      "invalid value 5 for subset (S) member: must be a user in 1...4"
    ),
    (["evaluate", "--accuracy", "0"], "invalid value 0 for accuracy: must be finite and > 0"),
    (
      ["evaluate", "--policy", "max-age", "--literal-cap", "1", "--subset", "1,2"],
      "invalid value 1 for age cap (A) of the literal max-age chain"
    ),
    (["optimize", "--starts", "0"], "invalid value 0 for starts: must be an integer in 1...1000"),
    (
      ["simulate", "--slots", "0"],
      "invalid value 0 for --slots: must be an integer in 100...1e12 (the queue-growth test "
        + "cuts the run into 100 windows)"
    ),
    (
      ["simulate", "--slots", "50"],
      "invalid value 50 for --slots: must be an integer in 100...1e12"
    ),
    (
      ["simulate", "--replications", "0"],
      "invalid value 0 for --replications (R): must be an integer in 2...10000"
    ),
    (
      ["simulate", "--replications", "1000000000000", "--slots", "100"],
      "invalid value 1000000000000 for --replications (R): must be an integer in 2...10000"
    ),
    (
      ["cases", "--replications", "1000000000000"],
      "invalid value 1000000000000 for --replications (R): must be an integer in 2...10000"
    ),
    (
      ["figure4", "--replications", "1000000000000"],
      "invalid value 1000000000000 for --replications (R): must be an integer in 2...10000"
    ),
    (["optimal", "--age-cap", "1000000000"], "invalid value 1000000000 for --age-cap (A)"),
    (["simulate", "--svg", "x"], "Unknown option '--svg'"),
    (
      ["figure4", "--svg", "no-such-folder/f.svg"],
      "for --svg: the folder 'no-such-folder' does not exist"
    ),
    (["figure4", "--q-values", "0:1"], "malformed value '0:1' for --q-values"),
    (
      ["figure4", "--q-values", "1"],
      "invalid value 1 for flip probability (q): must be in [1e-09, 1)"
    ),
    (
      ["optimal", "--service-probabilities", "0.5,0.5,0.5,0.5"],
      "invalid value 4 for number of users (N) of the optimal-policy MDP: must be <= 3"
    ),
    (
      ["optimal", "--service-probabilities", "0.5,0.5", "--tolerance", "0"],
      "invalid value 0 for tolerance: must be finite and > 0"
    ),
    (
      ["evaluate", "--flip-probability", "-0.5"],
      "invalid value -0.5 for flip probability (q): must be in [1e-09, 1)"
    ),
    (["evaluate", "--accuracy", "inf"], "invalid value inf for accuracy: must be finite and > 0"),
    (
      ["evaluate", "--policy", "max-age", "--schedule", "0.2,0.8"],
      "for --schedule: a schedule pi applies to --policy randomized only"
    ),
    (["evaluate", "--subset", "1,"], "malformed value '1,' for --subset (S)"),
    (["evaluate", "--subset", "1,1"], "expected each user listed once"),
    (
      ["evaluate", "--subset", "-9223372036854775808"],
      "invalid value -9223372036854775808 for subset (S) member: must be a user in 1...4"
    ),
    (
      ["simulate", "--replications", "1"],
      "invalid value 1 for --replications (R): must be an integer in 2...10000"
    ),
    (
      ["simulate", "--slots", "9223372036854775807"],
      "invalid value 9223372036854775807 for --slots: must be an integer in 100...1e12"
    ),
    (
      ["simulate", "--subset", "1"],
      "invalid value 1 for --subset: S applies with --permanent-congestion only"
    ),
    (
      ["optimal", "--service-probabilities", "0.5,0.5", "--tolerance", "inf"],
      "invalid value inf for tolerance: must be finite and > 0"
    ),
    (["figure4", "--q-values", "0.1:0.9:1e-300"], "more than 1000 points"),
    (["evaluate", "--policy", "greedy"], "The value 'greedy' is invalid for '--policy <policy>'"),
  ])
  func invalidInputExitsWith64(_ arguments: [String], _ message: String) throws {
    let result = try runOffload(["machine"] + arguments)
    #expect(result.exitCode == 64)
    #expect(result.standardError.contains(message), "\(result.standardError)")
  }
}
