import ArgumentParser
import OffloadLab

/// `offload replicas curve`: PJF as a function of r on a grid (CSV), optionally as an SVG
/// with a log-scale y axis like the paper's figure.
struct ReplicasCurveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "curve",
    abstract: "PJF as a function of r on a grid (paper's rule, outer-in, LPT, Jensen bound).",
    discussion: "Writes CSV unless --format says otherwise.")

  @OptionGroup var taskOption: ReplicasTasksOption

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Grid of replication factors r >= 1: start:stop:step (inclusive) or a comma list.",
      valueName: "grid"))
  var replicationRange: String = "1:4:0.05"

  @OptionGroup var targetOption: ReplicasTargetOption
  @OptionGroup var poolOptions: ReplicasPoolOptions

  @Option(help: ArgumentHelp("Also write a log-scale SVG plot to this file.", valueName: "path"))
  var svg: String?

  @OptionGroup var output: OutputOptions

  func run() throws {
    try output.checkPaths([("--svg", svg)])
    if let target = targetOption.target {
      try require(
        target > 0 && target < 1,
        .outOfRange("target failure probability (delta)", target, valid: "in (0, 1)"))
    }
    let factors = try parseRange(replicationRange, name: "--replication-range")
    let problem = try taskOption.problem(poolOptions)
    let points = try validatingParameters {
      try problem.curve(
        copyCounts: try factors.map { try problem.copyCount(replicationFactor: $0) })
    }
    var table = TextTable(
      header: [
        "replication_factor", "copies", "pjf_paper", "pjf_outer_in", "pjf_lpt",
        "jensen_lower_bound",
      ])
    for point in points {
      table.append([
        formatNumber(point.replicationFactor), String(point.copyCount),
        formatNumber(point.paper.probability),
        point.outerIn.map { formatNumber($0.probability) } ?? "",
        formatNumber(point.longestProcessingTime.probability),
        formatNumber(point.lowerBound.probability),
      ])
    }
    if let svg {
      try write(plot(points), toFile: svg, flag: "--svg")
      printToStandardError("wrote \(svg)")
    }
    try output.emit(
      CommandResult(document: points.map(Report.init), table: table),
      provenance: replicasProvenance(
        "curve",
        [("tasks", .integer(taskOption.tasks)), ("replication_range", .numbers(factors))]
          + targetOption.provenance, pool: poolOptions, perRow: ["replication_range"]),
      diagnostics: Diagnostics(), defaultFormat: .csv)
  }

  private func plot(_ points: [CurvePoint]) -> String {
    var series = [
      SVG.Series(
        name: "paper's rule", points: points.map { ($0.replicationFactor, $0.paper.probability) }),
      SVG.Series(
        name: "outer-in (r <= 2)",
        points: points.compactMap { point in
          point.outerIn.map { (point.replicationFactor, $0.probability) }
        }),
      SVG.Series(
        name: "LPT",
        points: points.map { ($0.replicationFactor, $0.longestProcessingTime.probability) }),
      SVG.Series(
        name: "Jensen bound",
        points: points.map { ($0.replicationFactor, $0.lowerBound.probability) }),
    ]
    if let target = targetOption.target, let first = points.first, let last = points.last {
      series.append(
        SVG.Series(
          name: "target delta",
          points: [(first.replicationFactor, target), (last.replicationFactor, target)]))
    }
    return SVG.lineChart(
      title: "Probability of joint failure, m = \(taskOption.tasks)",
      xLabel: "replication factor r",
      yLabel: "PJF", series: series, logY: true)
  }

  struct Report: Encodable {
    var replicationFactor: Double
    var copies: Int
    var pjfPaper: Double
    var pjfOuterIn: Double?
    var pjfLpt: Double
    var jensenLowerBound: Double

    init(_ point: CurvePoint) {
      replicationFactor = point.replicationFactor
      copies = point.copyCount
      pjfPaper = point.paper.probability
      pjfOuterIn = point.outerIn?.probability
      pjfLpt = point.longestProcessingTime.probability
      jensenLowerBound = point.lowerBound.probability
    }
  }
}
