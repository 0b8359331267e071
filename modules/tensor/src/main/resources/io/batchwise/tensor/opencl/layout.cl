// Layout permutes, im2col and col2im. F is the device's FLOAT arena; x, y, col, dx are offsets.
// Geometry follows io.batchwise.tensor.Window2d: oh = (h + 2ph - kh) / sh + 1, likewise ow.

// y[c][n][i] = x[n][c][i]; one work-item per element of x, i fastest (contiguous reads and writes).
__kernel void nchw_to_cnhw(__global float* F, int x, int y, int n, int c, int inner) {
  int idx = get_global_id(0);
  if (idx >= n * c * inner) {
    return;
  }
  int i = idx % inner;
  int t = idx / inner;
  int ch = t % c;
  int b = t / c;
  F[y + (ch * n + b) * inner + i] = F[x + idx];
}

// y[n][c][i] = x[c][n][i].
__kernel void cnhw_to_nchw(__global float* F, int x, int y, int n, int c, int inner) {
  int idx = get_global_id(0);
  if (idx >= n * c * inner) {
    return;
  }
  int i = idx % inner;
  int t = idx / inner;
  int b = t % n;
  int ch = t / n;
  F[y + (b * c + ch) * inner + i] = F[x + idx];
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

// col2im as a gather: one work-item per dx cell (b, ch, y, x) sums every col entry that read it,
// in ascending (oy, ox) order. No atomics, so the result is deterministic.
__kernel void col2im(__global float* F, int col, int dx, int n, int c, int h, int w,
                     int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int idx = get_global_id(0);
  if (idx >= n * c * h * w) {
    return;
  }
  int xx = idx % w;
  int t = idx / w;
  int yy = t % h;
  t /= h;
  int ch = t % c;
  int b = t / c;
  int cols = n * oh * ow;
  // Window oy covers rows oy*sh - ph .. oy*sh - ph + kh - 1.
  int ty = yy + ph - kh + 1;
  int oy0 = ty <= 0 ? 0 : (ty + sh - 1) / sh;
  int oy1 = min(oh - 1, (yy + ph) / sh);
  int tx = xx + pw - kw + 1;
  int ox0 = tx <= 0 ? 0 : (tx + sw - 1) / sw;
  int ox1 = min(ow - 1, (xx + pw) / sw);
  float s = 0.0f;
  for (int oy = oy0; oy <= oy1; oy++) {
    int ky = yy + ph - oy * sh;
    for (int ox = ox0; ox <= ox1; ox++) {
      int kx = xx + pw - ox * sw;
      int r = (ch * kh + ky) * kw + kx;
      s += F[col + r * cols + (b * oh + oy) * ow + ox];
    }
  }
  F[dx + idx] = s;
}
