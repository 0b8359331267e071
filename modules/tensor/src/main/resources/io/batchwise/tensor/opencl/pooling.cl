// Pooling kernels over NCHW planes. F is the FLOAT arena. Ranges are 2-D: dimension 0 a cell
// inside a plane, dimension 1 the plane q = b*c + ch (see layout.cl for why: no vector integer
// division). Backward passes are gathers (one work-item per dx cell), so they overwrite dx and
// need no atomics.

// floor(a / b) for 0 <= a < 2^20 and b >= 1, given inv = 1.0f / b (see layout.cl).
inline int fdiv(int a, float inv) {
  return (int) (((float) a + 0.5f) * inv);
}

// One work-item per output cell. Padded cells never win; ties go to the first cell in row-major
// window order (strict >). A window with no real cell gives 0 and argmax -1.
__kernel void max_pool_forward(__global float* F, int x, int y, int argmax, int n, int c, int h,
                               int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh,
                               int ow) {
  int p = get_global_id(0);
  int q = get_global_id(1);
  if (p >= oh * ow) {
    return;
  }
  int oy = fdiv(p, 1.0f / (float) ow);
  int ox = p - oy * ow;
  int base = x + q * h * w;
  float best = 0.0f;
  int arg = -1;
  for (int ky = 0; ky < kh; ky++) {
    int iy = oy * sh - ph + ky;
    if (iy < 0 || iy >= h) {
      continue;
    }
    for (int kx = 0; kx < kw; kx++) {
      int ix = ox * sw - pw + kx;
      if (ix < 0 || ix >= w) {
        continue;
      }
      float v = F[base + iy * w + ix];
      if (arg < 0 || v > best) {
        best = v;
        arg = iy * w + ix;
      }
    }
  }
  int o = q * oh * ow + p;
  F[y + o] = best;
  F[argmax + o] = (float) arg;
}

// dx cell (q, yy, xx) = sum of dy over the windows containing it whose argmax names it, in
// ascending (oy, ox) order.
__kernel void max_pool_backward(__global float* F, int dy, int argmax, int dx, int n, int c,
                                int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                                int oh, int ow) {
  int p = get_global_id(0);
  int q = get_global_id(1);
  if (p >= h * w) {
    return;
  }
  float invSh = 1.0f / (float) sh;
  float invSw = 1.0f / (float) sw;
  int yy = fdiv(p, 1.0f / (float) w);
  int xx = p - yy * w;
  int ty = yy + ph - kh + 1;
  int oy0 = ty <= 0 ? 0 : fdiv(ty + sh - 1, invSh);
  int oy1 = min(oh - 1, fdiv(yy + ph, invSh));
  int tx = xx + pw - kw + 1;
  int ox0 = tx <= 0 ? 0 : fdiv(tx + sw - 1, invSw);
  int ox1 = min(ow - 1, fdiv(xx + pw, invSw));
  int obase = q * oh * ow;
  float me = (float) p;
  float s = 0.0f;
  for (int oy = oy0; oy <= oy1; oy++) {
    for (int ox = ox0; ox <= ox1; ox++) {
      int o = obase + oy * ow + ox;
      if (F[argmax + o] == me) {
        s += F[dy + o];
      }
    }
  }
  F[dx + q * h * w + p] = s;
}

// Divisor kh*kw: padded cells count as zeros.
__kernel void avg_pool_forward(__global float* F, int x, int y, int n, int c, int h, int w,
                               int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int p = get_global_id(0);
  int q = get_global_id(1);
  if (p >= oh * ow) {
    return;
  }
  int oy = fdiv(p, 1.0f / (float) ow);
  int ox = p - oy * ow;
  int base = x + q * h * w;
  float s = 0.0f;
  for (int ky = 0; ky < kh; ky++) {
    int iy = oy * sh - ph + ky;
    if (iy < 0 || iy >= h) {
      continue;
    }
    for (int kx = 0; kx < kw; kx++) {
      int ix = ox * sw - pw + kx;
      if (ix >= 0 && ix < w) {
        s += F[base + iy * w + ix];
      }
    }
  }
  F[y + q * oh * ow + p] = s / (float) (kh * kw);
}

