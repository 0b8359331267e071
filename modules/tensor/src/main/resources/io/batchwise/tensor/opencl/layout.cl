// Layout permutes, im2col and col2im. F is the FLOAT arena; x, y, col, dx are offsets.
// Geometry follows io.batchwise.tensor.Window2d: oh = (h + 2ph - kh) / sh + 1, likewise ow.
//
// Why 2-D and 3-D ranges: PoCL vectorizes the loop over dimension 0 of a work-group, and integer
// division or remainder runs scalar per work-item, even when its operands are uniform across the
// work-group (measured: q % c made a per-element kernel 3-5x slower). Kernels therefore take
// channel and batch indices straight from dimensions 1 and 2, and split a within-plane index
// with the float-reciprocal fdiv below instead of '/'.

// floor(a / b) for 0 <= a < 2^20 and b >= 1, given inv = 1.0f / b: (a + 0.5) / b lies at least
// 0.5 / b from an integer, and the float error of (a + 0.5) * inv is below that for such a.
// The host checks that plane sizes stay below 2^20.
inline int fdiv(int a, float inv) {
  return (int) (((float) a + 0.5f) * inv);
}

// y[c][n][i] = x[n][c][i]; 3-D range (i < inner, ch < c, b < n).
__kernel void nchw_to_cnhw(__global float* F, int x, int y, int n, int c, int inner) {
  int i = get_global_id(0);
  if (i >= inner) {
    return;
  }
  int ch = get_global_id(1);
  int b = get_global_id(2);
  F[y + (ch * n + b) * inner + i] = F[x + (b * c + ch) * inner + i];
}

// y[n][c][i] = x[c][n][i]; 3-D range (i < inner, ch < c, b < n).
__kernel void cnhw_to_nchw(__global float* F, int x, int y, int n, int c, int inner) {
  int i = get_global_id(0);
  if (i >= inner) {
    return;
  }
  int ch = get_global_id(1);
  int b = get_global_id(2);
  F[y + (b * c + ch) * inner + i] = F[x + (ch * n + b) * inner + i];
}

// im2col v1: a 2-D range, dim 0 = column j = (b, oy, ox), dim 1 = row r = (ch, ky, kx); one
// element per work-item.
__kernel void im2col_v1(__global float* F, int x, int col, int n, int c, int h, int w,
                        int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int j = get_global_id(0);
  int r = get_global_id(1);
  int cols = n * oh * ow;
  if (j >= cols || r >= c * kh * kw) {
    return;
  }
  int ox = j % ow;
  int t = j / ow;
  int oy = t % oh;
  int b = t / oh;
  int kx = r % kw;
  int t2 = r / kw;
  int ky = t2 % kh;
  int ch = t2 / kh;
  int iy = oy * sh - ph + ky;
  int ix = ox * sw - pw + kx;
  float v = 0.0f;
  if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
    v = F[x + ((b * c + ch) * h + iy) * w + ix];
  }
  F[col + r * cols + j] = v;
}

// im2col v2: dim 0 = column j, dim 1 = channel; each work-item writes the kh*kw rows of its
// channel for its column (one index decomposition per kh*kw elements instead of per element).
__kernel void im2col_v2(__global float* F, int x, int col, int n, int c, int h, int w,
                        int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int j = get_global_id(0);
  int ch = get_global_id(1);
  int cols = n * oh * ow;
  if (j >= cols || ch >= c) {
    return;
  }
  int ox = j % ow;
  int t = j / ow;
  int oy = t % oh;
  int b = t / oh;
  int iy0 = oy * sh - ph;
  int ix0 = ox * sw - pw;
  int plane = x + (b * c + ch) * h * w;
  int out = col + ch * kh * kw * cols + j;
  for (int ky = 0; ky < kh; ky++) {
    int iy = iy0 + ky;
    bool rowIn = iy >= 0 && iy < h;
    for (int kx = 0; kx < kw; kx++) {
      int ix = ix0 + kx;
      float v = 0.0f;
      if (rowIn && ix >= 0 && ix < w) {
        v = F[plane + iy * w + ix];
      }
      F[out] = v;
      out += cols;
    }
  }
}

