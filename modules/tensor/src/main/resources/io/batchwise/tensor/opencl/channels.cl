// Per-channel kernels over a tensor viewed as [outer][c][inner] (NCHW is (N, C, H*W)).
// F is the FLOAT arena, D the DOUBLE arena.
//
// Reductions run one work-group of RWG work-items per channel. Invariants that make the result
// bit-identical for identical inputs, whatever the device's scheduling:
//  1. work-item l accumulates, in double, the elements i = i0 + l (i0 = 0, RWG, 2RWG, ...) of every
//     outer slice o = 0, 1, ..., in that order;
//  2. the RWG partial sums are combined by a fixed binary tree in local memory;
//  3. RWG is a compile-time constant, and the host launches exactly c work-groups of RWG.
// When inner is small (a dense layer's [N, C] has inner = 1) the host instead launches the *_serial
// versions: one work-item per channel sums o = 0, 1, ... and i = 0, 1, ... in order (vectorized
// across channels, which are contiguous). The host picks the version from the shape alone, so
// identical inputs still take the identical path.
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#define RWG 64

// out[ch] = beta * out[ch] + sum; out is FLOAT. beta == 0 does not read out.
__kernel void channel_sum(__global float* F, int x, int out, int outer, int c, int inner,
                          float beta) {
  __local double part[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  double s = 0.0;
  for (int o = 0; o < outer; o++) {
    int base = x + (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += RWG) {
      int i = i0 + l;
      if (i < inner) {
        s += (double) F[base + i];
      }
    }
  }
  part[l] = s;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int step = RWG / 2; step > 0; step >>= 1) {
    if (l < step) {
      part[l] += part[l + step];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (l == 0) {
    double total = part[0];
    if (beta != 0.0f) {
      total += (double) beta * (double) F[out + ch];
    }
    F[out + ch] = (float) total;
  }
}

// D[out + 2ch] = sum (x - shift[ch]), D[out + 2ch + 1] = sum (x - shift[ch])^2, in double.
__kernel void channel_moments(__global float* F, __global double* D, int x, int shift, int out,
                              int outer, int c, int inner) {
  __local double p1[RWG];
  __local double p2[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  double k = (double) F[shift + ch];
  double s1 = 0.0;
  double s2 = 0.0;
  for (int o = 0; o < outer; o++) {
    int base = x + (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += RWG) {
      int i = i0 + l;
      if (i < inner) {
        double d = (double) F[base + i] - k;
        s1 += d;
        s2 += d * d;
      }
    }
  }
  p1[l] = s1;
  p2[l] = s2;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int step = RWG / 2; step > 0; step >>= 1) {
    if (l < step) {
      p1[l] += p1[l + step];
      p2[l] += p2[l + step];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (l == 0) {
    D[out + 2 * ch] = p1[0];
    D[out + 2 * ch + 1] = p2[0];
  }
}

// D[out + 2ch] = sum dy, D[out + 2ch + 1] = sum dy * (x - center[ch]), in double.
__kernel void channel_grad_moments(__global float* F, __global double* D, int dy, int x,
                                   int center, int out, int outer, int c, int inner) {
  __local double p1[RWG];
  __local double p2[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  double k = (double) F[center + ch];
  double s1 = 0.0;
  double s2 = 0.0;
  for (int o = 0; o < outer; o++) {
    int off = (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += RWG) {
      int i = i0 + l;
      if (i < inner) {
        double g = (double) F[dy + off + i];
        s1 += g;
        s2 += g * ((double) F[x + off + i] - k);
      }
    }
  }
  p1[l] = s1;
  p2[l] = s2;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int step = RWG / 2; step > 0; step >>= 1) {
    if (l < step) {
      p1[l] += p1[l + step];
      p2[l] += p2[l + step];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (l == 0) {
    D[out + 2 * ch] = p1[0];
    D[out + 2 * ch + 1] = p2[0];
  }
}

__kernel void channel_sum_serial(__global float* F, int x, int out, int outer, int c, int inner,
                                 float beta) {
  int ch = get_global_id(0);
  if (ch >= c) {
    return;
  }
  double s = 0.0;
  for (int o = 0; o < outer; o++) {
    int base = x + (o * c + ch) * inner;
    for (int i = 0; i < inner; i++) {
      s += (double) F[base + i];
    }
  }
  if (beta != 0.0f) {
    s += (double) beta * (double) F[out + ch];
  }
  F[out + ch] = (float) s;
}

// One work-item's serial sums over channel ch: o = 0, 1, ..., i = 0, 1, ..., in that order.
// Returns (sum (x - k), sum (x - k)^2).
double2 serial_moments(__global float* F, int x, double k, int outer, int c, int ch, int inner) {
  double s1 = 0.0;
  double s2 = 0.0;
  for (int o = 0; o < outer; o++) {
    int base = x + (o * c + ch) * inner;
    for (int i = 0; i < inner; i++) {
      double d = (double) F[base + i] - k;
      s1 += d;
      s2 += d * d;
    }
  }
  return (double2) (s1, s2);
}

// Returns (sum dy, sum dy * (x - k)), in the order of serial_moments.
double2 serial_grad_moments(__global float* F, int dy, int x, double k, int outer, int c, int ch,
                            int inner) {
  double s1 = 0.0;
  double s2 = 0.0;
  for (int o = 0; o < outer; o++) {
    int off = (o * c + ch) * inner;
    for (int i = 0; i < inner; i++) {
      double g = (double) F[dy + off + i];
      s1 += g;
      s2 += g * ((double) F[x + off + i] - k);
    }
  }
  return (double2) (s1, s2);
}

__kernel void channel_moments_serial(__global float* F, __global double* D, int x, int shift,
                                     int out, int outer, int c, int inner) {
  int ch = get_global_id(0);
  if (ch >= c) {
    return;
  }
  double2 s = serial_moments(F, x, (double) F[shift + ch], outer, c, ch, inner);
  D[out + 2 * ch] = s.x;
  D[out + 2 * ch + 1] = s.y;
}

__kernel void channel_grad_moments_serial(__global float* F, __global double* D, int dy, int x,
                                          int center, int out, int outer, int c, int inner) {
  int ch = get_global_id(0);
  if (ch >= c) {
    return;
  }
  double2 s = serial_grad_moments(F, dy, x, (double) F[center + ch], outer, c, ch, inner);
  D[out + 2 * ch] = s.x;
  D[out + 2 * ch + 1] = s.y;
}

// Per-element channel kernels use a 3-D range (i < n0, j < n1, o < n2) and address element
// o*s2 + j*s1 + i of channel j*c1 + i*c0: no integer division or remainder at all (PoCL runs
// those scalar, per work-item, even when they are uniform; measured 3-5x slower):
//   inner > 1:  (n0, n1, n2) = (inner, c, outer), s1 = inner, s2 = c*inner, c1 = 1, c0 = 0;
//   inner == 1: (n0, n1, n2) = (c, 1, outer),     s1 = 0,     s2 = c,       c1 = 0, c0 = 1.

// y += bias[ch].
__kernel void add_channel_bias(__global float* F, int y, int bias, int n0, int s1, int s2,
                               int c1, int c0) {
  int i = get_global_id(0);
  if (i >= n0) {
    return;
  }
  int j = get_global_id(1);
  int e = get_global_id(2) * s2 + j * s1 + i;
  F[y + e] += F[bias + j * c1 + i * c0];
}

// y = x * a[ch] + b[ch]; y may alias x (each work-item reads then writes its own element).
__kernel void channel_affine(__global float* F, int x, int a, int b, int y, int n0, int s1,
                             int s2, int c1, int c0) {
  int i = get_global_id(0);
  if (i >= n0) {
    return;
  }
  int j = get_global_id(1);
  int e = get_global_id(2) * s2 + j * s1 + i;
  int ch = j * c1 + i * c0;
  F[y + e] = fma(F[x + e], F[a + ch], F[b + ch]);
}

// dx = dy * a[ch] + x * b[ch] + d[ch]; dx may alias dy.
__kernel void channel_affine2(__global float* F, int dy, int x, int a, int b, int d, int dx,
                              int n0, int s1, int s2, int c1, int c0) {
  int i = get_global_id(0);
  if (i >= n0) {
    return;
  }
  int j = get_global_id(1);
  int e = get_global_id(2) * s2 + j * s1 + i;
  int ch = j * c1 + i * c0;
  F[dx + e] = F[dy + e] * F[a + ch] + F[x + e] * F[b + ch] + F[d + ch];
}

// v2 of the per-element channel kernels, for inner >= 16: 3-D range (k < ceil(inner/16), ch < c,
// o < outer); each work-item handles 16 consecutive elements of one (o, ch) row with explicit
// float16 loads and stores (vload16/vstore16: the arena is only float-aligned), and a scalar tail
// for the last partial chunk. PoCL's own cross-work-item vectorizer gives up on these kernels
// (the per-channel loads through the same arena pointer); explicit vectors ran 3x faster.
#define CV 16

__kernel void add_channel_bias_v2(__global float* F, int y, int bias, int c, int inner) {
  int i0 = get_global_id(0) * CV;
  if (i0 >= inner) {
    return;
  }
  int ch = get_global_id(1);
  int e = y + (get_global_id(2) * c + ch) * inner + i0;
  float bv = F[bias + ch];
  if (i0 + CV <= inner) {
    vstore16(vload16(0, F + e) + bv, 0, F + e);
  } else {
    for (int i = 0; i < inner - i0; i++) {
      F[e + i] += bv;
    }
  }
}

__kernel void channel_affine_v2(__global float* F, int x, int a, int b, int y, int c, int inner) {
  int i0 = get_global_id(0) * CV;
  if (i0 >= inner) {
    return;
  }
  int ch = get_global_id(1);
  int e = (get_global_id(2) * c + ch) * inner + i0;
  float av = F[a + ch];
  float bv = F[b + ch];
  if (i0 + CV <= inner) {
    vstore16(fma(vload16(0, F + x + e), (float16) av, (float16) bv), 0, F + y + e);
  } else {
    for (int i = 0; i < inner - i0; i++) {
      F[y + e + i] = fma(F[x + e + i], av, bv);
    }
  }
}

__kernel void channel_affine2_v2(__global float* F, int dy, int x, int a, int b, int d, int dx,
                                 int c, int inner) {
  int i0 = get_global_id(0) * CV;
  if (i0 >= inner) {
    return;
  }
  int ch = get_global_id(1);
  int e = (get_global_id(2) * c + ch) * inner + i0;
  float av = F[a + ch];
  float bv = F[b + ch];
  float dv = F[d + ch];
  if (i0 + CV <= inner) {
    float16 g = vload16(0, F + dy + e);
    float16 v = vload16(0, F + x + e);
    vstore16(g * av + v * bv + dv, 0, F + dx + e);
  } else {
    for (int i = 0; i < inner - i0; i++) {
      F[dx + e + i] = F[dy + e + i] * av + F[x + e + i] * bv + dv;
    }
  }
}

// v2 of the three reductions, for inner >= 16: still one work-group of RWG per channel and the
// same fixed tree, but work-item l sums whole rows: o from l·outer/RWG up to (l+1)·outer/RWG
// (integer division; some items get none when outer < RWG), each row's 16-element chunks in order,
// with explicit double16 accumulators, then folds its 16 lanes in a fixed order (sum_lanes). A
// partial last chunk goes through a scalar accumulator. Same inputs, same order, same bits.
// Why rows: PoCL runs a work-group's items one after another on one core, so item by item the
// channel is read front to back, which the hardware prefetcher follows. The earlier split (item l
// takes chunks l, l + RWG, ... of every row) walked each channel column-wise across rows
// c·inner floats apart and ran 2.5x slower (KernelBench, batchNormTrainFwd at 64x20x576).
double sum_lanes(double16 v) {
  double8 a = v.lo + v.hi;
  double4 b = a.lo + a.hi;
  double2 c = b.lo + b.hi;
  return c.lo + c.hi;
}

// The first of the rows o0 <= o < o1 that work-item l sums (see above); o1 is row_begin(l + 1).
int row_begin(int l, int outer) {
  return (int) (((long) l * outer) / RWG);
}

// One 16-element chunk, or one element, into the shifted-moment accumulators: the arithmetic of
// every v2 moment sum (rows_moments_v2 and the permute that sums on its way, invariant 5).
void add_moments16(double16* a1, double16* a2, float16 v, double k) {
  double16 d = convert_double16(v) - k;
  *a1 += d;
  *a2 += d * d;
}

void add_moments1(double* t1, double* t2, float v, double k) {
  double d = (double) v - k;
  *t1 += d;
  *t2 += d * d;
}

// Work-item l's share of channel ch's shifted moments in the v2 order; returns
// (sum (x - k), sum (x - k)^2).
double2 rows_moments_v2(__global float* F, int x, double k, int l, int outer, int c, int ch,
                        int inner) {
  double16 a1 = (double16) 0.0;
  double16 a2 = (double16) 0.0;
  double t1 = 0.0;
  double t2 = 0.0;
  int o1 = row_begin(l + 1, outer);
  for (int o = row_begin(l, outer); o < o1; o++) {
    int base = x + (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += CV) {
      if (i0 + CV <= inner) {
        add_moments16(&a1, &a2, vload16(0, F + base + i0), k);
      } else {
        for (int i = i0; i < inner; i++) {
          add_moments1(&t1, &t2, F[base + i], k);
        }
      }
    }
  }
  return (double2) (sum_lanes(a1) + t1, sum_lanes(a2) + t2);
}

// Work-item l's share of (sum dy, sum dy * (x - k)) in the v2 order.
double2 rows_grad_moments_v2(__global float* F, int dy, int x, double k, int l, int outer, int c,
                             int ch, int inner) {
  double16 a1 = (double16) 0.0;
  double16 a2 = (double16) 0.0;
  double t1 = 0.0;
  double t2 = 0.0;
  int o1 = row_begin(l + 1, outer);
  for (int o = row_begin(l, outer); o < o1; o++) {
    int off = (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += CV) {
      if (i0 + CV <= inner) {
        double16 g = convert_double16(vload16(0, F + dy + off + i0));
        a1 += g;
        a2 += g * (convert_double16(vload16(0, F + x + off + i0)) - k);
      } else {
        for (int i = i0; i < inner; i++) {
          double g = (double) F[dy + off + i];
          t1 += g;
          t2 += g * ((double) F[x + off + i] - k);
        }
      }
    }
  }
  return (double2) (sum_lanes(a1) + t1, sum_lanes(a2) + t2);
}

// Stores work-item l's pair and combines the work-group's RWG pairs by the fixed tree
// (invariant 2); every work-item must call it; the totals are in p1[0], p2[0] on return.
void tree_sum2(__local double* p1, __local double* p2, int l, double2 mine) {
  p1[l] = mine.x;
  p2[l] = mine.y;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int step = RWG / 2; step > 0; step >>= 1) {
    if (l < step) {
      p1[l] += p1[l + step];
      p2[l] += p2[l + step];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
}

__kernel void channel_sum_v2(__global float* F, int x, int out, int outer, int c, int inner,
                             float beta) {
  __local double part[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  double16 acc = (double16) 0.0;
  double tail = 0.0;
  int o1 = row_begin(l + 1, outer);
  for (int o = row_begin(l, outer); o < o1; o++) {
    int base = x + (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += CV) {
      if (i0 + CV <= inner) {
        acc += convert_double16(vload16(0, F + base + i0));
      } else {
        for (int i = i0; i < inner; i++) {
          tail += (double) F[base + i];
        }
      }
    }
  }
  part[l] = sum_lanes(acc) + tail;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int step = RWG / 2; step > 0; step >>= 1) {
    if (l < step) {
      part[l] += part[l + step];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (l == 0) {
    double total = part[0];
    if (beta != 0.0f) {
      total += (double) beta * (double) F[out + ch];
    }
    F[out + ch] = (float) total;
  }
}

__kernel void channel_moments_v2(__global float* F, __global double* D, int x, int shift,
                                 int out, int outer, int c, int inner) {
  __local double p1[RWG];
  __local double p2[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  tree_sum2(p1, p2, l, rows_moments_v2(F, x, (double) F[shift + ch], l, outer, c, ch, inner));
  if (l == 0) {
    D[out + 2 * ch] = p1[0];
    D[out + 2 * ch + 1] = p2[0];
  }
}

__kernel void channel_grad_moments_v2(__global float* F, __global double* D, int dy, int x,
                                      int center, int out, int outer, int c, int inner) {
  __local double p1[RWG];
  __local double p2[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  tree_sum2(p1, p2, l,
            rows_grad_moments_v2(F, dy, x, (double) F[center + ch], l, outer, c, ch, inner));
  if (l == 0) {
    D[out + 2 * ch] = p1[0];
    D[out + 2 * ch + 1] = p2[0];
  }
}

// ---------------------------------------------------------------- layout fused with a channel op
// The two ends of a convolution followed by BatchNorm (Conv2d and BatchNorm link up in a
// Sequential): the convolution's GEMM writes CNHW and its output must be permuted to NCHW anyway,
// and its backward permutes dy from NCHW to CNHW. These kernels do the BatchNorm work inside those
// permutes, so the activation is read once instead of twice and one launch per pass goes away.
//  5. cnhw_to_nchw_moments_v2 sums exactly the values rows_moments_v2 would read from the NCHW
//     output, in the same order (row o of channel ch is row ch·outer + o of the CNHW input) and
//     through the same add_moments16/add_moments1, so its sums equal channel_moments_v2's on that
//     output bit for bit.
//  6. nchw_to_cnhw_affine2_v2 evaluates channel_affine2_v2's expression on the same operands and
//     only stores it elsewhere, so it equals channel_affine2_v2 followed by nchw_to_cnhw.

// y[o][ch][i] = x[ch][o][i], and D[out + 2ch], D[out + 2ch + 1] = Σ (y − k), Σ (y − k)² with
// k = F[shift + ch]; exactly c work-groups of RWG, inner >= 16.
__kernel void cnhw_to_nchw_moments_v2(__global float* F, __global double* D, int x, int shift,
                                      int y, int out, int outer, int c, int inner) {
  __local double p1[RWG];
  __local double p2[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  double k = (double) F[shift + ch];
  double16 a1 = (double16) 0.0;
  double16 a2 = (double16) 0.0;
  double t1 = 0.0;
  double t2 = 0.0;
  int o1 = row_begin(l + 1, outer);
  for (int o = row_begin(l, outer); o < o1; o++) {
    int src = x + (ch * outer + o) * inner;
    int dst = y + (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += CV) {
      if (i0 + CV <= inner) {
        float16 v = vload16(0, F + src + i0);
        vstore16(v, 0, F + dst + i0);
        add_moments16(&a1, &a2, v, k);
      } else {
        for (int i = i0; i < inner; i++) {
          float v = F[src + i];
          F[dst + i] = v;
          add_moments1(&t1, &t2, v, k);
        }
      }
    }
  }
  tree_sum2(p1, p2, l, (double2) (sum_lanes(a1) + t1, sum_lanes(a2) + t2));
  if (l == 0) {
    D[out + 2 * ch] = p1[0];
    D[out + 2 * ch + 1] = p2[0];
  }
}

// out[ch][o][i] = dy[o][ch][i]·a[ch] + x[o][ch][i]·b[ch] + d[ch]; the range of channel_affine2_v2.
__kernel void nchw_to_cnhw_affine2_v2(__global float* F, int dy, int x, int a, int b, int d,
                                      int out, int outer, int c, int inner) {
  int i0 = get_global_id(0) * CV;
  if (i0 >= inner) {
    return;
  }
  int ch = get_global_id(1);
  int o = get_global_id(2);
  int e = (o * c + ch) * inner + i0;
  int t = out + (ch * outer + o) * inner + i0;
  float av = F[a + ch];
  float bv = F[b + ch];
  float dv = F[d + ch];
  if (i0 + CV <= inner) {
    float16 g = vload16(0, F + dy + e);
    float16 v = vload16(0, F + x + e);
    vstore16(g * av + v * bv + dv, 0, F + t);
  } else {
    for (int i = 0; i < inner - i0; i++) {
      F[t + i] = F[dy + e + i] * av + F[x + e + i] * bv + dv;
    }
  }
}

// ---------------------------------------------------------------- BatchNorm, local statistics
// One work-group of RWG per channel does a whole training-mode BatchNorm pass: the reduction of
// channel_moments (_v2 for inner >= 16, or the serial one, with the identical summation order),
// then work-item 0 runs the per-channel arithmetic of BatchNormCoefficients (Java) in double, then
// every work-item applies the affine map to the same elements it summed, which are still in this
// core's cache: one launch and about half the memory traffic of the two-kernel sequence. Invariant:
//  4. the per-channel arithmetic is the Java host's, operation for operation and without fused
//     multiply-adds (FP_CONTRACT OFF below), and the element-wise maps are those of channel_affine*,
//     so the fused kernels and the composition agree bit for bit.

#pragma OPENCL FP_CONTRACT OFF

// BatchNormCoefficients.forward for one channel; returns a and b through coef[0], coef[1].
void bn_forward_coefficients(__global float* F, __global double* D, int ch, double s1, double s2,
                             double count, int gamma, int beta, double eps, double w,
                             double bessel, int rm, int rv, int center, int invstd,
                             float* coef) {
  double k = (double) F[rm + ch];
  double m1 = s1 / count;
  double mean = k + m1;
  double var = s2 / count - m1 * m1;
  var = var < 0.0 ? 0.0 : var;
  double is = 1.0 / sqrt(var + eps);
  double a = (double) F[gamma + ch] * is;
  double b = (double) F[beta + ch] - mean * a;
  F[rm + ch] = (float) ((1 - w) * k + w * mean);
  F[rv + ch] = (float) ((1 - w) * (double) F[rv + ch] + w * var * bessel);
  F[center + ch] = (float) mean;
  D[invstd + ch] = is;
  coef[0] = (float) a;
  coef[1] = (float) b;
}

// BatchNormCoefficients.backward for one channel, plus dgamma and dbeta from the same sums;
// returns a, b, d through coef[0..2].
void bn_backward_coefficients(__global float* F, __global double* D, int ch, double t1, double t2,
                              double count, int gamma, int center, int invstd, int dgamma,
                              int dbeta, float* coef) {
  double is = D[invstd + ch];
  F[dbeta + ch] = (float) t1;
  F[dgamma + ch] = (float) (t2 * is);
  double gi = (double) F[gamma + ch] * is;
  double s1 = t1 / count;
  double s2 = t2 / count;
  double b = -gi * is * is * s2;
  double d = -gi * s1 - b * (double) F[center + ch];
  coef[0] = (float) gi;
  coef[1] = (float) b;
  coef[2] = (float) d;
}

#pragma OPENCL FP_CONTRACT ON

// Forward, inner >= 16: the reduction of channel_moments_v2, then the map of channel_affine_v2
// over the rows this work-item summed.
__kernel void bn_train_forward_v2(__global float* F, __global double* D, int x, int gamma,
                                  int beta, double eps, double w, double bessel, int rm, int rv,
                                  int center, int invstd, int y, int outer, int c, int inner) {
  __local double p1[RWG];
  __local double p2[RWG];
  __local float coef[2];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  tree_sum2(p1, p2, l, rows_moments_v2(F, x, (double) F[rm + ch], l, outer, c, ch, inner));
  if (l == 0) {
    float cf[2];
    bn_forward_coefficients(F, D, ch, p1[0], p2[0], (double) outer * (double) inner, gamma, beta,
                            eps, w, bessel, rm, rv, center, invstd, cf);
    coef[0] = cf[0];
    coef[1] = cf[1];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  float av = coef[0];
  float bv = coef[1];
  int o1 = row_begin(l + 1, outer);
  for (int o = row_begin(l, outer); o < o1; o++) {
    int e = (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += CV) {
      if (i0 + CV <= inner) {
        vstore16(fma(vload16(0, F + x + e + i0), (float16) av, (float16) bv), 0, F + y + e + i0);
      } else {
        for (int i = i0; i < inner; i++) {
          F[y + e + i] = fma(F[x + e + i], av, bv);
        }
      }
    }
  }
}

// Forward, inner < 16 (a dense layer's [N, C] has inner 1): one work-item per channel, the
// sums of channel_moments_serial and the map of channel_affine.
__kernel void bn_train_forward_serial(__global float* F, __global double* D, int x, int gamma,
                                      int beta, double eps, double w, double bessel, int rm,
                                      int rv, int center, int invstd, int y, int outer, int c,
                                      int inner) {
  int ch = get_global_id(0);
  if (ch >= c) {
    return;
  }
  double2 s = serial_moments(F, x, (double) F[rm + ch], outer, c, ch, inner);
  float coef[2];
  bn_forward_coefficients(F, D, ch, s.x, s.y, (double) outer * (double) inner, gamma, beta, eps,
                          w, bessel, rm, rv, center, invstd, coef);
  for (int o = 0; o < outer; o++) {
    int base = (o * c + ch) * inner;
    for (int i = 0; i < inner; i++) {
      F[y + base + i] = fma(F[x + base + i], coef[0], coef[1]);
    }
  }
}

// Backward, inner >= 16: the reduction of channel_grad_moments_v2, then the map of
// channel_affine2_v2 over the rows this work-item summed.
__kernel void bn_train_backward_v2(__global float* F, __global double* D, int dy, int x,
                                   int gamma, int center, int invstd, int dgamma, int dbeta,
                                   int dx, int outer, int c, int inner) {
  __local double p1[RWG];
  __local double p2[RWG];
  __local float coef[3];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  tree_sum2(p1, p2, l,
            rows_grad_moments_v2(F, dy, x, (double) F[center + ch], l, outer, c, ch, inner));
  if (l == 0) {
    float cf[3];
    bn_backward_coefficients(F, D, ch, p1[0], p2[0], (double) outer * (double) inner, gamma, center,
                             invstd, dgamma, dbeta, cf);
    coef[0] = cf[0];
    coef[1] = cf[1];
    coef[2] = cf[2];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  float av = coef[0];
  float bv = coef[1];
  float dv = coef[2];
  int o1 = row_begin(l + 1, outer);
  for (int o = row_begin(l, outer); o < o1; o++) {
    int e = (o * c + ch) * inner;
    for (int i0 = 0; i0 < inner; i0 += CV) {
      if (i0 + CV <= inner) {
        float16 g = vload16(0, F + dy + e + i0);
        float16 v = vload16(0, F + x + e + i0);
        vstore16(g * av + v * bv + dv, 0, F + dx + e + i0);
      } else {
        for (int i = i0; i < inner; i++) {
          F[dx + e + i] = F[dy + e + i] * av + F[x + e + i] * bv + dv;
        }
      }
    }
  }
}

// Backward, inner < 16: one work-item per channel (channel_grad_moments_serial, channel_affine2).
__kernel void bn_train_backward_serial(__global float* F, __global double* D, int dy, int x,
                                       int gamma, int center, int invstd, int dgamma, int dbeta,
                                       int dx, int outer, int c, int inner) {
  int ch = get_global_id(0);
  if (ch >= c) {
    return;
  }
  double2 s = serial_grad_moments(F, dy, x, (double) F[center + ch], outer, c, ch, inner);
  float coef[3];
  bn_backward_coefficients(F, D, ch, s.x, s.y, (double) outer * (double) inner, gamma, center,
                           invstd, dgamma, dbeta, coef);
  for (int o = 0; o < outer; o++) {
    int off = (o * c + ch) * inner;
    for (int i = 0; i < inner; i++) {
      F[dx + off + i] = F[dy + off + i] * coef[0] + F[x + off + i] * coef[1] + coef[2];
    }
  }
}
