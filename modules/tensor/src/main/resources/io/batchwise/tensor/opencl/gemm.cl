// Batchwise GEMM kernels, numbered versions (v1 slowest, highest number = newest experiment);
// ClGemm.Version documents each and measures which to use (V10 picks per product among them).
//   v1  naive, one work-item per C element            v2  16x16 local-memory tiles
//   v3  8x16 float16 register tiles, tj fastest        v4  same, ti fastest (shares B panels)
//   d4  4x4 dot-product tiles for B^T (ClGemm V5)      v6  v4 with A broadcast from memory
//   v7  8x32 tiles                                     v8  B^T via local-memory transposed blocks
//   v9  v7 in blocked tile order
//
// Every kernel computes C = alpha * op(A) * op(B) + beta * C on ONE float arena F:
//   A(i,p) = F[aOff + (ta ? p*m + i : i*k + p)]   (A stored m x k, or k x m when transposed)
//   B(p,j) = F[bOff + (tb ? j*k + p : p*n + j)]   (B stored k x n, or n x k when transposed)
//   C(i,j) = F[cOff + i*n + j]                    (C stored m x n, row-major)
// Invariants every kernel keeps:
//   1. beta == 0 never reads C, so NaN or garbage in C does not propagate.
//   2. k == 0 gives C = beta * C (0 when beta == 0).
//   3. No load or store leaves the operands: edge tiles clamp their load indices and guard stores.
// Java arrays are not 64-byte aligned, so vectors are moved with vloadN/vstoreN, never by casting.

// ------------------------------------------------------------------ shared helpers

inline void put_c(__global float* F, const int idx, const float acc, const float alpha,
                  const float beta) {
  if (beta == 0.0f) {
    F[idx] = alpha * acc;
  } else {
    F[idx] = alpha * acc + beta * F[idx];
  }
}

// ------------------------------------------------------------------ v1: naive
// One work-item per element of C, scalar loop over p. 1D range over m*n, j fastest.

__kernel void gemm_v1(__global float* F, const int m, const int n, const int k, const int ta,
                      const int tb, const int aOff, const int bOff, const int cOff,
                      const float alpha, const float beta) {
  const int gid = get_global_id(0);
  if (gid >= m * n) return;
  const int i = gid / n;
  const int j = gid - i * n;
  const int sai = ta ? 1 : k, sap = ta ? m : 1;
  const int sbp = tb ? 1 : n, sbj = tb ? k : 1;
  float acc = 0.0f;
  for (int p = 0; p < k; ++p) {
    acc += F[aOff + i * sai + p * sap] * F[bOff + p * sbp + j * sbj];
  }
  put_c(F, cOff + i * n + j, acc, alpha, beta);
}

// ------------------------------------------------------------------ v2: local-memory tiles
// Classic 16x16 work-group tiles staged through local memory; one C element per work-item.
// 2D range (x = column j, y = row i) padded to multiples of 16; padded work-items still take
// part in the barriers and load zeros.

#define V2_T 16

__kernel void gemm_v2(__global float* F, const int m, const int n, const int k, const int ta,
                      const int tb, const int aOff, const int bOff, const int cOff,
                      const float alpha, const float beta) {
  __local float As[V2_T][V2_T];
  __local float Bs[V2_T][V2_T + 1];
  const int lx = get_local_id(0), ly = get_local_id(1);
  const int j = get_global_id(0), i = get_global_id(1);
  const int sai = ta ? 1 : k, sap = ta ? m : 1;
  const int sbp = tb ? 1 : n, sbj = tb ? k : 1;
  float acc = 0.0f;
  for (int p0 = 0; p0 < k; p0 += V2_T) {
    const int pa = p0 + lx;  // column of A this work-item stages
    const int pb = p0 + ly;  // row of B this work-item stages
    As[ly][lx] = (i < m && pa < k) ? F[aOff + i * sai + pa * sap] : 0.0f;
    Bs[ly][lx] = (pb < k && j < n) ? F[bOff + pb * sbp + j * sbj] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int q = 0; q < V2_T; ++q) acc += As[ly][q] * Bs[q][lx];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (i < m && j < n) put_c(F, cOff + i * n + j, acc, alpha, beta);
}

