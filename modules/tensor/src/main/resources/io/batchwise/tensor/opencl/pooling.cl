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

// 2x2 stride-2 unpadded max pooling (LeNet's), 8 outputs of one output row per work-item with
// explicit vectors: the two input rows load as float16 and split into even and odd columns.
// 3-D range (k < ceil(ow / 8), oy < oh, q < n*c). Ties keep the first cell in the order
// (0,0), (0,1), (1,0), (1,1) (strict >), as in the general kernel.
__kernel void max_pool_forward_2x2(__global float* F, int x, int y, int argmax, int h, int w,
                                   int oh, int ow) {
  int ox0 = get_global_id(0) * 8;
  if (ox0 >= ow) {
    return;
  }
  int oy = get_global_id(1);
  int q = get_global_id(2);
  int in0 = x + q * h * w + 2 * oy * w;
  int o = q * oh * ow + oy * ow + ox0;
  int cell0 = 2 * oy * w + 2 * ox0;
  if (ox0 + 8 <= ow) {
    float16 r0 = vload16(0, F + in0 + 2 * ox0);
    float16 r1 = vload16(0, F + in0 + w + 2 * ox0);
    float8 c = convert_float8((int8) (0, 2, 4, 6, 8, 10, 12, 14) + cell0);
    float8 best = r0.even;
    float8 arg = c;
    int8 gt = isgreater(r0.odd, best);
    best = select(best, r0.odd, gt);
    arg = select(arg, c + 1.0f, gt);
    gt = isgreater(r1.even, best);
    best = select(best, r1.even, gt);
    arg = select(arg, c + (float) w, gt);
    gt = isgreater(r1.odd, best);
    best = select(best, r1.odd, gt);
    arg = select(arg, c + (float) (w + 1), gt);
    vstore8(best, 0, F + y + o);
    vstore8(arg, 0, F + argmax + o);
  } else {
    for (int j = 0; j < ow - ox0; j++) {
      int p = in0 + 2 * (ox0 + j);
      int cell = cell0 + 2 * j;
      float best = F[p];
      int arg = cell;
      if (F[p + 1] > best) {
        best = F[p + 1];
        arg = cell + 1;
      }
      if (F[p + w] > best) {
        best = F[p + w];
        arg = cell + w;
      }
      if (F[p + w + 1] > best) {
        best = F[p + w + 1];
        arg = cell + w + 1;
      }
      F[y + o + j] = best;
      F[argmax + o + j] = (float) arg;
    }
  }
}

// Its gradient: each work-item writes the 2x16 dx cells of its 8 windows (dy where argmax names
// the cell, else 0). Cells past the last full window are zeroed by the host first.
__kernel void max_pool_backward_2x2(__global float* F, int dy, int argmax, int dx, int h, int w,
                                    int oh, int ow) {
  int ox0 = get_global_id(0) * 8;
  if (ox0 >= ow) {
    return;
  }
  int oy = get_global_id(1);
  int q = get_global_id(2);
  int o = q * oh * ow + oy * ow + ox0;
  int out0 = dx + q * h * w + 2 * oy * w + 2 * ox0;
  int cell0 = 2 * oy * w + 2 * ox0;
  if (ox0 + 8 <= ow) {
    float8 g = vload8(0, F + dy + o);
    float8 arg = vload8(0, F + argmax + o);
    float8 c = convert_float8((int8) (0, 2, 4, 6, 8, 10, 12, 14) + cell0);
    float8 zero = (float8) 0.0f;
    uint16 mix = (uint16) (0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    float8 e0 = select(zero, g, isequal(arg, c));
    float8 o0 = select(zero, g, isequal(arg, c + 1.0f));
    float8 e1 = select(zero, g, isequal(arg, c + (float) w));
    float8 o1 = select(zero, g, isequal(arg, c + (float) (w + 1)));
    vstore16(shuffle2(e0, o0, mix), 0, F + out0);
    vstore16(shuffle2(e1, o1, mix), 0, F + out0 + w);
  } else {
    for (int j = 0; j < ow - ox0; j++) {
      float gj = F[dy + o + j];
      float a = F[argmax + o + j];
      float cell = (float) (cell0 + 2 * j);
      int p = out0 + 2 * j;
      F[p] = a == cell ? gj : 0.0f;
      F[p + 1] = a == cell + 1.0f ? gj : 0.0f;
      F[p + w] = a == cell + (float) w ? gj : 0.0f;
      F[p + w + 1] = a == cell + (float) (w + 1) ? gj : 0.0f;
    }
  }
}
