import Foundation

/// Adaptive Gauss–Legendre quadrature for the smooth one-dimensional integrals of the
/// inter-arrival laws (docs/batch-queue.md §6: the generalised exponential integral and the
/// lognormal integrals).
///
/// Each panel is integrated with the 20-point Gauss–Legendre rule (exact for polynomials of
/// degree 39) and with the same rule on its two halves; a panel is accepted when the two
/// estimates differ by at most `relativeTolerance` times the current estimate of the whole
/// integral, otherwise both halves are refined (at most `maximumDepth` halvings).
/// At most `maximumPanels` panels are refined, so the work is bounded for any integrand.
/// The nodes are computed once by Newton's method on the Legendre polynomial.
enum GaussLegendre {
  /// Nodes and weights of the 20-point rule on [-1, 1].
  static let rule: (nodes: [Double], weights: [Double]) = legendreRule(pointCount: 20)

  /// Newton iteration on `P_n` from the asymptotic guesses `cos(π (i - 1/4) / (n + 1/2))`,
  /// weights `2 / ((1 - x²) P_n'(x)²)`.
  static func legendreRule(pointCount n: Int) -> (nodes: [Double], weights: [Double]) {
    var nodes = [Double](repeating: 0, count: n)
    var weights = [Double](repeating: 0, count: n)
    for i in 0..<(n + 1) / 2 {
      var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
      var derivative = 0.0
      for _ in 0..<100 {
        var previous = 1.0
        var current = x
        for j in 2...n {
          let next = (Double(2 * j - 1) * x * current - Double(j - 1) * previous) / Double(j)
          previous = current
          current = next
        }
        derivative = Double(n) * (x * current - previous) / (x * x - 1)
        let step = current / derivative
        x -= step
        if abs(step) < 1e-17 { break }
      }
      nodes[i] = -x
      nodes[n - 1 - i] = x
      let weight = 2 / ((1 - x * x) * derivative * derivative)
      weights[i] = weight
      weights[n - 1 - i] = weight
    }
    return (nodes, weights)
  }

  /// The 20-point rule on one panel [a, b].
  static func panel(_ f: (Double) -> Double, _ a: Double, _ b: Double) -> Double {
    let half = (b - a) / 2
    let middle = (a + b) / 2
    var sum = 0.0
    for (node, weight) in zip(rule.nodes, rule.weights) { sum += weight * f(middle + half * node) }
    return sum * half
  }

  /// `∫_{points[0]}^{points.last} f`, with the sorted `points` as breakpoints.
  /// - Complexity: 60 evaluations of `f` per refined panel.
  static func integrate(
    _ f: (Double) -> Double, over points: [Double], relativeTolerance: Double = 1e-15,
    maximumDepth: Int = 40, maximumPanels: Int = 4096
  ) -> Double {
    var panels: [(a: Double, b: Double, value: Double, depth: Int)] = []
    var total = 0.0
    for (a, b) in zip(points, points.dropFirst()) where b > a {
      let value = panel(f, a, b)
      panels.append((a, b, value, 0))
      total += value
    }
    var result = 0.0
    var refinements = 0
    while let (a, b, value, depth) = panels.popLast() {
      refinements += 1
      let middle = (a + b) / 2
      let left = panel(f, a, middle)
      let right = panel(f, middle, b)
      let refined = left + right
      total += refined - value
      if abs(refined - value) <= max(relativeTolerance * abs(total), 1e-300)
        || depth >= maximumDepth || refinements >= maximumPanels || middle <= a || middle >= b
      {
        result += refined
      } else {
        panels.append((a, middle, left, depth + 1))
        panels.append((middle, b, right, depth + 1))
      }
    }
    return result
  }
}
