// Memory and elementwise kernels. Every kernel takes the device's FLOAT arena F plus element
// offsets; one work-item handles one element, and the host rounds the global size up to the
// work-group size, so every kernel checks its index against n.

__kernel void nop(__global float* F, int n) {
  int i = get_global_id(0);
  if (i < n) {
    F[i] = F[i];
  }
}

__kernel void fill(__global float* F, int off, int n, float value) {
  int i = get_global_id(0);
  if (i < n) {
    F[off + i] = value;
  }
}

__kernel void copy(__global float* F, int src, int dst, int n) {
  int i = get_global_id(0);
  if (i < n) {
    F[dst + i] = F[src + i];
  }
}

__kernel void relu_forward(__global float* F, int x, int y, int n) {
  int i = get_global_id(0);
  if (i < n) {
    F[y + i] = fmax(F[x + i], 0.0f);
  }
}

__kernel void relu_backward(__global float* F, int y, int dy, int dx, int n) {
  int i = get_global_id(0);
  if (i < n) {
    F[dx + i] = F[y + i] > 0.0f ? F[dy + i] : 0.0f;
  }
}

__kernel void add(__global float* F, int a, int b, int out, int n) {
  int i = get_global_id(0);
  if (i < n) {
    F[out + i] = F[a + i] + F[b + i];
  }
}

__kernel void axpy(__global float* F, float alpha, int x, int y, int n) {
  int i = get_global_id(0);
  if (i < n) {
    F[y + i] = fma(alpha, F[x + i], F[y + i]);
  }
}

__kernel void scale(__global float* F, int x, float alpha, int n) {
  int i = get_global_id(0);
  if (i < n) {
    F[x + i] = F[x + i] * alpha;
  }
}

__kernel void mul(__global float* F, int a, int b, int out, int n) {
  int i = get_global_id(0);
  if (i < n) {
    F[out + i] = F[a + i] * F[b + i];
  }
}

// MurmurHash3's 32-bit finalizer; see io.batchwise.tensor.DropoutHash, which this mirrors bit for
// bit (uint arithmetic wraps like Java's int, and >> on uint is Java's >>>).
uint fmix32(uint h) {
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

// mask[i] = u(seed, i) < keep ? kept : 0, with kept = 1f/keep computed by the host in float.
// The constant 0x5BD1E995 keeps (seed 0, index 0) off fmix's fixed point fmix(0) = 0.
__kernel void dropout_mask(__global float* F, int mask, int n, int seedLo, int seedHi, float keep,
                           float kept) {
  int i = get_global_id(0);
  if (i >= n) {
    return;
  }
  uint h = fmix32(((uint) i * 0x9E3779B9u) ^ (uint) seedLo ^ 0x5BD1E995u);
  h = fmix32(h ^ (uint) seedHi);
  float u = (float) (h >> 8) * 0x1.0p-24f;
  F[mask + i] = u < keep ? kept : 0.0f;
}
