import Foundation

/// Minimal SVG writers for the CLI's `--svg` outputs: categorical heatmaps (policy grids)
/// and line charts (linear or log-10 y axis). Self-contained files a browser opens.
enum SVG {
  /// One categorical heatmap panel: `cells[row][column]` is a category index into `legend`,
  /// or nil for a cell outside the model (drawn empty). Row 0 is drawn at the bottom.
  struct HeatmapPanel {
    var title: String
    var rowLabel: String
    var columnLabel: String
    var rowValues: [Int]
    var columnValues: [Int]
    var cells: [[Int?]]
  }

  /// A colour-blind-safe palette for categories (Okabe-Ito).
  static let palette = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#0072B2"]

  /// Panels side by side with a shared legend.
  static func heatmap(title: String, panels: [HeatmapPanel], legend: [String]) -> String {
    let cell = 10.0
    let margin = 50.0
    var x = margin
    var body = ""
    var height = 0.0
    for panel in panels {
      let width = Double(panel.columnValues.count) * cell
      let panelHeight = Double(panel.rowValues.count) * cell
      height = max(height, panelHeight)
      let top = 40.0
      body += text(x: x, y: top - 8, panel.title, size: 12)
      for (row, rowCells) in panel.cells.enumerated() {
        for (column, category) in rowCells.enumerated() {
          guard let category else { continue }
          let cx = x + Double(column) * cell
          let cy = top + panelHeight - Double(row + 1) * cell
          let colour = palette[category % palette.count]
          body +=
            "<rect x=\"\(cx)\" y=\"\(cy)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(colour)\"><title>\(panel.rowLabel)=\(panel.rowValues[row]) \(panel.columnLabel)=\(panel.columnValues[column]): \(legend[category])</title></rect>\n"
        }
      }
      body +=
        "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(width)\" height=\"\(panelHeight)\" fill=\"none\" stroke=\"#333\"/>\n"
      for (column, value) in panel.columnValues.enumerated() where column % 10 == 0 {
        body += text(x: x + Double(column) * cell, y: top + panelHeight + 12, "\(value)", size: 9)
      }
      for (row, value) in panel.rowValues.enumerated() where row % 10 == 0 {
        body += text(
          x: x - 22, y: top + panelHeight - Double(row) * cell - 1, "\(value)", size: 9)
      }
      body += text(x: x + width / 2 - 10, y: top + panelHeight + 26, panel.columnLabel, size: 11)
      body += text(x: x - 45, y: top + panelHeight / 2, panel.rowLabel, size: 11)
      x += width + margin + 20
    }
    var legendY = 40.0 + height + 45
    for (index, name) in legend.enumerated() {
      body +=
        "<rect x=\"\(margin)\" y=\"\(legendY - 9)\" width=\"10\" height=\"10\" fill=\"\(palette[index % palette.count])\"/>\n"
      body += text(x: margin + 15, y: legendY, name, size: 11)
      legendY += 15
    }
    return document(width: x, height: legendY + 10, title: title, body: body)
  }

  /// A named series of (x, y) points for `lineChart`.
  struct Series {
    var name: String
    var points: [(x: Double, y: Double)]
  }

  /// A line chart; with `logY` the y axis is log10 and non-positive points are skipped.
  static func lineChart(
    title: String, xLabel: String, yLabel: String, series: [Series], logY: Bool = false
  ) -> String {
    let width = 640.0
    let height = 400.0
    let left = 70.0
    let right = 160.0
    let top = 40.0
    let bottom = 50.0
    let transform: (Double) -> Double? = { y in
      logY ? (y > 0 ? log10(y) : nil) : (y.isFinite ? y : nil)
    }
    let xs = series.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
    let ys = series.flatMap { $0.points.compactMap { transform($0.y) } }
    guard let xMin = xs.min(), let xMax = xs.max(), let yMin0 = ys.min(), let yMax0 = ys.max()
    else { return document(width: width, height: height, title: title, body: "") }
    let yMin = logY ? yMin0.rounded(.down) : yMin0
    let yMax = logY ? max(yMax0.rounded(.up), yMin + 1) : (yMax0 > yMin0 ? yMax0 : yMin0 + 1)
    let xSpan = xMax > xMin ? xMax - xMin : 1
    let plotWidth = width - left - right
    let plotHeight = height - top - bottom
    func px(_ x: Double) -> Double { left + (x - xMin) / xSpan * plotWidth }
    func py(_ y: Double) -> Double { top + plotHeight - (y - yMin) / (yMax - yMin) * plotHeight }
    var body =
      "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#333\"/>\n"
    let ticks = 5
    for tick in 0...ticks {
      let fraction = Double(tick) / Double(ticks)
      let xValue = xMin + fraction * xSpan
      body += text(x: px(xValue) - 10, y: top + plotHeight + 15, format(xValue), size: 10)
      let yValue = yMin + fraction * (yMax - yMin)
      let yText = logY ? "1e" + String(Int(yValue.rounded())) : format(yValue)
      if !logY || yValue == yValue.rounded() {
        body += text(x: left - 55, y: py(yValue) + 3, yText, size: 10)
        body +=
          "<line x1=\"\(left)\" y1=\"\(py(yValue))\" x2=\"\(left + plotWidth)\" y2=\"\(py(yValue))\" stroke=\"#ddd\"/>\n"
      }
    }
    for (index, line) in series.enumerated() {
      let colour = palette[index % palette.count]
      let points = line.points.compactMap { point -> String? in
        guard point.x.isFinite, let y = transform(point.y) else { return nil }
        return "\(px(point.x)),\(py(y))"
      }
      body +=
        "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
      let legendY = top + 15 * Double(index + 1)
      body +=
        "<line x1=\"\(left + plotWidth + 10)\" y1=\"\(legendY - 4)\" x2=\"\(left + plotWidth + 30)\" y2=\"\(legendY - 4)\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
      body += text(x: left + plotWidth + 35, y: legendY, line.name, size: 11)
    }
    body += text(x: left + plotWidth / 2 - 20, y: height - 12, xLabel, size: 12)
    body += text(x: 5, y: top - 10, yLabel + (logY ? " (log scale)" : ""), size: 12)
    return document(width: width, height: height, title: title, body: body)
  }

  private static func format(_ value: Double) -> String {
    String(format: "%.3g", value)
  }

  private static func escape(_ string: String) -> String {
    string.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }

  private static func text(x: Double, y: Double, _ string: String, size: Int) -> String {
    "<text x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" font-family=\"sans-serif\">\(escape(string))</text>\n"
  }

  private static func document(width: Double, height: Double, title: String, body: String)
    -> String
  {
    """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))">
    <rect width="100%" height="100%" fill="white"/>
    <text x="10" y="18" font-size="14" font-family="sans-serif" font-weight="bold">\(escape(title))</text>
    \(body)</svg>

    """
  }
}
