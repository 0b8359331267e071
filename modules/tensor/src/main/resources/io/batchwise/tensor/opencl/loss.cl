// Softmax cross-entropy and the SGD-with-momentum update. F is the FLOAT arena.

// One work-item per row. prob = softmax with the row maximum subtracted; the loss is
// logsumexp - logit[label], not -log(prob), so it stays finite when prob underflows. A label
// outside [0, k) gives a NaN loss, which the caller sees.
__kernel void softmax_xent_forward(__global float* F, int logits, int labels, int prob, int loss,
                                   int n, int k) {
  int row = get_global_id(0);
  if (row >= n) {
    return;
  }
  int base = logits + row * k;
  float m = F[base];
  for (int j = 1; j < k; j++) {
    m = fmax(m, F[base + j]);
  }
  float s = 0.0f;
  for (int j = 0; j < k; j++) {
    s += exp(F[base + j] - m);
  }
  float inv = 1.0f / s;
  for (int j = 0; j < k; j++) {
    F[prob + row * k + j] = exp(F[base + j] - m) * inv;
  }
  int label = (int) F[labels + row];
  float lse = m + log(s);
  F[loss + row] = (label >= 0 && label < k) ? lse - F[base + label] : NAN;
}

// dlogits[i][j] = scale * (prob[i][j] - [j == label[i]]); one work-item per element.
__kernel void softmax_xent_backward(__global float* F, int prob, int labels, int dlogits, int n,
                                    int k, float scale) {
  int idx = get_global_id(0);
  if (idx >= n * k) {
    return;
  }
  int row = idx / k;
  int j = idx - row * k;
  float target = ((int) F[labels + row] == j) ? 1.0f : 0.0f;
  F[dlogits + idx] = scale * (F[prob + idx] - target);
}

// PyTorch's SGD: g' = g + wd*w; v = mu*v + g'; w -= lr * (nesterov ? g' + mu*v : v).
__kernel void sgd_momentum(__global float* F, int w, int g, int v, int n, float lr, float mu,
                           float wd, int nesterov) {
  int i = get_global_id(0);
  if (i >= n) {
    return;
  }
  float wi = F[w + i];
  float gi = F[g + i] + wd * wi;
  float vi = mu * F[v + i] + gi;
  F[v + i] = vi;
  F[w + i] = wi - lr * (nesterov != 0 ? gi + mu * vi : vi);
}