// ------------------------------------------------------------------ v3/v4: 8x16 register tiles
// Each work-item owns an 8-row x 16-column tile of C held in eight float16 accumulators and
// walks p, doing one rank-1 update per step: acc[r] += A(i0+r, p) * B(p, j0..j0+15).
// PoCL vectorizes across work-items, not inside a work-item's loop, unless the kernel uses
// explicit vector types; float16 maps onto AVX-512 registers.
//
// The tile body is written over general strides
//   A(i,p) = F[aOff + i*sai + p*sap], B(p,j) = F[bOff + p*sbp + j*sbj], C(i,j) = F[cOff + i*sci + j*scj]
// and constant flags (vecA: sai == 1, vecB: sbj == 1, vecC: scj == 1) that the compiler folds once
// the body is inlined into a layout-specific kernel.

#define R8_ROWS 8
#define R8_COLS 16

#define GATHER16(EXPR)                                                                    \
  (float16)(EXPR(0), EXPR(1), EXPR(2), EXPR(3), EXPR(4), EXPR(5), EXPR(6), EXPR(7), EXPR(8), \
            EXPR(9), EXPR(10), EXPR(11), EXPR(12), EXPR(13), EXPR(14), EXPR(15))
#define GATHER8(EXPR) \
  (float8)(EXPR(0), EXPR(1), EXPR(2), EXPR(3), EXPR(4), EXPR(5), EXPR(6), EXPR(7))

// The rank-1 update loop. full != 0: the whole tile is inside C, so vector loads are safe;
// full == 0: indices are clamped to the last row/column (results there are discarded).
inline void r8_loop(__global const float* F, const int M, const int N, const int K,
                    const int aOff, const int sai, const int sap, const int bOff, const int sbp,
                    const int sbj, const int i0, const int j0, const int vecA, const int vecB,
                    const int full, const int bcastA, float16* acc) {
  float16 c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f, c4 = 0.0f, c5 = 0.0f, c6 = 0.0f, c7 = 0.0f;
  // Clamped row/column indices, used by gathers (always) and edge tiles.
#define RI(r) (full ? (i0 + (r)) : min(i0 + (r), M - 1))
#define CJ(c) (full ? (j0 + (c)) : min(j0 + (c), N - 1))
  __global const float* pa = F + aOff;
  __global const float* pb = F + bOff;
  // Row pointers of A for the broadcast form: the loop then addresses A as row + p*sap.
  __global const float* a0 = pa + RI(0) * sai;
  __global const float* a1 = pa + RI(1) * sai;
  __global const float* a2 = pa + RI(2) * sai;
  __global const float* a3 = pa + RI(3) * sai;
  __global const float* a4 = pa + RI(4) * sai;
  __global const float* a5 = pa + RI(5) * sai;
  __global const float* a6 = pa + RI(6) * sai;
  __global const float* a7 = pa + RI(7) * sai;
  for (int p = 0; p < K; ++p) {
    float16 b;
    if (vecB && full) {
      b = vload16(0, pb + p * sbp + j0);
    } else {
#define LB(c) pb[p * sbp + CJ(c) * sbj]
      b = GATHER16(LB);
#undef LB
    }
#define LA(r) pa[RI(r) * sai + p * sap]
    if (bcastA) {
      // Each A element feeds its FMA straight from memory: x86 folds it into an embedded
      // broadcast operand, instead of a gather plus one permute per row (port 5, as FMAs are).
      const int q = p * sap;
      c0 = fma((float16)(a0[q]), b, c0);
      c1 = fma((float16)(a1[q]), b, c1);
      c2 = fma((float16)(a2[q]), b, c2);
      c3 = fma((float16)(a3[q]), b, c3);
      c4 = fma((float16)(a4[q]), b, c4);
      c5 = fma((float16)(a5[q]), b, c5);
      c6 = fma((float16)(a6[q]), b, c6);
      c7 = fma((float16)(a7[q]), b, c7);
      continue;
    }
    float8 a;
    if (vecA && full) {
      a = vload8(0, pa + p * sap + i0);
    } else {
      a = GATHER8(LA);
    }
    c0 = fma((float16)(a.s0), b, c0);
    c1 = fma((float16)(a.s1), b, c1);
    c2 = fma((float16)(a.s2), b, c2);
    c3 = fma((float16)(a.s3), b, c3);
    c4 = fma((float16)(a.s4), b, c4);
    c5 = fma((float16)(a.s5), b, c5);
    c6 = fma((float16)(a.s6), b, c6);
    c7 = fma((float16)(a.s7), b, c7);
#undef LA
  }
#undef RI
#undef CJ
  acc[0] = c0; acc[1] = c1; acc[2] = c2; acc[3] = c3;
  acc[4] = c4; acc[5] = c5; acc[6] = c6; acc[7] = c7;
}

