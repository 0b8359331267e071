package io.batchwise.tensor.jvm;

import static io.batchwise.tensor.reference.KernelArguments.colSize;
import static io.batchwise.tensor.reference.KernelArguments.dims;
import static io.batchwise.tensor.reference.KernelArguments.doubles;
import static io.batchwise.tensor.reference.KernelArguments.floats;
import static io.batchwise.tensor.reference.KernelArguments.inputSize;
import static io.batchwise.tensor.reference.KernelArguments.outputSize;
import static io.batchwise.tensor.reference.KernelArguments.sameSize;

import io.batchwise.tensor.DropoutHash;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;
import io.batchwise.tensor.reference.KernelArguments;
import io.batchwise.tensor.reference.ReferenceOps;
import java.util.Arrays;

/**
 * The {@link Ops} kernels of {@link JavaDevice}: float arithmetic over the device's arenas, heavy
 * kernels split across a {@link WorkerPool}. Results follow {@link ReferenceOps} (whose Javadoc lists
 * the choices the contract leaves open) up to float rounding; per-channel reductions and the softmax
 * accumulate in double.
 *
 * <p>How work is split, so that no two chunks write the same element:
 * <ol>
 *   <li>GEMM: over tiles of C (up to 64 rows × 256 columns).</li>
 *   <li>im2col and col2im: over input channels (channel c owns rows (c, ·, ·) of col and plane c of
 *       every sample of dx).</li>
 *   <li>Pooling: over (n, c) planes. Channel reductions: over channels. Elementwise: over
 *       contiguous ranges.</li>
 * </ol>
 */
final class JavaOps implements Ops {
  /** Elementwise loops shorter than this run on the calling thread. */
  private static final int ELEMENT_GRAIN = 1 << 15;
  /** GEMM tile: columns of C per tile (four accumulator rows of this width stay in L1). */
  private static final int GEMM_NC = 256;
  /** GEMM tile: at most this many rows of C per tile. */
  private static final int GEMM_MB = 64;
  /** GEMM: steps of k per packed block of op(B) (a 256 KiB block stays in L2). */
  private static final int GEMM_KC = 256;
  /** GEMMs below this many multiply-adds run on the calling thread. */
  private static final long GEMM_INLINE_WORK = 1L << 17;

  private final JavaDevice device;
  private final WorkerPool pool;
  private final float[] f;
  private final double[] dbl;

  JavaOps(JavaDevice device, WorkerPool pool) {
    this.device = device;
    this.pool = pool;
    this.f = device.floats();
    this.dbl = device.doubles();
  }

  /** Loop grain for items that each cost about {@code work} element-operations. */
  private static int grain(long work) {
    return (int) Math.max(1, ELEMENT_GRAIN / Math.max(1, work));
  }

  // ---------------------------------------------------------------- memory

  @Override
  public void fill(Tensor x, float value) {
    int xo = floats(device, "fill", "x", x, 0);
    pool.forRange(x.size(), ELEMENT_GRAIN, (from, to) -> Arrays.fill(f, xo + from, xo + to, value));
  }

  @Override
  public void copy(Tensor src, Tensor dst) {
    int so = floats(device, "copy", "src", src, 0);
    int dO = floats(device, "copy", "dst", dst, 0);
    sameSize("copy", "src", src, "dst", dst);
    System.arraycopy(f, so, f, dO, src.size());
  }

