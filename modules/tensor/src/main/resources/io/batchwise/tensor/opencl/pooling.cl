// Pooling kernels over NCHW planes. F is the FLOAT arena. Backward passes are gathers (one
// work-item per dx cell), so they overwrite dx and need no atomics.

// One work-item per output cell. Padded cells never win; ties go to the first cell in row-major
// window order (strict >). A window with no real cell (impossible when pad < kernel) gives 0 and
// argmax -1.
__kernel void max_pool_forward(__global float* F, int x, int y, int argmax, int n, int c, int h,
                               int w, int kh, int kw, int sh, int sw, int ph, int pw, int oh,
                               int ow) {
  int idx = get_global_id(0);
  if (idx >= n * c * oh * ow) {
    return;
  }
  int ox = idx % ow;
  int t = idx / ow;
  int oy = t % oh;
  int plane = t / oh;
  int base = x + plane * h * w;
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
  F[y + idx] = best;
  F[argmax + idx] = (float) arg;
}

// dx cell (plane, yy, xx) = sum of dy over the windows containing it whose argmax names it.
__kernel void max_pool_backward(__global float* F, int dy, int argmax, int dx, int n, int c,
                                int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                                int oh, int ow) {
  int idx = get_global_id(0);
  if (idx >= n * c * h * w) {
    return;
  }
  int xx = idx % w;
  int t = idx / w;
  int yy = t % h;
  int plane = t / h;
  int me = yy * w + xx;
  int ty = yy + ph - kh + 1;
  int oy0 = ty <= 0 ? 0 : (ty + sh - 1) / sh;
  int oy1 = min(oh - 1, (yy + ph) / sh);
  int tx = xx + pw - kw + 1;
  int ox0 = tx <= 0 ? 0 : (tx + sw - 1) / sw;
  int ox1 = min(ow - 1, (xx + pw) / sw);
  int obase = plane * oh * ow;
  float s = 0.0f;
  for (int oy = oy0; oy <= oy1; oy++) {
    for (int ox = ox0; ox <= ox1; ox++) {
      int o = obase + oy * ow + ox;
      if ((int) F[argmax + o] == me) {
        s += F[dy + o];
      }
    }
  }
  F[dx + idx] = s;
}

// Divisor kh*kw: padded cells count as zeros.
__kernel void avg_pool_forward(__global float* F, int x, int y, int n, int c, int h, int w,
                               int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int idx = get_global_id(0);
  if (idx >= n * c * oh * ow) {
    return;
  }
  int ox = idx % ow;
  int t = idx / ow;
  int oy = t % oh;
  int plane = t / oh;
  int base = x + plane * h * w;
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
  F[y + idx] = s / (float) (kh * kw);
}

__kernel void avg_pool_backward(__global float* F, int dy, int dx, int n, int c, int h, int w,
                                int kh, int kw, int sh, int sw, int ph, int pw, int oh, int ow) {
  int idx = get_global_id(0);
  if (idx >= n * c * h * w) {
    return;
  }
  int xx = idx % w;
  int t = idx / w;
  int yy = t % h;
  int plane = t / h;
  int ty = yy + ph - kh + 1;
  int oy0 = ty <= 0 ? 0 : (ty + sh - 1) / sh;
  int oy1 = min(oh - 1, (yy + ph) / sh);
  int tx = xx + pw - kw + 1;
  int ox0 = tx <= 0 ? 0 : (tx + sw - 1) / sw;
  int ox1 = min(ow - 1, (xx + pw) / sw);
  int obase = dy + plane * oh * ow;
  float s = 0.0f;
  for (int oy = oy0; oy <= oy1; oy++) {
    for (int ox = ox0; ox <= ox1; ox++) {
      s += F[obase + oy * ow + ox];
    }
  }
  F[dx + idx] = s / (float) (kh * kw);
}

// One work-item per (n, c) plane.
__kernel void global_avg_pool_forward(__global float* F, int x, int y, int planes, int inner) {
  int p = get_global_id(0);
  if (p >= planes) {
    return;
  }
  int base = x + p * inner;
  float s = 0.0f;
  for (int i = 0; i < inner; i++) {
    s += F[base + i];
  }
  F[y + p] = s / (float) inner;
}

// One work-item per dx element.
__kernel void global_avg_pool_backward(__global float* F, int dy, int dx, int planes, int inner) {
  int idx = get_global_id(0);
  if (idx >= planes * inner) {
    return;
  }
  F[dx + idx] = F[dy + idx / inner] / (float) inner;
}
