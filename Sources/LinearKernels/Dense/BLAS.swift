import COpenBLAS

#if canImport(Glibc)
  import Glibc
#endif

/// Thin wrappers over CBLAS (OpenBLAS) on column-major `Matrix` values.
///
/// OpenBLAS runs single-threaded by default in OffloadLab (see `setThreadCount(_:)`):
/// parallelism belongs at the sweep level, and on small matrices one thread is as fast.
public enum BLAS {
  /// Sets OpenBLAS's thread count for subsequent calls (`openblas_set_num_threads`).
  /// Results do not depend on it beyond round-off in the last bits of dense kernels.
  public static func setThreadCount(_ count: Int) {
    precondition(count >= 1, "BLAS thread count \(count) must be >= 1")
    openblas_set_num_threads(Int32(count))
  }

  /// The current OpenBLAS thread count.
  public static var threadCount: Int { Int(openblas_get_num_threads()) }

  /// Applies the library default: one thread unless `OPENBLAS_NUM_THREADS` is set.
  /// Called by every entry point that runs BLAS or LAPACK.
  public static func applyDefaultThreading() {
    _ = defaultThreading
  }

  private static let defaultThreading: Void = {
    if getenv("OPENBLAS_NUM_THREADS") == nil { openblas_set_num_threads(1) }
  }()

  /// `y = alpha * op(A) x + beta * y`, op(A) = A or Aᵀ. As in BLAS, y is not read when
  /// `beta == 0` (a NaN there does not propagate), also when a dimension is empty.
  /// - Complexity: O(rowCount * columnCount).
  public static func gemv(
    _ a: Matrix, _ x: [Double], transposed: Bool = false, alpha: Double = 1,
    beta: Double = 0, y: [Double]? = nil
  ) -> [Double] {
    applyDefaultThreading()
    let (m, n) = (a.rowCount, a.columnCount)
    let outCount = transposed ? n : m
    precondition(x.count == (transposed ? m : n), "x has \(x.count) entries for \(m)x\(n)")
    precondition(m <= Int32.max && n <= Int32.max, "matrix too large for 32-bit BLAS")
    var result = y ?? Array(repeating: 0, count: outCount)
    precondition(result.count == outCount, "y has \(result.count) entries, need \(outCount)")
    if m == 0 || n == 0 {
      return beta == 0 ? Array(repeating: 0, count: outCount) : result.map { $0 * beta }
    }
    cblas_dgemv(
      CblasColMajor, transposed ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha,
      a.storage, Int32(m), x, 1, beta, &result, 1)
    return result
  }

  /// `C = A B`.
  /// - Complexity: O(m n k).
  public static func gemm(_ a: Matrix, _ b: Matrix) -> Matrix {
    applyDefaultThreading()
    precondition(
      a.columnCount == b.rowCount,
      "inner dimensions differ: \(a.rowCount)x\(a.columnCount) times \(b.rowCount)x\(b.columnCount)"
    )
    var c = Matrix(rowCount: a.rowCount, columnCount: b.columnCount)
    let (m, n, k) = (a.rowCount, b.columnCount, a.columnCount)
    if m == 0 || n == 0 || k == 0 { return c }
    precondition(max(m, n, k) <= Int32.max, "matrix too large for 32-bit BLAS")
    cblas_dgemm(
      CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a.storage,
      Int32(m), b.storage, Int32(k), 0, &c.storage, Int32(m))
    return c
  }
}