  // ---------------------------------------------------------------- GEMM

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k,
                   float alpha, Tensor a, int aOffset, Tensor b, int bOffset,
                   float beta, Tensor c, int cOffset) {
    dims("gemm", "m, n, k, aOffset, bOffset, cOffset", m, n, k, aOffset, bOffset, cOffset);
    int ao = floats(device, "gemm", "A", a, aOffset + (long) m * k) + aOffset;
    int bo = floats(device, "gemm", "B", b, bOffset + (long) k * n) + bOffset;
    int co = floats(device, "gemm", "C", c, cOffset + (long) m * n) + cOffset;
    if (m == 0 || n == 0) {
      return;
    }
    // Tiles of C: up to GEMM_MB rows × GEMM_NC columns, fewer rows (down to 8, since every tile packs
    // its own blocks of B) when that gives each thread two tiles (a weight gradient has few rows and
    // one column block).
    int colTiles = (n + GEMM_NC - 1) / GEMM_NC;
    int mb = GEMM_MB;
    while (mb > 8 && (long) ((m + mb - 1) / mb) * colTiles < 2L * pool.threads()) {
      mb /= 2;
    }
    int rowsPerTile = mb;
    int rowTiles = (m + mb - 1) / mb;
    int tiles = rowTiles * colTiles;
    int grain = (long) m * n * k <= GEMM_INLINE_WORK ? tiles : 1;
    pool.forRange(tiles, grain, (from, to) -> {
      GemmScratch scratch = gemmScratch.get();
      for (int t = from; t < to; t++) {
        int i0 = (t / colTiles) * rowsPerTile;
        int j0 = (t % colTiles) * GEMM_NC;
        gemmTile(transA, transB, m, n, k, alpha, ao, bo, beta, co,
            i0, Math.min(m, i0 + rowsPerTile), j0, Math.min(GEMM_NC, n - j0), scratch);
      }
    });
  }

  /** Per-thread GEMM work space: a packed block of op(B) and the accumulator rows of one tile. */
  private static final class GemmScratch {
    final float[] bBlock = new float[GEMM_KC * GEMM_NC];
    final float[][] acc = new float[GEMM_MB][GEMM_NC];
    /** Targets for the missing rows of a short last group; never read. Distinct, so no two of the
     *  four accumulator streams alias. */
    final float[][] spare = new float[3][GEMM_NC];
  }

  private final ThreadLocal<GemmScratch> gemmScratch = ThreadLocal.withInitial(GemmScratch::new);

  /**
   * One tile of C = alpha·op(A)·op(B) + beta·C: rows [i0, i1), columns [j0, j0 + nb). For each block
   * of {@link #GEMM_KC} steps of k, the block of op(B) is packed row-major into a per-thread buffer
   * (it then stays in L2 while every row of the tile uses it), and rows are processed four at a time
   * by {@link #gemmKernel}. Accumulators live in separate per-row arrays until the tile is stored.
   */
  private void gemmTile(boolean transA, boolean transB, int m, int n, int k, float alpha, int ao, int bo,
                        float beta, int co, int i0, int i1, int j0, int nb, GemmScratch s) {
    int rows = i1 - i0;
    for (int r = 0; r < rows; r++) {
      Arrays.fill(s.acc[r], 0, nb, 0f);
    }
    for (int kk = 0; kk < k; kk += GEMM_KC) {
      int kb = Math.min(GEMM_KC, k - kk);
      packB(transB, n, k, bo, kk, kb, j0, nb, s.bBlock);
      for (int i = i0; i < i1; i += 4) {
        int group = Math.min(4, i1 - i);
        float[] c0 = s.acc[i - i0];
        float[] c1 = group > 1 ? s.acc[i - i0 + 1] : s.spare[0];
        float[] c2 = group > 2 ? s.acc[i - i0 + 2] : s.spare[1];
        float[] c3 = group > 3 ? s.acc[i - i0 + 3] : s.spare[2];
        gemmKernel(transA, m, k, alpha, ao, i, group, kk, kb, s.bBlock, nb, c0, c1, c2, c3);
      }
    }
    for (int r = 0; r < rows; r++) {
      storeRow(s.acc[r], co + (i0 + r) * n + j0, nb, beta);
    }
  }

  /** bBlock[p·nb + j] = op(B)[kk + p][j0 + j] for p &lt; kb, j &lt; nb; reads run along memory. */
  private void packB(boolean transB, int n, int k, int bo, int kk, int kb, int j0, int nb, float[] bBlock) {
    if (!transB) {
      for (int p = 0; p < kb; p++) {
        System.arraycopy(f, bo + (kk + p) * n + j0, bBlock, p * nb, nb);
      }
    } else {
      // B is stored n×k: row j0 + j of storage is column j of op(B)
      for (int j = 0; j < nb; j++) {
        int from = bo + (j0 + j) * k + kk;
        for (int p = 0; p < kb; p++) {
          bBlock[p * nb + j] = f[from + p];
        }
      }
    }
  }

  /**
   * c_r[j] += Σ_p alpha·op(A)[i + r][kk + p] · bBlock[p·nb + j] for the rows r of one group of four.
   * Four steps of k per pass: each accumulator element loaded and stored feeds sixteen multiply-adds
   * and each B element four (measured: twice the speed of one step per pass). The four accumulator
   * rows are separate arrays so the JIT vectorizes the inner loop (it will not when loads and stores
   * hit one array at unrelated offsets). Rows past the group get zero coefficients.
   */
  private void gemmKernel(boolean transA, int m, int k, float alpha, int ao, int i, int rows, int kk, int kb,
                          float[] b, int nb, float[] acc0, float[] acc1, float[] acc2, float[] acc3) {
    int kb4 = kb - kb % 4;
    for (int p = 0; p < kb4; p += 4) {
      int q = kk + p;
      float a00 = coef(transA, m, k, ao, alpha, i, rows, 0, q);
      float a01 = coef(transA, m, k, ao, alpha, i, rows, 0, q + 1);
      float a02 = coef(transA, m, k, ao, alpha, i, rows, 0, q + 2);
      float a03 = coef(transA, m, k, ao, alpha, i, rows, 0, q + 3);
      float a10 = coef(transA, m, k, ao, alpha, i, rows, 1, q);
      float a11 = coef(transA, m, k, ao, alpha, i, rows, 1, q + 1);
      float a12 = coef(transA, m, k, ao, alpha, i, rows, 1, q + 2);
      float a13 = coef(transA, m, k, ao, alpha, i, rows, 1, q + 3);
      float a20 = coef(transA, m, k, ao, alpha, i, rows, 2, q);
      float a21 = coef(transA, m, k, ao, alpha, i, rows, 2, q + 1);
      float a22 = coef(transA, m, k, ao, alpha, i, rows, 2, q + 2);
      float a23 = coef(transA, m, k, ao, alpha, i, rows, 2, q + 3);
      float a30 = coef(transA, m, k, ao, alpha, i, rows, 3, q);
      float a31 = coef(transA, m, k, ao, alpha, i, rows, 3, q + 1);
      float a32 = coef(transA, m, k, ao, alpha, i, rows, 3, q + 2);
      float a33 = coef(transA, m, k, ao, alpha, i, rows, 3, q + 3);
      int b0 = p * nb;
      int b1 = b0 + nb;
      int b2 = b1 + nb;
      int b3 = b2 + nb;
      for (int j = 0; j < nb; j++) {
        float x0 = b[b0 + j];
        float x1 = b[b1 + j];
        float x2 = b[b2 + j];
        float x3 = b[b3 + j];
        acc0[j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
        acc1[j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
        acc2[j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3;
        acc3[j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
      }
    }
    for (int p = kb4; p < kb; p++) {
      float a0 = coef(transA, m, k, ao, alpha, i, rows, 0, kk + p);
      float a1 = coef(transA, m, k, ao, alpha, i, rows, 1, kk + p);
      float a2 = coef(transA, m, k, ao, alpha, i, rows, 2, kk + p);
      float a3 = coef(transA, m, k, ao, alpha, i, rows, 3, kk + p);
      int bRow = p * nb;
      for (int j = 0; j < nb; j++) {
        float bv = b[bRow + j];
        acc0[j] += a0 * bv;
        acc1[j] += a1 * bv;
        acc2[j] += a2 * bv;
        acc3[j] += a3 * bv;
      }
    }
  }

  /** alpha·op(A)[i + r][p], or 0 for a row past the last one of this group. */
  private float coef(boolean transA, int m, int k, int ao, float alpha, int i, int rows, int r, int p) {
    return r < rows ? alpha * aAt(transA, m, k, ao, i + r, p) : 0f;
  }

  private float aAt(boolean transA, int m, int k, int ao, int i, int p) {
    return transA ? f[ao + p * m + i] : f[ao + i * k + p];
  }

  /** C = acc + beta·C; with beta = 0, C is not read (NaN in C does not propagate). */
  private void storeRow(float[] acc, int at, int nb, float beta) {
    if (beta == 0f) {
      System.arraycopy(acc, 0, f, at, nb);
    } else {
      for (int j = 0; j < nb; j++) {
        f[at + j] = acc[j] + beta * f[at + j];
      }
    }
  }

  // ---------------------------------------------------------------- layout

  @Override
  public void nchwToCnhw(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("nchwToCnhw", "n, c, inner", n, c, inner);
    int xo = floats(device, "nchwToCnhw", "x", x, size);
    int yo = floats(device, "nchwToCnhw", "y", y, size);
    pool.forRange(n * c, grain(inner), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        int in = plane / c;
        int ic = plane % c;
        System.arraycopy(f, xo + plane * inner, f, yo + (ic * n + in) * inner, inner);
      }
    });
  }

  @Override
  public void cnhwToNchw(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("cnhwToNchw", "n, c, inner", n, c, inner);
    int xo = floats(device, "cnhwToNchw", "x", x, size);
    int yo = floats(device, "cnhwToNchw", "y", y, size);
    pool.forRange(n * c, grain(inner), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        int ic = plane / n;
        int in = plane % n;
        System.arraycopy(f, xo + plane * inner, f, yo + (in * c + ic) * inner, inner);
      }
    });
  }

  // ---------------------------------------------------------------- convolution

  @Override
  public void im2col(Tensor x, Window2d g, Tensor col) {
    int xo = floats(device, "im2col", "x", x, inputSize(g));
    int co = floats(device, "im2col", "col", col, colSize(g));
    int oh = g.oh();
    int ow = g.ow();
    int cols = g.colCols();
    long perChannel = (long) g.kh() * g.kw() * cols;
    pool.forRange(g.c(), grain(perChannel), (from, to) -> {
      for (int c = from; c < to; c++) {
        for (int ky = 0; ky < g.kh(); ky++) {
          for (int kx = 0; kx < g.kw(); kx++) {
            int row = co + ((c * g.kh() + ky) * g.kw() + kx) * cols;
            for (int n = 0; n < g.n(); n++) {
              int plane = xo + (n * g.c() + c) * g.h() * g.w();
              for (int oy = 0; oy < oh; oy++) {
                int out = row + (n * oh + oy) * ow;
                int iy = oy * g.sh() - g.ph() + ky;
                if (iy < 0 || iy >= g.h()) {
                  Arrays.fill(f, out, out + ow, 0f);
                  continue;
                }
                int in = plane + iy * g.w();
                for (int ox = 0; ox < ow; ox++) {
                  int ix = ox * g.sw() - g.pw() + kx;
                  f[out + ox] = ix >= 0 && ix < g.w() ? f[in + ix] : 0f;
                }
              }
            }
          }
        }
      }
    });
  }

  @Override
  public void col2im(Tensor col, Window2d g, Tensor dx) {
    int co = floats(device, "col2im", "col", col, colSize(g));
    int xo = floats(device, "col2im", "dx", dx, inputSize(g));
    int oh = g.oh();
    int ow = g.ow();
    int cols = g.colCols();
    int planeSize = g.h() * g.w();
    long perChannel = (long) g.kh() * g.kw() * cols;
    pool.forRange(g.c(), grain(perChannel), (from, to) -> {
      for (int c = from; c < to; c++) {
        for (int n = 0; n < g.n(); n++) {
          int plane = xo + (n * g.c() + c) * planeSize;
          Arrays.fill(f, plane, plane + planeSize, 0f);
        }
        for (int ky = 0; ky < g.kh(); ky++) {
          for (int kx = 0; kx < g.kw(); kx++) {
            int row = co + ((c * g.kh() + ky) * g.kw() + kx) * cols;
            for (int n = 0; n < g.n(); n++) {
              int plane = xo + (n * g.c() + c) * planeSize;
              for (int oy = 0; oy < oh; oy++) {
                int iy = oy * g.sh() - g.ph() + ky;
                if (iy < 0 || iy >= g.h()) {
                  continue;
                }
                int in = row + (n * oh + oy) * ow;
                int out = plane + iy * g.w();
                for (int ox = 0; ox < ow; ox++) {
                  int ix = ox * g.sw() - g.pw() + kx;
                  if (ix >= 0 && ix < g.w()) {
                    f[out + ix] += f[in + ox];
                  }
                }
              }
            }
          }
        }
      }
    });
  }

  // ---------------------------------------------------------------- pooling

  @Override
  public void maxPoolForward(Tensor x, Window2d g, Tensor y, Tensor argmax) {
    int xo = floats(device, "maxPoolForward", "x", x, inputSize(g));
    int yo = floats(device, "maxPoolForward", "y", y, outputSize(g));
    int ao = floats(device, "maxPoolForward", "argmax", argmax, outputSize(g));
    int oh = g.oh();
    int ow = g.ow();
    pool.forRange(g.n() * g.c(), grain((long) oh * ow * g.kh() * g.kw()), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        int in = xo + plane * g.h() * g.w();
        for (int oy = 0; oy < oh; oy++) {
          int y0 = oy * g.sh() - g.ph();
          int yStart = Math.max(y0, 0);
          int yEnd = Math.min(y0 + g.kh(), g.h());
          for (int ox = 0; ox < ow; ox++) {
            int x0 = ox * g.sw() - g.pw();
            int xStart = Math.max(x0, 0);
            int xEnd = Math.min(x0 + g.kw(), g.w());
            float best = 0f;
            int bestIndex = -1;
            // only real cells are visited, in row-major window order; strict > keeps the first max
            for (int iy = yStart; iy < yEnd; iy++) {
              for (int ix = xStart; ix < xEnd; ix++) {
                float v = f[in + iy * g.w() + ix];
                if (bestIndex < 0 || v > best) {
                  best = v;
                  bestIndex = iy * g.w() + ix;
                }
              }
            }
            int out = (plane * oh + oy) * ow + ox;
            f[yo + out] = bestIndex < 0 ? 0f : best;
            f[ao + out] = bestIndex;
          }
        }
      }
    });
  }

  @Override
  public void maxPoolBackward(Tensor dy, Tensor argmax, Window2d g, Tensor dx) {
    int yo = floats(device, "maxPoolBackward", "dy", dy, outputSize(g));
    int ao = floats(device, "maxPoolBackward", "argmax", argmax, outputSize(g));
    int xo = floats(device, "maxPoolBackward", "dx", dx, inputSize(g));
    int planeIn = g.h() * g.w();
    int planeOut = g.oh() * g.ow();
    pool.forRange(g.n() * g.c(), grain(planeIn + planeOut), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        int out = xo + plane * planeIn;
        Arrays.fill(f, out, out + planeIn, 0f);
        for (int o = 0; o < planeOut; o++) {
          int cell = (int) f[ao + plane * planeOut + o];
          if (cell >= 0) {
            f[out + cell] += f[yo + plane * planeOut + o];
          }
        }
      }
    });
  }

  @Override
  public void avgPoolForward(Tensor x, Window2d g, Tensor y) {
    int xo = floats(device, "avgPoolForward", "x", x, inputSize(g));
    int yo = floats(device, "avgPoolForward", "y", y, outputSize(g));
    int oh = g.oh();
    int ow = g.ow();
    float divisor = (float) g.kh() * g.kw();
    pool.forRange(g.n() * g.c(), grain((long) oh * ow * g.kh() * g.kw()), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        int in = xo + plane * g.h() * g.w();
        for (int oy = 0; oy < oh; oy++) {
          int y0 = oy * g.sh() - g.ph();
          int yStart = Math.max(y0, 0);
          int yEnd = Math.min(y0 + g.kh(), g.h());
          for (int ox = 0; ox < ow; ox++) {
            int x0 = ox * g.sw() - g.pw();
            int xStart = Math.max(x0, 0);
            int xEnd = Math.min(x0 + g.kw(), g.w());
            float sum = 0f;
            for (int iy = yStart; iy < yEnd; iy++) {
              for (int ix = xStart; ix < xEnd; ix++) {
                sum += f[in + iy * g.w() + ix];
              }
            }
            f[yo + (plane * oh + oy) * ow + ox] = sum / divisor;
          }
        }
      }
    });
  }

  @Override
  public void avgPoolBackward(Tensor dy, Window2d g, Tensor dx) {
    int yo = floats(device, "avgPoolBackward", "dy", dy, outputSize(g));
    int xo = floats(device, "avgPoolBackward", "dx", dx, inputSize(g));
    int oh = g.oh();
    int ow = g.ow();
    int planeIn = g.h() * g.w();
    float divisor = (float) g.kh() * g.kw();
    pool.forRange(g.n() * g.c(), grain((long) oh * ow * g.kh() * g.kw()), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        int out = xo + plane * planeIn;
        Arrays.fill(f, out, out + planeIn, 0f);
        for (int oy = 0; oy < oh; oy++) {
          int y0 = oy * g.sh() - g.ph();
          int yStart = Math.max(y0, 0);
          int yEnd = Math.min(y0 + g.kh(), g.h());
          for (int ox = 0; ox < ow; ox++) {
            int x0 = ox * g.sw() - g.pw();
            int xStart = Math.max(x0, 0);
            int xEnd = Math.min(x0 + g.kw(), g.w());
            float share = f[yo + (plane * oh + oy) * ow + ox] / divisor;
            for (int iy = yStart; iy < yEnd; iy++) {
              for (int ix = xStart; ix < xEnd; ix++) {
                f[out + iy * g.w() + ix] += share;
              }
            }
          }
        }
      }
    });
  }

  @Override
  public void globalAvgPoolForward(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("globalAvgPoolForward", "n, c, inner", n, c, inner);
    requirePositive("globalAvgPoolForward", "inner", inner);
    int xo = floats(device, "globalAvgPoolForward", "x", x, size);
    int yo = floats(device, "globalAvgPoolForward", "y", y, (long) n * c);
    pool.forRange(n * c, grain(inner), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        double sum = 0.0;
        int in = xo + plane * inner;
        for (int i = 0; i < inner; i++) {
          sum += f[in + i];
        }
        f[yo + plane] = (float) (sum / inner);
      }
    });
  }

  @Override
  public void globalAvgPoolBackward(Tensor dy, int n, int c, int inner, Tensor dx) {
    long size = dims("globalAvgPoolBackward", "n, c, inner", n, c, inner);
    requirePositive("globalAvgPoolBackward", "inner", inner);
    int yo = floats(device, "globalAvgPoolBackward", "dy", dy, (long) n * c);
    int xo = floats(device, "globalAvgPoolBackward", "dx", dx, size);
    pool.forRange(n * c, grain(inner), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        float share = f[yo + plane] / inner;
        Arrays.fill(f, xo + plane * inner, xo + (plane + 1) * inner, share);
      }
    });
  }

  // ---------------------------------------------------------------- elementwise

  @Override
  public void reluForward(Tensor x, Tensor y) {
    int xo = floats(device, "reluForward", "x", x, 0);
    int yo = floats(device, "reluForward", "y", y, 0);
    sameSize("reluForward", "x", x, "y", y);
    pool.forRange(x.size(), ELEMENT_GRAIN, (from, to) -> {
      for (int i = from; i < to; i++) {
        float v = f[xo + i];
        f[yo + i] = v > 0f ? v : 0f;
      }
    });
  }

  @Override
  public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
    int yo = floats(device, "reluBackward", "y", y, 0);
    int go = floats(device, "reluBackward", "dy", dy, 0);
    int xo = floats(device, "reluBackward", "dx", dx, 0);
    sameSize("reluBackward", "y", y, "dy", dy);
    sameSize("reluBackward", "dy", dy, "dx", dx);
    pool.forRange(y.size(), ELEMENT_GRAIN, (from, to) -> {
      for (int i = from; i < to; i++) {
        f[xo + i] = f[yo + i] > 0f ? f[go + i] : 0f;
      }
    });
  }

  @Override
  public void add(Tensor a, Tensor b, Tensor out) {
    int ao = floats(device, "add", "a", a, 0);
    int bo = floats(device, "add", "b", b, 0);
    int oo = floats(device, "add", "out", out, 0);
    sameSize("add", "a", a, "b", b);
    sameSize("add", "a", a, "out", out);
    pool.forRange(a.size(), ELEMENT_GRAIN, (from, to) -> {
      for (int i = from; i < to; i++) {
        f[oo + i] = f[ao + i] + f[bo + i];
      }
    });
  }

  @Override
  public void axpy(float alpha, Tensor x, Tensor y) {
    int xo = floats(device, "axpy", "x", x, 0);
    int yo = floats(device, "axpy", "y", y, 0);
    sameSize("axpy", "x", x, "y", y);
    pool.forRange(x.size(), ELEMENT_GRAIN, (from, to) -> {
      for (int i = from; i < to; i++) {
        f[yo + i] += alpha * f[xo + i];
      }
    });
  }

  @Override
  public void scale(Tensor x, float alpha) {
    int xo = floats(device, "scale", "x", x, 0);
    pool.forRange(x.size(), ELEMENT_GRAIN, (from, to) -> {
      for (int i = from; i < to; i++) {
        f[xo + i] *= alpha;
      }
    });
  }

  @Override
  public void mul(Tensor a, Tensor b, Tensor out) {
    int ao = floats(device, "mul", "a", a, 0);
    int bo = floats(device, "mul", "b", b, 0);
    int oo = floats(device, "mul", "out", out, 0);
    sameSize("mul", "a", a, "b", b);
    sameSize("mul", "a", a, "out", out);
    pool.forRange(a.size(), ELEMENT_GRAIN, (from, to) -> {
      for (int i = from; i < to; i++) {
        f[oo + i] = f[ao + i] * f[bo + i];
      }
    });
  }

  @Override
  public void dropoutMask(long seed, float keep, Tensor mask) {
    KernelArguments.keepProbability("dropoutMask", keep);
    int mo = floats(device, "dropoutMask", "mask", mask, 0);
    float kept = 1f / keep;
    pool.forRange(mask.size(), ELEMENT_GRAIN / 4, (from, to) -> {
      for (int i = from; i < to; i++) {
        f[mo + i] = DropoutHash.keep(seed, i, keep) ? kept : 0f;
      }
    });
  }

  // ---------------------------------------------------------------- channels

  @Override
  public void addChannelBias(Tensor y, int outer, int c, int inner, Tensor bias) {
    long size = dims("addChannelBias", "outer, c, inner", outer, c, inner);
    int yo = floats(device, "addChannelBias", "y", y, size);
    int bo = floats(device, "addChannelBias", "bias", bias, c);
    pool.forRange(outer * c, grain(inner), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        float bv = f[bo + plane % c];
        int at = yo + plane * inner;
        for (int i = 0; i < inner; i++) {
          f[at + i] += bv;
        }
      }
    });
  }

  @Override
  public void channelSum(Tensor x, int outer, int c, int inner, float beta, Tensor out) {
    long size = dims("channelSum", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelSum", "x", x, size);
    int oo = floats(device, "channelSum", "out", out, c);
    pool.forRange(c, grain((long) outer * inner), (from, to) -> {
      for (int ch = from; ch < to; ch++) {
        double sum = 0.0;
        for (int o = 0; o < outer; o++) {
          int at = xo + (o * c + ch) * inner;
          for (int i = 0; i < inner; i++) {
            sum += f[at + i];
          }
        }
        f[oo + ch] = (float) (beta == 0f ? sum : (double) beta * f[oo + ch] + sum);
      }
    });
  }

  @Override
  public void channelMoments(Tensor x, int outer, int c, int inner, Tensor shift, Tensor out) {
    long size = dims("channelMoments", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelMoments", "x", x, size);
    int so = floats(device, "channelMoments", "shift", shift, c);
    int oo = doubles(device, "channelMoments", "out", out, 2L * c);
    pool.forRange(c, grain((long) outer * inner), (from, to) -> {
      for (int ch = from; ch < to; ch++) {
        double k = f[so + ch];
        double s1 = 0.0;
        double s2 = 0.0;
        for (int o = 0; o < outer; o++) {
          int at = xo + (o * c + ch) * inner;
          for (int i = 0; i < inner; i++) {
            double centered = f[at + i] - k;
            s1 += centered;
            s2 += centered * centered;
          }
        }
        dbl[oo + 2 * ch] = s1;
        dbl[oo + 2 * ch + 1] = s2;
      }
    });
  }

  @Override
  public void channelGradMoments(Tensor dy, Tensor x, int outer, int c, int inner, Tensor center, Tensor out) {
    long size = dims("channelGradMoments", "outer, c, inner", outer, c, inner);
    int go = floats(device, "channelGradMoments", "dy", dy, size);
    int xo = floats(device, "channelGradMoments", "x", x, size);
    int zo = floats(device, "channelGradMoments", "center", center, c);
    int oo = doubles(device, "channelGradMoments", "out", out, 2L * c);
    pool.forRange(c, grain((long) outer * inner), (from, to) -> {
      for (int ch = from; ch < to; ch++) {
        double z = f[zo + ch];
        double s1 = 0.0;
        double s2 = 0.0;
        for (int o = 0; o < outer; o++) {
          int at = (o * c + ch) * inner;
          for (int i = 0; i < inner; i++) {
            double g = f[go + at + i];
            s1 += g;
            s2 += g * (f[xo + at + i] - z);
          }
        }
        dbl[oo + 2 * ch] = s1;
        dbl[oo + 2 * ch + 1] = s2;
      }
    });
  }

  @Override
  public void channelAffine(Tensor x, int outer, int c, int inner, Tensor a, Tensor b, Tensor y) {
    long size = dims("channelAffine", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelAffine", "x", x, size);
    int ao = floats(device, "channelAffine", "a", a, c);
    int bo = floats(device, "channelAffine", "b", b, c);
    int yo = floats(device, "channelAffine", "y", y, size);
    pool.forRange(outer * c, grain(inner), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        float av = f[ao + plane % c];
        float bv = f[bo + plane % c];
        int at = plane * inner;
        for (int i = 0; i < inner; i++) {
          f[yo + at + i] = f[xo + at + i] * av + bv;
        }
      }
    });
  }

  @Override
  public void channelAffine2(Tensor dy, Tensor x, int outer, int c, int inner,
                             Tensor a, Tensor b, Tensor d, Tensor dx) {
    affine2("channelAffine2", dy, x, outer, c, inner, a, b, d, dx, false);
  }

  /** One pass, no temporary: channelAffine2's expression stored in CNHW order (bit-identical). */
  @Override
  public void nchwToCnhwAffine2(Tensor dy, Tensor x, int n, int c, int inner, Tensor a, Tensor b, Tensor d,
      Tensor out) {
    affine2("nchwToCnhwAffine2", dy, x, n, c, inner, a, b, d, out, true);
  }

  /** out = dy·a + x·b + d per channel of NCHW operands, stored NCHW or (toCnhw) CNHW. */
  private void affine2(String op, Tensor dy, Tensor x, int n, int c, int inner, Tensor a, Tensor b, Tensor d,
      Tensor out, boolean toCnhw) {
    long size = dims(op, "n, c, inner", n, c, inner);
    int go = floats(device, op, "dy", dy, size);
    int xo = floats(device, op, "x", x, size);
    int ao = floats(device, op, "a", a, c);
    int bo = floats(device, op, "b", b, c);
    int d0 = floats(device, op, "d", d, c);
    int oo = floats(device, op, "out", out, size);
    pool.forRange(n * c, grain(inner), (from, to) -> {
      for (int plane = from; plane < to; plane++) {
        int ic = plane % c;
        float av = f[ao + ic];
        float bv = f[bo + ic];
        float dv = f[d0 + ic];
        int at = plane * inner;
        int to0 = oo + (toCnhw ? (ic * n + plane / c) * inner : at);
        for (int i = 0; i < inner; i++) {
          f[to0 + i] = f[go + at + i] * av + f[xo + at + i] * bv + dv;
        }
      }
    });
  }

  // ---------------------------------------------------------------- loss

  @Override
  public void softmaxCrossEntropyForward(Tensor logits, Tensor labels, int n, int k, Tensor prob, Tensor loss) {
    long size = dims("softmaxCrossEntropyForward", "n, k", n, k);
    requirePositive("softmaxCrossEntropyForward", "k", k);
    int xo = floats(device, "softmaxCrossEntropyForward", "logits", logits, size);
    int lo = floats(device, "softmaxCrossEntropyForward", "labels", labels, n);
    int po = floats(device, "softmaxCrossEntropyForward", "prob", prob, size);
    int so = floats(device, "softmaxCrossEntropyForward", "loss", loss, n);
    pool.forRange(n, grain(8L * k), (from, to) -> {
      for (int r = from; r < to; r++) {
        int label = KernelArguments.label("softmaxCrossEntropyForward", r, f[lo + r], k);
        int row = xo + r * k;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
          max = Math.max(max, f[row + j]);
        }
        double sumExp = 0.0;
        for (int j = 0; j < k; j++) {
          sumExp += Math.exp((double) f[row + j] - max);
        }
        for (int j = 0; j < k; j++) {
          f[po + r * k + j] = (float) (Math.exp((double) f[row + j] - max) / sumExp);
        }
        f[so + r] = (float) (max + Math.log(sumExp) - f[row + label]);
      }
    });
  }

  @Override
  public void softmaxCrossEntropyBackward(Tensor prob, Tensor labels, int n, int k, float scale, Tensor dlogits) {
    long size = dims("softmaxCrossEntropyBackward", "n, k", n, k);
    requirePositive("softmaxCrossEntropyBackward", "k", k);
    int po = floats(device, "softmaxCrossEntropyBackward", "prob", prob, size);
    int lo = floats(device, "softmaxCrossEntropyBackward", "labels", labels, n);
    int go = floats(device, "softmaxCrossEntropyBackward", "dlogits", dlogits, size);
    pool.forRange(n, grain(k), (from, to) -> {
      for (int r = from; r < to; r++) {
        int label = KernelArguments.label("softmaxCrossEntropyBackward", r, f[lo + r], k);
        for (int j = 0; j < k; j++) {
          float target = j == label ? 1f : 0f;
          f[go + r * k + j] = scale * (f[po + r * k + j] - target);
        }
      }
    });
  }

  // ---------------------------------------------------------------- optimizer

  @Override
  public void sgdMomentum(Tensor w, Tensor g, Tensor v, float lr, float momentum, float weightDecay,
                          boolean nesterov) {
    int wo = floats(device, "sgdMomentum", "w", w, 0);
    int go = floats(device, "sgdMomentum", "g", g, 0);
    int vo = floats(device, "sgdMomentum", "v", v, 0);
    sameSize("sgdMomentum", "w", w, "g", g);
    sameSize("sgdMomentum", "w", w, "v", v);
    pool.forRange(w.size(), ELEMENT_GRAIN, (from, to) -> {
      for (int i = from; i < to; i++) {
        float grad = f[go + i] + weightDecay * f[wo + i];
        float velocity = momentum * f[vo + i] + grad;
        f[vo + i] = velocity;
        f[wo + i] -= lr * (nesterov ? grad + momentum * velocity : velocity);
      }
    });
  }

  private static void requirePositive(String op, String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(op + ": " + name + " must be positive, got " + value);
    }
  }
}
