package io.batchwise.tensor.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import java.util.Objects;

/**
 * Single-precision GEMM on an OpenCL device through Aparapi-bound OpenCL C kernels
 * ({@code gemm.cl}), with numbered kernel versions kept side by side for tests and benchmarks.
 *
 * <p>Contract (the same as {@link io.batchwise.tensor.Ops#gemm}): C = alpha · op(A) · op(B) +
 * beta · C, row-major, with op(A) m×k and op(B) k×n. A is stored m×k (k×m when {@code transA}), B
 * is stored k×n (n×k when {@code transB}), C is m×n; leading dimensions are the stored row lengths.
 * All three operands live in ONE float arena at element offsets. With beta = 0, C is not read, so
 * NaN in C does not propagate; k = 0 gives C = beta · C.
 *
 * <p>One instance must always be given the same arena array: Aparapi 3.0.2 re-pins a kernel
 * argument whenever a different Java array is passed in it and leaks a JNI critical section (the
 * JVM hangs at its next GC). {@link #gemm} enforces this. Not thread-safe: calls are synchronous
 * launches on one binding.
 */
public final class ClGemm implements AutoCloseable {

  /** The kernel versions, slowest first. {@link #DEFAULT} is the fastest measured here. */
  public enum Version {
    /** One work-item per element of C, scalar loop. */
    V1,
    /** 16×16 work-group tiles staged through local memory, one element per work-item. */
    V2,
    /**
     * An 8×16 tile of C per work-item in eight float16 accumulators (rank-1 updates along k);
     * consecutive work-items walk along a row of tiles. transB gathers B; transA and transB
     * together compute C^T = B·A from the stored layouts and store transposed.
     */
    V3,
    /**
     * As V3, but consecutive work-items walk down a column of tiles, so they share one 16-column
     * panel of B in cache (B is read from memory once when A's block fits in L2).
     */
    V4,
    /**
     * V4, with transB alone (A and B both contiguous along k) computed instead by dot-product
     * tiles: 4×4 elements of C per work-item, float16 partial sums along k.
     */
    V5,
    /**
     * V5, with each element of A fed straight from memory into its FMA (an embedded broadcast on
     * x86) instead of gathering eight A values and permuting each out.
     */
    V6,
    /**
     * V6 with an 8×32 tile of C per work-item (sixteen float16 accumulators), so each broadcast
     * element of A feeds two FMAs.
     */
    V7,
    /**
     * V7, with transB alone computed by work-groups of 8×32-tile work-items sharing one block of
     * B, which the group copies transposed into local memory chunk by chunk along k.
     */
    V8,
    /**
     * V8, with the other layouts' 8×32 tiles visited in blocks of 4 tile columns (row block major
     * inside a block), so a block's panels of B stay in L2 while all rows of A pass.
     */
    V9,
    /**
     * Picks per call among the kernels above by what measured fastest on each kind of product
     * (see {@link ClGemm#family}): V6's 8×16 tiles for conv-shaped products with few rows
     * (m ≤ 256), V9 for the rest, and for transB alone V8's local-memory kernel on long
     * reductions over enough columns (k ≥ 2048, n ≥ 128: a convolution's weight gradient) or V5's
     * dot-product tiles otherwise.
     */
    V10
  }

  /** The version {@link #ClGemm(OpenCLDevice)} uses. */
  public static final Version DEFAULT = Version.V10;

  /**
   * Work-items per work-group for the 1D tiled launches (PoCL runs a group as one task, looping
   * over its work-items); the system property {@code batchwise.gemm.group} overrides it.
   */
  private static final int TILE_GROUP = Integer.getInteger("batchwise.gemm.group", 8);

  private final GemmKernels kernels;
  private final OpenCLDevice device;
  private final Version version;
  private float[] boundArena;
  private boolean closed;

  /** A GEMM using the default (fastest) version. */
  public ClGemm(OpenCLDevice device) {
    this(device, DEFAULT);
  }

  /** A GEMM pinned to one kernel version (for tests and benchmarks). */
  public ClGemm(OpenCLDevice device, Version version) {
    this.device = Objects.requireNonNull(device, "device");
    this.version = Objects.requireNonNull(version, "version");
    this.kernels = device.bind(GemmKernels.class);
  }

  /** The kernel version this instance launches. */
  public Version version() {
    return version;
  }

  /**
   * C = alpha · op(A) · op(B) + beta · C on {@code arena}; see the class comment for layouts.
   *
   * @throws IllegalArgumentException on negative sizes, an operand outside the arena, or a second
   *     arena array (one instance serves one arena for its whole life)
   */
  public void gemm(float[] arena, boolean transA, boolean transB, int m, int n, int k, float alpha,
      int aOff, int bOff, float beta, int cOff) {
    if (closed) {
      throw new IllegalStateException("ClGemm is closed");
    }
    Objects.requireNonNull(arena, "arena");
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(
          "gemm sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
    }
    checkRange(arena, "A", aOff, (long) m * k);
    checkRange(arena, "B", bOff, (long) k * n);
    checkRange(arena, "C", cOff, (long) m * n);
    if (boundArena == null) {
      boundArena = arena;
    } else if (boundArena != arena) {
      throw new IllegalArgumentException("ClGemm was first used with another arena array; one "
          + "instance must always see the same array (Aparapi leaks a pin per array change)");
    }
    if (m == 0 || n == 0) {
      return;
    }
    int ta = transA ? 1 : 0;
    int tb = transB ? 1 : 0;
    switch (version) {
      case V1 -> {
        int total = m * n;
        kernels.gemm_v1(range1(total, 64), arena, m, n, k, ta, tb, aOff, bOff, cOff, alpha, beta);
      }
      case V2 -> {
        Range r = device.createRange2D(roundUp(n, 16), roundUp(m, 16), 16, 16);
        kernels.gemm_v2(r, arena, m, n, k, ta, tb, aOff, bOff, cOff, alpha, beta);
      }
      case V3, V4, V5, V6, V7, V8, V9, V10 ->
          tiled(arena, transA, transB, m, n, k, alpha, aOff, bOff, beta, cOff);
    }
  }