inline void r8_store(__global float* F, const int M, const int N, const int cOff, const int sci,
                     const int scj, const int i0, const int j0, const int vecC, const int full,
                     const float alpha, const float beta, const float16* acc) {
  for (int r = 0; r < R8_ROWS; ++r) {
    const int i = i0 + r;
    if (i >= M) break;
    const float16 v = alpha * acc[r];
    const int row = cOff + i * sci;
    if (vecC && full) {
      if (beta == 0.0f) {
        vstore16(v, 0, F + row + j0);
      } else {
        vstore16(v + beta * vload16(0, F + row + j0), 0, F + row + j0);
      }
    } else {
      float t[R8_COLS];
      vstore16(v, 0, t);
      const int cols = min(R8_COLS, N - j0);
      for (int c = 0; c < cols; ++c) {
        const int idx = row + (j0 + c) * scj;
        F[idx] = beta == 0.0f ? t[c] : t[c] + beta * F[idx];
      }
    }
  }
}

// One tile; the tile's (ti, tj) come from the kernel's work-item ordering.
inline void r8_tile(__global float* F, const int M, const int N, const int K, const int aOff,
                    const int sai, const int sap, const int bOff, const int sbp, const int sbj,
                    const int cOff, const int sci, const int scj, const int ti, const int tj,
                    const float alpha, const float beta, const int vecA, const int vecB,
                    const int vecC, const int bcastA) {
  const int i0 = ti * R8_ROWS, j0 = tj * R8_COLS;
  float16 acc[R8_ROWS];
  if (i0 + R8_ROWS <= M && j0 + R8_COLS <= N) {
    r8_loop(F, M, N, K, aOff, sai, sap, bOff, sbp, sbj, i0, j0, vecA, vecB, 1, bcastA, acc);
    r8_store(F, M, N, cOff, sci, scj, i0, j0, vecC, 1, alpha, beta, acc);
  } else {
    r8_loop(F, M, N, K, aOff, sai, sap, bOff, sbp, sbj, i0, j0, vecA, vecB, 0, bcastA, acc);
    r8_store(F, M, N, cOff, sci, scj, i0, j0, vecC, 0, alpha, beta, acc);
  }
}

// v3: tiles ordered with tj fastest (consecutive work-items share A's rows, stream B).
// Layout kernels: nn and tn read B as float16 directly; nt gathers B; tt computes
// C^T = B_stored * A_stored (both read as plain row-major) and stores transposed.
#define R8_V3_IDS                                                   \
  const int t = get_global_id(0);                                   \
  if (t >= tilesM * tilesN) return;                                 \
  const int ti = t / tilesN, tj = t - (t / tilesN) * tilesN;

// v4: tiles ordered with ti fastest (consecutive work-items share one 16-column panel of B,
// which stays in L1/L2 while the whole block of A rows is reused from L2).
#define R8_V4_IDS                                                   \
  const int t = get_global_id(0);                                   \
  if (t >= tilesM * tilesN) return;                                 \
  const int tj = t / tilesM, ti = t - (t / tilesM) * tilesM;

