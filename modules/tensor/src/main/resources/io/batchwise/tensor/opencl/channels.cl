// Per-channel kernels over a tensor viewed as [outer][c][inner] (NCHW is (N, C, H*W)).
// F is the FLOAT arena, D the DOUBLE arena.
//
// Reductions run one work-group of RWG work-items per channel. Invariants that make the result
// bit-identical for identical inputs, whatever the device's scheduling:
//  1. work-item l accumulates, in double, the elements i = i0 + l (i0 = 0, RWG, 2RWG, ...) of every
//     outer slice o = 0, 1, ..., in that order;
//  2. the RWG partial sums are combined by a fixed binary tree in local memory;
//  3. RWG is a compile-time constant, and the host launches exactly c work-groups of RWG.
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

// y[o][ch][i] += bias[ch]; one work-item per element.
__kernel void add_channel_bias(__global float* F, int y, int bias, int outer, int c, int inner) {
  int idx = get_global_id(0);
  if (idx >= outer * c * inner) {
    return;
  }
  int ch = (idx / inner) % c;
  F[y + idx] += F[bias + ch];
}

// y = x * a[ch] + b[ch]; y may alias x (each work-item reads then writes its own element).
__kernel void channel_affine(__global float* F, int x, int a, int b, int y, int outer, int c,
                             int inner) {
  int idx = get_global_id(0);
  if (idx >= outer * c * inner) {
    return;
  }
  int ch = (idx / inner) % c;
  F[y + idx] = fma(F[x + idx], F[a + ch], F[b + ch]);
}

// dx = dy * a[ch] + x * b[ch] + d[ch]; dx may alias dy.
__kernel void channel_affine2(__global float* F, int dy, int x, int a, int b, int d, int dx,
                              int outer, int c, int inner) {
  int idx = get_global_id(0);
  if (idx >= outer * c * inner) {
    return;
  }
  int ch = (idx / inner) % c;
  F[dx + idx] = F[dy + idx] * F[a + ch] + F[x + idx] * F[b + ch] + F[d + ch];
}