// im2col v3: a 3-D range (p < oh*ow, b < n, ch < c); each work-item writes the kh*kw rows of its
// channel for column (b, p). The only division left per work-item is fdiv(p, 1/ow).
__kernel void im2col_v3(__global float* F, int x, int col, int n, int c, int h, int w,
                        int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int p = get_global_id(0);
  int b = get_global_id(1);
  int ch = get_global_id(2);
  if (p >= oh * ow) {
    return;
  }
  int cols = n * oh * ow;
  int oy = fdiv(p, 1.0f / (float) ow);
  int ox = p - oy * ow;
  int iy0 = oy * sh - ph;
  int ix0 = ox * sw - pw;
  int plane = x + (b * c + ch) * h * w;
  int out = col + ch * kh * kw * cols + b * oh * ow + p;
  for (int ky = 0; ky < kh; ky++) {
    int iy = iy0 + ky;
    bool rowIn = iy >= 0 && iy < h;
    for (int kx = 0; kx < kw; kx++) {
      int ix = ix0 + kx;
      float v = 0.0f;
      if (rowIn && ix >= 0 && ix < w) {
        v = F[plane + iy * w + ix];
      }
      F[out] = v;
      out += cols;
    }
  }
}

// im2col v4: one element per work-item like v1, over a 3-D range (p < oh*ow, b < n,
// r = (ch*kh + ky)*kw + kx < c*kh*kw) with float-reciprocal index splits and a branch-free load
// (an index outside the input is clamped to the plane start and the value replaced by 0), so
// PoCL vectorizes the work-group loop without masks.
__kernel void im2col_v4(__global float* F, int x, int col, int n, int c, int h, int w,
                        int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int p = get_global_id(0);
  if (p >= oh * ow) {
    return;
  }
  int b = get_global_id(1);
  int r = get_global_id(2);
  int oy = fdiv(p, 1.0f / (float) ow);
  int ox = p - oy * ow;
  int t = fdiv(r, 1.0f / (float) kw);
  int kx = r - t * kw;
  int ch = fdiv(t, 1.0f / (float) kh);
  int ky = t - ch * kh;
  int iy = oy * sh - ph + ky;
  int ix = ox * sw - pw + kx;
  bool in = iy >= 0 && iy < h && ix >= 0 && ix < w;
  int plane = x + (b * c + ch) * h * w;
  float v = F[plane + (in ? iy * w + ix : 0)];
  F[col + r * (n * oh * ow) + b * oh * ow + p] = in ? v : 0.0f;
}

// col2im as a gather: 3-D range (p < h*w, ch < c, b < n); each work-item sums every col entry that read
// its cell, in ascending (oy, ox) order. No atomics, so the result is deterministic.
__kernel void col2im(__global float* F, int col, int dx, int n, int c, int h, int w,
                     int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int p = get_global_id(0);
  int ch = get_global_id(1);
  int b = get_global_id(2);
  if (p >= h * w) {
    return;
  }
  int q = b * c + ch;
  float invSh = 1.0f / (float) sh;
  float invSw = 1.0f / (float) sw;
  int yy = fdiv(p, 1.0f / (float) w);
  int xx = p - yy * w;
  int cols = n * oh * ow;
  // Window oy covers rows oy*sh - ph .. oy*sh - ph + kh - 1.
  int ty = yy + ph - kh + 1;
  int oy0 = ty <= 0 ? 0 : fdiv(ty + sh - 1, invSh);
  int oy1 = min(oh - 1, fdiv(yy + ph, invSh));
  int tx = xx + pw - kw + 1;
  int ox0 = tx <= 0 ? 0 : fdiv(tx + sw - 1, invSw);
  int ox1 = min(ow - 1, fdiv(xx + pw, invSw));
  int base = col + ch * kh * kw * cols + b * oh * ow;
  float s = 0.0f;
  for (int oy = oy0; oy <= oy1; oy++) {
    int ky = yy + ph - oy * sh;
    for (int ox = ox0; ox <= ox1; ox++) {
      int kx = xx + pw - ox * sw;
      s += F[base + (ky * kw + kx) * cols + oy * ow + ox];
    }
  }
  F[dx + q * h * w + p] = s;
}

