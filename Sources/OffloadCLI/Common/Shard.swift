import ArgumentParser
import Foundation

/// `--shard i/n` or `--shard auto`: one part of a sweep, for job arrays (docs/cli.md,
/// "Shards and merge").
struct ShardOption: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Compute only shard i of n (1 <= i <= n <= \(ShardOption.maximumCount)), e.g. 2/4, or "
        + "'auto' to read SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT; writes CSV by default.",
      valueName: "i/n|auto"))
  var shard: String?

  /// The largest shard count.
  static let maximumCount = 100_000

  /// One shard: `index` is 1-based.
  struct Position: Equatable {
    var index: Int
    var count: Int
    /// `i/n`, as shard CSVs carry it.
    var label: String { "\(index)/\(count)" }
  }

  /// The shard given, or nil without `--shard`.
  /// - Throws: `ValidationError` (exit 64) for a malformed value or, with `auto`, missing
  ///   or invalid SLURM variables.
  func position(environment: [String: String] = ProcessInfo.processInfo.environment) throws
    -> Position?
  {
    try shard.map { try Self.parse($0, environment: environment) }
  }

  /// The position `i/n` or `auto` describes.
  static func parse(_ shard: String, environment: [String: String]) throws -> Position {
    if shard == "auto" {
      let names = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"]
      guard let id = environment[names[0]], let total = environment[names[1]] else {
        throw ValidationError(
          "--shard auto needs the environment variables \(names.joined(separator: " and ")) "
            + "(set by a SLURM job array); give --shard i/n otherwise")
      }
      // SLURM numbers array tasks from 0 (--array=0-7) or from 1 (--array=1-8).
      guard let index = Int(id), let count = Int(total) else {
        throw ValidationError(
          "invalid SLURM_ARRAY_TASK_ID '\(id)' or SLURM_ARRAY_TASK_COUNT '\(total)' for "
            + "--shard auto: expected integers")
      }
      let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
      return try validated(index - minimum + 1, count, text: "auto (\(id) of \(total))")
    }
    let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
      throw ValidationError(
        "malformed value '\(shard)' for --shard: expected i/n with integers 1 <= i <= n, or auto")
    }
    return try validated(index, count, text: shard)
  }

  private static func validated(_ index: Int, _ count: Int, text: String) throws -> Position {
    guard (1...maximumCount).contains(count), (1...count).contains(index) else {
      throw ValidationError(
        "invalid value '\(text)' for --shard: must be i/n with integers 1 <= i <= n <= "
          + "\(maximumCount)")
    }
    return Position(index: index, count: count)
  }
}

/// The trailing CSV columns of a shard (after the provenance columns): which shard, how
/// many rows it holds, and each row's place in the full sweep, so that `merge` can check
/// a set of shards and restore the order.
enum ShardColumns {
  static let names = ["parameter_hash", "shard", "shard_rows", "point"]

  /// `table` (already `describing` its provenance) with the shard columns appended;
  /// `points[r]` is row r's 1-based point in the full sweep.
  static func append(
    to table: TextTable, shard: ShardOption.Position, hash: String, points: [Int]
  ) -> TextTable {
    var result = TextTable(header: table.header + names)
    for (row, point) in zip(table.rows, points) {
      result.append(row + [hash, shard.label, String(table.rows.count), String(point)])
    }
    return result
  }
}