#define R8_KERNELS(V, IDS, BC)                                                                   \
  __kernel void gemm_##V##_nn(__global float* F, const int m, const int n, const int k,         \
                              const int tilesM, const int tilesN, const int aOff, const int bOff,  \
                              const int cOff, const float alpha, const float beta) {              \
    IDS r8_tile(F, m, n, k, aOff, k, 1, bOff, n, 1, cOff, n, 1, ti, tj, alpha, beta, 0, 1, 1, BC); \
  }                                                                                              \
  __kernel void gemm_##V##_tn(__global float* F, const int m, const int n, const int k,         \
                              const int tilesM, const int tilesN, const int aOff, const int bOff,  \
                              const int cOff, const float alpha, const float beta) {              \
    IDS r8_tile(F, m, n, k, aOff, 1, m, bOff, n, 1, cOff, n, 1, ti, tj, alpha, beta, 1, 1, 1, BC); \
  }                                                                                              \
  __kernel void gemm_##V##_nt(__global float* F, const int m, const int n, const int k,         \
                              const int tilesM, const int tilesN, const int aOff, const int bOff,  \
                              const int cOff, const float alpha, const float beta) {              \
    IDS r8_tile(F, m, n, k, aOff, k, 1, bOff, 1, k, cOff, n, 1, ti, tj, alpha, beta, 0, 0, 1, BC); \
  }                                                                                              \
  /* tt: rows of the computed product are C's columns; tilesM/tilesN count over (n, m). */       \
  __kernel void gemm_##V##_tt(__global float* F, const int m, const int n, const int k,         \
                              const int tilesM, const int tilesN, const int aOff, const int bOff,  \
                              const int cOff, const float alpha, const float beta) {              \
    IDS r8_tile(F, n, m, k, bOff, k, 1, aOff, m, 1, cOff, 1, n, ti, tj, alpha, beta, 0, 1, 0, BC); \
  }

R8_KERNELS(v3, R8_V3_IDS, 0)
R8_KERNELS(v4, R8_V4_IDS, 0)

// v6: v4 with A's elements broadcast straight from memory into the FMAs.
R8_KERNELS(v6, R8_V4_IDS, 1)

// ------------------------------------------------------------------ v7: 8x32 register tiles
// As v6 (A broadcast from memory, tiles ordered with ti fastest) but each work-item owns 8 rows x
// 32 columns in sixteen float16 accumulators: every broadcast A element now feeds two FMAs, so a
// step of p costs 2 vector loads + 8 broadcasts for 16 FMAs instead of 1 + 8 for 8.

#define W32 32

inline void w32_tile(__global float* F, const int M, const int N, const int K, const int aOff,
                     const int sai, const int sap, const int bOff, const int sbp, const int sbj,
                     const int cOff, const int sci, const int scj, const int ti, const int tj,
                     const float alpha, const float beta, const int vecB, const int vecC) {
  const int i0 = ti * R8_ROWS, j0 = tj * W32;
  const int full = (i0 + R8_ROWS <= M) && (j0 + W32 <= N);
  __global const float* pa = F + aOff;
  __global const float* pb = F + bOff;
  const int r0 = min(i0 + 0, M - 1), r1 = min(i0 + 1, M - 1), r2 = min(i0 + 2, M - 1);
  const int r3 = min(i0 + 3, M - 1), r4 = min(i0 + 4, M - 1), r5 = min(i0 + 5, M - 1);
  const int r6 = min(i0 + 6, M - 1), r7 = min(i0 + 7, M - 1);
  __global const float* a0 = pa + r0 * sai;
  __global const float* a1 = pa + r1 * sai;
  __global const float* a2 = pa + r2 * sai;
  __global const float* a3 = pa + r3 * sai;
  __global const float* a4 = pa + r4 * sai;
  __global const float* a5 = pa + r5 * sai;
  __global const float* a6 = pa + r6 * sai;
  __global const float* a7 = pa + r7 * sai;
  float16 c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f, c4 = 0.0f, c5 = 0.0f, c6 = 0.0f, c7 = 0.0f;
  float16 d0 = 0.0f, d1 = 0.0f, d2 = 0.0f, d3 = 0.0f, d4 = 0.0f, d5 = 0.0f, d6 = 0.0f, d7 = 0.0f;
#define W32_STEP(LOADB, LOADE)                                   \
  for (int p = 0; p < K; ++p) {                                  \
    const float16 b = LOADB;                                     \
    const float16 e = LOADE;                                     \
    const int q = p * sap;                                       \
    float16 x;                                                   \
    x = (float16)(a0[q]); c0 = fma(x, b, c0); d0 = fma(x, e, d0); \
    x = (float16)(a1[q]); c1 = fma(x, b, c1); d1 = fma(x, e, d1); \
    x = (float16)(a2[q]); c2 = fma(x, b, c2); d2 = fma(x, e, d2); \
    x = (float16)(a3[q]); c3 = fma(x, b, c3); d3 = fma(x, e, d3); \
    x = (float16)(a4[q]); c4 = fma(x, b, c4); d4 = fma(x, e, d4); \
    x = (float16)(a5[q]); c5 = fma(x, b, c5); d5 = fma(x, e, d5); \
    x = (float16)(a6[q]); c6 = fma(x, b, c6); d6 = fma(x, e, d6); \
    x = (float16)(a7[q]); c7 = fma(x, b, c7); d7 = fma(x, e, d7); \
  }
  if (vecB && full) {
    W32_STEP(vload16(0, pb + p * sbp + j0), vload16(0, pb + p * sbp + j0 + 16))
  } else {
#define CJ(c) min(j0 + (c), N - 1)
#define LB0(c) pb[p * sbp + CJ(c) * sbj]
#define LB1(c) pb[p * sbp + CJ(16 + (c)) * sbj]
    W32_STEP(GATHER16(LB0), GATHER16(LB1))
#undef LB0
#undef LB1
#undef CJ
  }
#undef W32_STEP
  float16 acc[R8_ROWS] = {c0, c1, c2, c3, c4, c5, c6, c7};
  const int rowsFull = i0 + R8_ROWS <= M;
  r8_store(F, M, N, cOff, sci, scj, i0, j0, vecC, rowsFull && j0 + 16 <= N, alpha, beta, acc);
  if (j0 + 16 < N) {
    float16 acc2[R8_ROWS] = {d0, d1, d2, d3, d4, d5, d6, d7};
    r8_store(F, M, N, cOff, sci, scj, i0, j0 + 16, vecC, rowsFull && j0 + W32 <= N, alpha, beta,
             acc2);
  }
}