// im2col v5, stride 1 along x only (sw == 1): each work-item copies 8 consecutive output columns
// ox0..ox0+7 of one (b, oy) and one row r = (ch, ky, kx); the 8 inputs are consecutive too, so
// one vload8/vstore8 pair moves them when they lie inside the input row, and a scalar loop with
// bounds checks handles padding edges and the last partial chunk. 2-D range
// (j = (b*oh + oy)*kc + k < n*oh*kc with kc = ceil(ow / 8), r < c*kh*kw).
__kernel void im2col_v5(__global float* F, int x, int col, int n, int c, int h, int w,
                        int kh, int kw, int sh, int ph, int pw, int oh, int ow, int kc) {
  int j = get_global_id(0);
  if (j >= n * oh * kc) {
    return;
  }
  int r = get_global_id(1);
  int t = fdiv(j, 1.0f / (float) kc);
  int ox0 = (j - t * kc) * 8;
  int b = fdiv(t, 1.0f / (float) oh);
  int oy = t - b * oh;
  int rk = fdiv(r, 1.0f / (float) kw);
  int kx = r - rk * kw;
  int ch = fdiv(rk, 1.0f / (float) kh);
  int ky = rk - ch * kh;
  int iy = oy * sh - ph + ky;
  int ix0 = ox0 - pw + kx;
  int out = col + r * (n * oh * ow) + b * oh * ow + oy * ow + ox0;
  int in = x + ((b * c + ch) * h + iy) * w;
  bool rowIn = iy >= 0 && iy < h;
  if (rowIn && ox0 + 8 <= ow && ix0 >= 0 && ix0 + 8 <= w) {
    vstore8(vload8(0, F + in + ix0), 0, F + out);
  } else {
    int m = min(8, ow - ox0);
    for (int e = 0; e < m; e++) {
      int ix = ix0 + e;
      F[out + e] = (rowIn && ix >= 0 && ix < w) ? F[in + ix] : 0.0f;
    }
  }
}

// col2im v2, stride 1 on both axes: each work-item sums the col entries of 8 consecutive dx cells
// x0..x0+7 of one (b, y) and one channel, in ascending (oy, ox) order per cell like v1 (ky and kx
// descending), with vload8 rows of col where all 8 source columns exist. 2-D range
// (j = (b*h + y)*kc + k < n*h*kc with kc = ceil(w / 8), ch < c).
__kernel void col2im_v2(__global float* F, int col, int dx, int n, int c, int h, int w, int kh,
                        int kw, int ph, int pw, int oh, int ow, int kc) {
  int j = get_global_id(0);
  if (j >= n * h * kc) {
    return;
  }
  int ch = get_global_id(1);
  int t = fdiv(j, 1.0f / (float) kc);
  int x0 = (j - t * kc) * 8;
  int b = fdiv(t, 1.0f / (float) h);
  int yy = t - b * h;
  int cols = n * oh * ow;
  int m = min(8, w - x0);
  float8 s = (float8) 0.0f;
  for (int ky = kh - 1; ky >= 0; ky--) {
    int oy = yy + ph - ky;
    if (oy < 0 || oy >= oh) {
      continue;
    }
    for (int kx = kw - 1; kx >= 0; kx--) {
      int ox0 = x0 + pw - kx;
      int src = col + ((ch * kh + ky) * kw + kx) * cols + (b * oh + oy) * ow;
      if (m == 8 && ox0 >= 0 && ox0 + 8 <= ow) {
        s += vload8(0, F + src + ox0);
      } else {
        float v[8];
        for (int e = 0; e < 8; e++) {
          int ox = ox0 + e;
          v[e] = (e < m && ox >= 0 && ox < ow) ? F[src + ox] : 0.0f;
        }
        s += vload8(0, v);
      }
    }
  }
  int out = dx + ((b * c + ch) * h + yy) * w + x0;
  if (m == 8) {
    vstore8(s, 0, F + out);
  } else {
    float v[8];
    vstore8(s, 0, v);
    for (int e = 0; e < m; e++) {
      F[out + e] = v[e];
    }
  }
}