  /** A layout-specific tiled kernel: (range, F, m, n, k, tilesM, tilesN, offsets, alpha, beta). */
  @FunctionalInterface
  private interface TiledKernel {
    void launch(Range r, float[] f, int m, int n, int k, int tilesM, int tilesN, int aOff,
        int bOff, int cOff, float alpha, float beta);
  }

  /**
   * The kernel family a call runs: the instance's version, or for {@link Version#V10} the one that
   * measured fastest on this kind of product (GemmBench, 2-core AVX-512 EPYC under PoCL 3.1: on
   * 64×25088×576 V6 reached 115–133 GFLOP per CPU-second against 70–100 for V7–V9, on 1024³ and the
   * transA 576×25088×64 product V9 reached 130–160 against 85–100 for V6; for transB alone V8 led
   * at k = 25088 and V5 at k = 800).
   */
  static Version family(Version v, boolean transA, boolean transB, int m, int n, int k) {
    if (v != Version.V10) {
      return v;
    }
    if (transB && !transA) {
      // V8 runs one work-group per 32 columns of C: with fewer than 4 groups a core would idle.
      return k >= 2048 && n >= 128 ? Version.V8 : Version.V5;
    }
    return m <= 256 && !transB ? Version.V6 : Version.V9;
  }

  private void tiled(float[] f, boolean transA, boolean transB, int m, int n, int k, float alpha,
      int aOff, int bOff, float beta, int cOff) {
    Version v = family(version, transA, transB, m, n, k);
    if (transB && !transA && v.compareTo(Version.V8) >= 0) {
      int tm = ceilDiv(m, 8);
      int tn = ceilDiv(n, 32);
      int group = Math.min(8, tm);
      Range r = device.createRange2D(roundUp(tm, group), tn, group, 1);
      kernels.gemm_v8_nt(r, f, m, n, k, tm, tn, aOff, bOff, cOff, alpha, beta);
      return;
    }
    if (transB && !transA && v.compareTo(Version.V5) >= 0) {
      int tm = ceilDiv(m, 4);
      int tn = ceilDiv(n, 4);
      kernels.gemm_d4_nt(range1(tm * tn, TILE_GROUP), f, m, n, k, tm, tn, aOff, bOff, cOff, alpha,
          beta);
      return;
    }
    TiledKernel kernel = pick(v, transA, transB);
    // tt computes C^T (n×m) = B_stored (n×k) · A_stored (k×m), so its tiles count over (n, m).
    int rows = transA && transB ? n : m;
    int cols = transA && transB ? m : n;
    int tm = ceilDiv(rows, 8);
    int tn = ceilDiv(cols, v.compareTo(Version.V7) >= 0 ? 32 : 16);
    kernel.launch(range1(tm * tn, TILE_GROUP), f, m, n, k, tm, tn, aOff, bOff, cOff, alpha, beta);
  }

  private TiledKernel pick(Version v, boolean transA, boolean transB) {
    int layout = (transA ? 2 : 0) + (transB ? 1 : 0);
    GemmKernels g = kernels;
    return switch (v) {
      case V3 -> switch (layout) {
        case 0 -> g::gemm_v3_nn;
        case 1 -> g::gemm_v3_nt;
        case 2 -> g::gemm_v3_tn;
        default -> g::gemm_v3_tt;
      };
      case V4, V5 -> switch (layout) {
        case 0 -> g::gemm_v4_nn;
        case 1 -> g::gemm_v4_nt;
        case 2 -> g::gemm_v4_tn;
        default -> g::gemm_v4_tt;
      };
      case V6 -> switch (layout) {
        case 0 -> g::gemm_v6_nn;
        case 1 -> g::gemm_v6_nt;
        case 2 -> g::gemm_v6_tn;
        default -> g::gemm_v6_tt;
      };
      case V7, V8 -> switch (layout) {
        case 0 -> g::gemm_v7_nn;
        case 1 -> g::gemm_v7_nt;
        case 2 -> g::gemm_v7_tn;
        default -> g::gemm_v7_tt;
      };
      case V9 -> switch (layout) {
        case 0 -> g::gemm_v9_nn;
        case 1 -> g::gemm_v9_nt;
        case 2 -> g::gemm_v9_tn;
        default -> g::gemm_v9_tt;
      };
      default -> throw new IllegalStateException("not a tiled version: " + version);
    };
  }

  private Range range1(int items, int group) {
    return device.createRange(roundUp(items, group), group);
  }

  private static void checkRange(float[] arena, String name, int off, long len) {
    if (off < 0 || off + len > arena.length) {
      throw new IllegalArgumentException("gemm operand " + name + " [" + off + ", " + (off + len)
          + ") lies outside the arena of " + arena.length + " floats");
    }
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private static int roundUp(int a, int b) {
    return ceilDiv(a, b) * b;
  }

  /** Releases the kernels. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      BoundProgramDisposal.dispose(kernels);
    }
  }
}