__kernel void avg_pool_backward(__global float* F, int dy, int dx, int n, int c, int h, int w,
                                int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int p = get_global_id(0);
  int q = get_global_id(1);
  if (p >= h * w) {
    return;
  }
  float invSh = 1.0f / (float) sh;
  float invSw = 1.0f / (float) sw;
  int yy = fdiv(p, 1.0f / (float) w);
  int xx = p - yy * w;
  int ty = yy + ph - kh + 1;
  int oy0 = ty <= 0 ? 0 : fdiv(ty + sh - 1, invSh);
  int oy1 = min(oh - 1, fdiv(yy + ph, invSh));
  int tx = xx + pw - kw + 1;
  int ox0 = tx <= 0 ? 0 : fdiv(tx + sw - 1, invSw);
  int ox1 = min(ow - 1, fdiv(xx + pw, invSw));
  int obase = dy + q * oh * ow;
  float s = 0.0f;
  for (int oy = oy0; oy <= oy1; oy++) {
    for (int ox = ox0; ox <= ox1; ox++) {
      s += F[obase + oy * ow + ox];
    }
  }
  F[dx + q * h * w + p] = s / (float) (kh * kw);
}

// One work-item per (n, c) plane; 1-D range over planes.
__kernel void global_avg_pool_forward(__global float* F, int x, int y, int planes, int inner) {
  int q = get_global_id(0);
  if (q >= planes) {
    return;
  }
  int base = x + q * inner;
  float s = 0.0f;
  for (int i = 0; i < inner; i++) {
    s += F[base + i];
  }
  F[y + q] = s / (float) inner;
}

// Range (i < inner, plane q).
__kernel void global_avg_pool_backward(__global float* F, int dy, int dx, int planes, int inner) {
  int i = get_global_id(0);
  int q = get_global_id(1);
  if (i >= inner) {
    return;
  }
  F[dx + q * inner + i] = F[dy + q] / (float) inner;
}

// Backward fast paths for windows that tile the input (stride == kernel, no padding: the usual
// 2x2/2 pooling). One work-item per output cell writes its whole window of dx, so no work-item
// loops a data-dependent number of times. Cells past the last full window (h % kh rows, w % kw
// columns) belong to no window; the host zeroes dx first when such cells exist.
__kernel void max_pool_backward_tiled(__global float* F, int dy, int argmax, int dx, int h,
                                      int w, int kh, int kw, int oh, int ow) {
  int p = get_global_id(0);
  int q = get_global_id(1);
  if (p >= oh * ow) {
    return;
  }
  int oy = fdiv(p, 1.0f / (float) ow);
  int ox = p - oy * ow;
  int o = q * oh * ow + p;
  float g = F[dy + o];
  float arg = F[argmax + o];
  int base = dx + q * h * w;
  for (int ky = 0; ky < kh; ky++) {
    int row = (oy * kh + ky) * w + ox * kw;
    for (int kx = 0; kx < kw; kx++) {
      F[base + row + kx] = (float) (row + kx) == arg ? g : 0.0f;
    }
  }
}

__kernel void avg_pool_backward_tiled(__global float* F, int dy, int dx, int h, int w, int kh,
                                      int kw, int oh, int ow) {
  int p = get_global_id(0);
  int q = get_global_id(1);
  if (p >= oh * ow) {
    return;
  }
  int oy = fdiv(p, 1.0f / (float) ow);
  int ox = p - oy * ow;
  float g = F[dy + q * oh * ow + p] / (float) (kh * kw);
  int base = dx + q * h * w;
  for (int ky = 0; ky < kh; ky++) {
    int row = (oy * kh + ky) * w + ox * kw;
    for (int kx = 0; kx < kw; kx++) {
      F[base + row + kx] = g;
    }
  }
}