#define W32_KERNELS(V, IDS)                                                                      \
  __kernel void gemm_##V##_nn(__global float* F, const int m, const int n, const int k,         \
                              const int tilesM, const int tilesN, const int aOff, const int bOff,  \
                              const int cOff, const float alpha, const float beta) {              \
    IDS w32_tile(F, m, n, k, aOff, k, 1, bOff, n, 1, cOff, n, 1, ti, tj, alpha, beta, 1, 1); \
  }                                                                                              \
  __kernel void gemm_##V##_tn(__global float* F, const int m, const int n, const int k,         \
                              const int tilesM, const int tilesN, const int aOff, const int bOff,  \
                              const int cOff, const float alpha, const float beta) {              \
    IDS w32_tile(F, m, n, k, aOff, 1, m, bOff, n, 1, cOff, n, 1, ti, tj, alpha, beta, 1, 1); \
  }                                                                                              \
  __kernel void gemm_##V##_nt(__global float* F, const int m, const int n, const int k,         \
                              const int tilesM, const int tilesN, const int aOff, const int bOff,  \
                              const int cOff, const float alpha, const float beta) {              \
    IDS w32_tile(F, m, n, k, aOff, k, 1, bOff, 1, k, cOff, n, 1, ti, tj, alpha, beta, 0, 1); \
  }                                                                                              \
  __kernel void gemm_##V##_tt(__global float* F, const int m, const int n, const int k,         \
                              const int tilesM, const int tilesN, const int aOff, const int bOff,  \
                              const int cOff, const float alpha, const float beta) {              \
    IDS w32_tile(F, n, m, k, bOff, k, 1, aOff, m, 1, cOff, 1, n, ti, tj, alpha, beta, 1, 0); \
  }

W32_KERNELS(v7, R8_V4_IDS)

// v9: v7's tiles in a blocked order: blocks of V9_SB tile columns; inside a block, ti major and
// tj minor. Consecutive work-items reuse one 8-row block of A V9_SB times from L1, and the
// block's V9_SB panels of B (4 x 32 columns x k) stay in L2 while every row block passes.
#define V9_SB 4
#define R8_V9_IDS                                                         \
  const int t = get_global_id(0);                                         \
  if (t >= tilesM * tilesN) return;                                       \
  const int blk = t / (tilesM * V9_SB);                                   \
  const int rr = t - blk * (tilesM * V9_SB);                              \
  const int bw = min(V9_SB, tilesN - blk * V9_SB);                        \
  const int ti = rr / bw, tj = blk * V9_SB + (rr - (rr / bw) * bw);

W32_KERNELS(v9, R8_V9_IDS)

