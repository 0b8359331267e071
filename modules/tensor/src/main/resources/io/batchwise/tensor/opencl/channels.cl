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

__kernel void channel_moments_serial(__global float* F, __global double* D, int x, int shift,
                                     int out, int outer, int c, int inner) {
  int ch = get_global_id(0);
  if (ch >= c) {
    return;
  }
  double k = (double) F[shift + ch];
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
  D[out + 2 * ch] = s1;
  D[out + 2 * ch + 1] = s2;
}

__kernel void channel_grad_moments_serial(__global float* F, __global double* D, int dy, int x,
                                          int center, int out, int outer, int c, int inner) {
  int ch = get_global_id(0);
  if (ch >= c) {
    return;
  }
  double k = (double) F[center + ch];
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
  D[out + 2 * ch] = s1;
  D[out + 2 * ch + 1] = s2;
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
// same fixed tree, but work-item l walks the 16-element chunks k = l, l + RWG, ... of every row
// (o = 0, 1, ...) with explicit double16 accumulators, then folds its 16 lanes in a fixed order
// (sum_lanes). A partial last chunk goes through the scalar lane 0. Same inputs, same order,
// same bits.
double sum_lanes(double16 v) {
  double8 a = v.lo + v.hi;
  double4 b = a.lo + a.hi;
  double2 c = b.lo + b.hi;
  return c.lo + c.hi;
}

__kernel void channel_sum_v2(__global float* F, int x, int out, int outer, int c, int inner,
                             float beta) {
  __local double part[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  double16 acc = (double16) 0.0;
  double tail = 0.0;
  for (int o = 0; o < outer; o++) {
    int base = x + (o * c + ch) * inner;
    for (int i0 = l * CV; i0 < inner; i0 += RWG * CV) {
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
  double k = (double) F[shift + ch];
  double16 a1 = (double16) 0.0;
  double16 a2 = (double16) 0.0;
  double t1 = 0.0;
  double t2 = 0.0;
  for (int o = 0; o < outer; o++) {
    int base = x + (o * c + ch) * inner;
    for (int i0 = l * CV; i0 < inner; i0 += RWG * CV) {
      if (i0 + CV <= inner) {
        double16 d = convert_double16(vload16(0, F + base + i0)) - k;
        a1 += d;
        a2 += d * d;
      } else {
        for (int i = i0; i < inner; i++) {
          double d = (double) F[base + i] - k;
          t1 += d;
          t2 += d * d;
        }
      }
    }
  }
  p1[l] = sum_lanes(a1) + t1;
  p2[l] = sum_lanes(a2) + t2;
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

__kernel void channel_grad_moments_v2(__global float* F, __global double* D, int dy, int x,
                                      int center, int out, int outer, int c, int inner) {
  __local double p1[RWG];
  __local double p2[RWG];
  int ch = get_group_id(0);
  int l = get_local_id(0);
  double k = (double) F[center + ch];
  double16 a1 = (double16) 0.0;
  double16 a2 = (double16) 0.0;
  double t1 = 0.0;
  double t2 = 0.0;
  for (int o = 0; o < outer; o++) {
    int off = (o * c + ch) * inner;
    for (int i0 = l * CV; i0 < inner; i0 += RWG * CV) {
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
  p1[l] = sum_lanes(a1) + t1;
  p2[l] = sum_lanes(a2) + t2;
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
