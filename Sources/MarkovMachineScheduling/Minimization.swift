/// Derivative-free minimisers for the per-subset problems of A8 (deterministic: no
/// randomness inside; multistart seeds are chosen by the caller).
enum Minimization {
  /// Brent's method (Brent 1973, "localmin": golden section with parabolic steps) on
  /// [lower, upper]. Stops when the bracket around the best point is within
  /// `2 (√ε |x| + tolerance/3)`; never evaluates the endpoints.
  /// - Complexity: O(log((upper − lower)/tolerance)) evaluations, at most `maxEvaluations`.
  static func brent(
    _ f: (Double) -> Double, lower: Double, upper: Double, tolerance: Double = 1e-10,
    maxEvaluations: Int = 200
  ) -> (x: Double, value: Double) {
    let golden = (3 - 5.0.squareRoot()) / 2
    var (a, b) = (lower, upper)
    var x = a + golden * (b - a)
    var (w, v) = (x, x)
    var fx = f(x)
    var (fw, fv) = (fx, fx)
    var (d, e) = (0.0, 0.0)
    for _ in 0..<maxEvaluations {
      let middle = (a + b) / 2
      let tol = Double.ulpOfOne.squareRoot() * abs(x) + tolerance / 3
      if abs(x - middle) <= 2 * tol - (b - a) / 2 { break }
      var takeGoldenStep = true
      if abs(e) > tol {
        var r = (x - w) * (fx - fv)
        var q = (x - v) * (fx - fw)
        var p = (x - v) * q - (x - w) * r
        q = 2 * (q - r)
        if q > 0 { p = -p } else { q = -q }
        r = e
        e = d
        if abs(p) < abs(q * r / 2), p > q * (a - x), p < q * (b - x) {
          d = p / q
          let u = x + d
          if u - a < 2 * tol || b - u < 2 * tol { d = x < middle ? tol : -tol }
          takeGoldenStep = false
        }
      }
      if takeGoldenStep {
        e = (x < middle ? b : a) - x
        d = golden * e
      }
      let u = abs(d) >= tol ? x + d : x + (d > 0 ? tol : -tol)
      let fu = f(u)
      if fu <= fx {
        if u < x { b = x } else { a = x }
        (v, fv, w, fw, x, fx) = (w, fw, x, fx, u, fu)
      } else {
        if u < x { a = u } else { b = u }
        if fu <= fw || w == x {
          (v, fv, w, fw) = (w, fw, u, fu)
        } else if fu <= fv || v == x || v == w {
          (v, fv) = (u, fu)
        }
      }
    }
    return (x, fx)
  }

  /// A global-ish 1-D minimum on [lower, upper]: the best of `gridPoints + 1` equally
  /// spaced points (endpoints included, so a boundary optimum is found exactly), refined
  /// by Brent's method between its two neighbours.
  /// - Complexity: `gridPoints + 1` evaluations plus one Brent search.
  static func gridThenBrent(
    _ f: (Double) -> Double, lower: Double, upper: Double, gridPoints: Int
  ) -> (x: Double, value: Double) {
    precondition(gridPoints >= 2 && upper > lower, "grid \(gridPoints) on [\(lower), \(upper)]")
    let step = (upper - lower) / Double(gridPoints)
    var best = (x: lower, value: f(lower))
    var bestIndex = 0
    for index in 1...gridPoints {
      let x = index == gridPoints ? upper : lower + Double(index) * step
      let value = f(x)
      if value < best.value {
        best = (x, value)
        bestIndex = index
      }
    }
    let left = bestIndex == 0 ? lower : lower + Double(bestIndex - 1) * step
    let right = bestIndex == gridPoints ? upper : lower + Double(bestIndex + 1) * step
    let refined = brent(f, lower: left, upper: right)
    return refined.value < best.value ? refined : best
  }

  /// Nelder–Mead simplex search (Lagarias et al. 1998 coefficients: reflection 1,
  /// expansion 2, contraction 1/2, shrink 1/2) from `start` with initial edge `step`.
  /// Stops when the simplex's value spread is <= `tolerance · (1 + |f_best|)` and its
  /// largest coordinate spread is <= `sqrt(tolerance)`, or after `maxEvaluations`; then
  /// restarts once from the best vertex (to escape a collapsed simplex) unless that
  /// restart finds no improvement.
  /// - Complexity: O(d) evaluations per iteration, at most `maxEvaluations` in total.
  static func nelderMead(
    _ f: ([Double]) -> Double, start: [Double], step: Double = 1, tolerance: Double = 1e-12,
    maxEvaluations: Int = 4000
  ) -> (x: [Double], value: Double) {
    var evaluations = 0
    var result = (x: start, value: f(start))
    for _ in 0..<2 {
      let previous = result.value
      result = simplexSearch(
        f, start: result.x, step: step, tolerance: tolerance,
        budget: maxEvaluations, evaluations: &evaluations)
      if result.value >= previous - tolerance * (1 + abs(previous)) { break }
    }
    return result
  }

  private static func simplexSearch(
    _ f: ([Double]) -> Double, start: [Double], step: Double, tolerance: Double, budget: Int,
    evaluations: inout Int
  ) -> (x: [Double], value: Double) {
    let d = start.count
    var points = [start]
    for axis in 0..<d {
      var vertex = start
      vertex[axis] += step
      points.append(vertex)
    }
    func evaluate(_ x: [Double]) -> Double {
      evaluations += 1
      return f(x)
    }
    var values = points.map(evaluate)
    func affine(_ a: [Double], _ b: [Double], _ t: Double) -> [Double] {
      (0..<d).map { a[$0] + t * (b[$0] - a[$0]) }
    }
    while evaluations < budget {
      let order = values.indices.sorted { (values[$0], $0) < (values[$1], $1) }
      points = order.map { points[$0] }
      values = order.map { values[$0] }
      let spread = values[d] - values[0]
      let size =
        (1...d).map { vertex in
          (0..<d).map { abs(points[vertex][$0] - points[0][$0]) }.max() ?? 0
        }.max() ?? 0
      if spread <= tolerance * (1 + abs(values[0])) && size <= tolerance.squareRoot() { break }
      var centroid = [Double](repeating: 0, count: d)
      for vertex in 0..<d {
        for axis in 0..<d { centroid[axis] += points[vertex][axis] / Double(d) }
      }
      let reflected = affine(centroid, points[d], -1)
      let reflectedValue = evaluate(reflected)
      if reflectedValue < values[0] {
        let expanded = affine(centroid, points[d], -2)
        let expandedValue = evaluate(expanded)
        (points[d], values[d]) =
          expandedValue < reflectedValue
          ? (expanded, expandedValue) : (reflected, reflectedValue)
        continue
      }
      if reflectedValue < values[d - 1] {
        (points[d], values[d]) = (reflected, reflectedValue)
        continue
      }
      let outside = reflectedValue < values[d]
      let contracted = affine(centroid, points[d], outside ? -0.5 : 0.5)
      let contractedValue = evaluate(contracted)
      if contractedValue < (outside ? reflectedValue : values[d]) {
        (points[d], values[d]) = (contracted, contractedValue)
        continue
      }
      for vertex in 1...d {
        points[vertex] = affine(points[0], points[vertex], 0.5)
        values[vertex] = evaluate(points[vertex])
      }
    }
    let best = values.indices.min { (values[$0], $0) < (values[$1], $1) } ?? 0
    return (points[best], values[best])
  }
}