// ------------------------------------------------------------------ v8: nt through local memory
// op(B) = B^T with B stored n x k: B's rows are contiguous along p, the wrong way for float16
// loads across j. A work-group of up to 8 work-items shares one 32-column block of C (one tj,
// consecutive ti); per chunk of V8_KB steps of p the group copies the 32 x V8_KB block of B,
// transposed, into local memory, then each work-item runs v7's 8x32 loop on it. The transpose
// costs 32 scalar copies per step for the whole group, against 8*8*32 FMAs.
// 2D range: dim 0 = ti padded to the group size, dim 1 = tj. Padded work-items (ti >= tilesM)
// compute on clamped rows and store nothing; they must not return early (barriers).

#define V8_KB 128

__kernel void gemm_v8_nt(__global float* F, const int m, const int n, const int k,
                         const int tilesM, const int tilesN, const int aOff, const int bOff,
                         const int cOff, const float alpha, const float beta) {
  __local float bs[V8_KB * W32];
  const int ti = get_global_id(0), tj = get_global_id(1);
  const int lid = get_local_id(0), lsz = get_local_size(0);
  const int i0 = ti * R8_ROWS, j0 = tj * W32;
  __global const float* pa = F + aOff;
  __global const float* a0 = pa + min(i0 + 0, m - 1) * k;
  __global const float* a1 = pa + min(i0 + 1, m - 1) * k;
  __global const float* a2 = pa + min(i0 + 2, m - 1) * k;
  __global const float* a3 = pa + min(i0 + 3, m - 1) * k;
  __global const float* a4 = pa + min(i0 + 4, m - 1) * k;
  __global const float* a5 = pa + min(i0 + 5, m - 1) * k;
  __global const float* a6 = pa + min(i0 + 6, m - 1) * k;
  __global const float* a7 = pa + min(i0 + 7, m - 1) * k;
  float16 c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f, c4 = 0.0f, c5 = 0.0f, c6 = 0.0f, c7 = 0.0f;
  float16 d0 = 0.0f, d1 = 0.0f, d2 = 0.0f, d3 = 0.0f, d4 = 0.0f, d5 = 0.0f, d6 = 0.0f, d7 = 0.0f;
  for (int p0 = 0; p0 < k; p0 += V8_KB) {
    const int kb = min(V8_KB, k - p0);
    for (int c = lid; c < W32; c += lsz) {
      __global const float* src = F + bOff + min(j0 + c, n - 1) * k + p0;
      for (int pp = 0; pp < kb; ++pp) bs[pp * W32 + c] = src[pp];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int pp = 0; pp < kb; ++pp) {
      const float16 b = vload16(0, bs + pp * W32);
      const float16 e = vload16(0, bs + pp * W32 + 16);
      const int q = p0 + pp;
      float16 x;
      x = (float16)(a0[q]); c0 = fma(x, b, c0); d0 = fma(x, e, d0);
      x = (float16)(a1[q]); c1 = fma(x, b, c1); d1 = fma(x, e, d1);
      x = (float16)(a2[q]); c2 = fma(x, b, c2); d2 = fma(x, e, d2);
      x = (float16)(a3[q]); c3 = fma(x, b, c3); d3 = fma(x, e, d3);
      x = (float16)(a4[q]); c4 = fma(x, b, c4); d4 = fma(x, e, d4);
      x = (float16)(a5[q]); c5 = fma(x, b, c5); d5 = fma(x, e, d5);
      x = (float16)(a6[q]); c6 = fma(x, b, c6); d6 = fma(x, e, d6);
      x = (float16)(a7[q]); c7 = fma(x, b, c7); d7 = fma(x, e, d7);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (ti < tilesM && j0 < n) {
    float16 acc[R8_ROWS] = {c0, c1, c2, c3, c4, c5, c6, c7};
    const int rowsFull = i0 + R8_ROWS <= m;
    r8_store(F, m, n, cOff, n, 1, i0, j0, 1, rowsFull && j0 + 16 <= n, alpha, beta, acc);
    if (j0 + 16 < n) {
      float16 acc2[R8_ROWS] = {d0, d1, d2, d3, d4, d5, d6, d7};
      r8_store(F, m, n, cOff, n, 1, i0, j0 + 16, 1, rowsFull && j0 + W32 <= n, alpha, beta, acc2);
    }
  }
}

// ------------------------------------------------------------------ dot-product tiles (nt)
// For op(B) = B^T both A (m x k) and B (n x k) are contiguous along p, and neither along i or j,
// so rank-1 updates would need gathers. Here each work-item owns a 4x4 tile of C and keeps one
// float16 partial sum per element, advancing 16 p at a time with contiguous loads; the 16 lanes
// are summed at the end. Tiles are ordered with the 4-row block index fastest.

#define D4 4

inline float hsum16(const float16 v) {
  const float8 h = v.lo + v.hi;
  const float4 q = h.lo + h.hi;
  return (q.x + q.y) + (q.z + q.w);
}

__kernel void gemm_d4_nt(__global float* F, const int m, const int n, const int k,
                         const int tilesM, const int tilesN, const int aOff, const int bOff,
                         const int cOff, const float alpha, const float beta) {
  const int t = get_global_id(0);
  if (t >= tilesM * tilesN) return;
  const int tj = t / tilesM, ti = t - (t / tilesM) * tilesM;
  const int i0 = ti * D4, j0 = tj * D4;
  // Clamped rows: an edge tile recomputes the last row/column and discards it.
  __global const float* a0 = F + aOff + min(i0 + 0, m - 1) * k;
  __global const float* a1 = F + aOff + min(i0 + 1, m - 1) * k;
  __global const float* a2 = F + aOff + min(i0 + 2, m - 1) * k;
  __global const float* a3 = F + aOff + min(i0 + 3, m - 1) * k;
  __global const float* b0 = F + bOff + min(j0 + 0, n - 1) * k;
  __global const float* b1 = F + bOff + min(j0 + 1, n - 1) * k;
  __global const float* b2 = F + bOff + min(j0 + 2, n - 1) * k;
  __global const float* b3 = F + bOff + min(j0 + 3, n - 1) * k;
  float16 s00 = 0.0f, s01 = 0.0f, s02 = 0.0f, s03 = 0.0f;
  float16 s10 = 0.0f, s11 = 0.0f, s12 = 0.0f, s13 = 0.0f;
  float16 s20 = 0.0f, s21 = 0.0f, s22 = 0.0f, s23 = 0.0f;
  float16 s30 = 0.0f, s31 = 0.0f, s32 = 0.0f, s33 = 0.0f;
  const int kv = k & ~15;
  for (int p = 0; p < kv; p += 16) {
    const float16 x0 = vload16(0, a0 + p), x1 = vload16(0, a1 + p);
    const float16 x2 = vload16(0, a2 + p), x3 = vload16(0, a3 + p);
    const float16 y0 = vload16(0, b0 + p), y1 = vload16(0, b1 + p);
    const float16 y2 = vload16(0, b2 + p), y3 = vload16(0, b3 + p);
    s00 = fma(x0, y0, s00); s01 = fma(x0, y1, s01); s02 = fma(x0, y2, s02); s03 = fma(x0, y3, s03);
    s10 = fma(x1, y0, s10); s11 = fma(x1, y1, s11); s12 = fma(x1, y2, s12); s13 = fma(x1, y3, s13);
    s20 = fma(x2, y0, s20); s21 = fma(x2, y1, s21); s22 = fma(x2, y2, s22); s23 = fma(x2, y3, s23);
    s30 = fma(x3, y0, s30); s31 = fma(x3, y1, s31); s32 = fma(x3, y2, s32); s33 = fma(x3, y3, s33);
  }
  float r[D4][D4] = {
      {hsum16(s00), hsum16(s01), hsum16(s02), hsum16(s03)},
      {hsum16(s10), hsum16(s11), hsum16(s12), hsum16(s13)},
      {hsum16(s20), hsum16(s21), hsum16(s22), hsum16(s23)},
      {hsum16(s30), hsum16(s31), hsum16(s32), hsum16(s33)}};
  for (int p = kv; p < k; ++p) {
    const float xa[D4] = {a0[p], a1[p], a2[p], a3[p]};
    const float yb[D4] = {b0[p], b1[p], b2[p], b3[p]};
    for (int u = 0; u < D4; ++u)
      for (int v = 0; v < D4; ++v) r[u][v] = fma(xa[u], yb[v], r[u][v]);
  }
  for (int u = 0; u < D4; ++u) {
    const int i = i0 + u;
    if (i >= m) break;
    for (int v = 0; v < D4; ++v) {
      const int j = j0 + v;
      if (j < n) put_c(F, cOff + i * n + j, r[u][v], alpha, beta);
    }
  }
}
