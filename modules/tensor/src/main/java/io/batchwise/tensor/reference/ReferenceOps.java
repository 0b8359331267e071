package io.batchwise.tensor.reference;

import static io.batchwise.tensor.reference.KernelArguments.colSize;
import static io.batchwise.tensor.reference.KernelArguments.dims;
import static io.batchwise.tensor.reference.KernelArguments.doubles;
import static io.batchwise.tensor.reference.KernelArguments.floats;
import static io.batchwise.tensor.reference.KernelArguments.inputSize;
import static io.batchwise.tensor.reference.KernelArguments.outputSize;
import static io.batchwise.tensor.reference.KernelArguments.sameSize;

import io.batchwise.tensor.DropoutHash;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.Window2d;

/**
 * The plain-Java, single-threaded, double-precision definition of every {@link Ops} kernel. Each
 * method is a straight loop that mirrors the contract's Javadoc; readability wins over speed, since
 * these loops are what every OpenCL and Java kernel is tested against.
 *
 * <p>All arithmetic is in double: float arguments ({@code alpha}, {@code lr}, …) are widened
 * exactly, and FLOAT tensors already hold doubles on this device. Choices the {@link Ops} contract
 * leaves open, which the other devices follow:
 * <ol>
 *   <li>Sizes: tensors named with explicit dimensions ({@code (outer, c, inner)}, a {@link Window2d},
 *       GEMM's m, n, k plus offsets) must hold <em>at least</em> the elements those dimensions
 *       address (a workspace sized for a larger batch is fine); elementwise operands ({@code copy},
 *       {@code add}, {@code mul}, ReLU, {@code axpy}, {@code sgdMomentum}) must match exactly.</li>
 *   <li>GEMM: with {@code beta == 0}, C is not read; the sum over k starts at 0 and is multiplied by
 *       alpha once at the end: {@code c = alpha·Σ_p a·b + beta·c}. k = 0 gives {@code beta·C}.</li>
 *   <li>Max pooling: a window holding no input cell (possible when padding ≥ kernel) gives y = 0
 *       and argmax = −1, and backward skips negative argmax. Comparison is strict ({@code >}), so the
 *       first maximum in row-major window order wins.</li>
 *   <li>{@code channelSum} with beta = 0 does not read {@code out}, like GEMM.</li>
 *   <li>{@code globalAvgPool} needs inner &gt; 0; softmax needs k &gt; 0 and integer labels in
 *       [0, k) (a bad label is an {@link IllegalArgumentException}).</li>
 *   <li>{@code dropoutMask}: keep in (0, 1]; kept elements get {@code 1/keep} (in double here, in
 *       float {@code 1f/keep} on float devices); the hash is {@link DropoutHash}.</li>
 *   <li>ReLU maps NaN to 0 ({@code x > 0 ? x : 0}, like OpenCL's {@code fmax(x, 0)}).</li>
 * </ol>
 */
public final class ReferenceOps implements Ops {
  private final ReferenceDevice device;

  ReferenceOps(ReferenceDevice device) {
    this.device = device;
  }

  private double[] v() {
    return device.values();
  }

  private double[] d() {
    return device.doubles();
  }

  // ---------------------------------------------------------------- memory

  @Override
  public void fill(Tensor x, float value) {
    int xo = floats(device, "fill", "x", x, 0);
    for (int i = 0; i < x.size(); i++) {
      v()[xo + i] = value;
    }
  }

  @Override
  public void copy(Tensor src, Tensor dst) {
    int so = floats(device, "copy", "src", src, 0);
    int dO = floats(device, "copy", "dst", dst, 0);
    sameSize("copy", "src", src, "dst", dst);
    System.arraycopy(v(), so, v(), dO, src.size());
  }

  // ---------------------------------------------------------------- GEMM

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k,
                   float alpha, Tensor a, int aOffset, Tensor b, int bOffset,
                   float beta, Tensor c, int cOffset) {
    dims("gemm", "m, n, k, aOffset, bOffset, cOffset", m, n, k, aOffset, bOffset, cOffset);
    int ao = floats(device, "gemm", "A", a, aOffset + (long) m * k) + aOffset;
    int bo = floats(device, "gemm", "B", b, bOffset + (long) k * n) + bOffset;
    int co = floats(device, "gemm", "C", c, cOffset + (long) m * n) + cOffset;
    double[] v = v();
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int p = 0; p < k; p++) {
          double aip = transA ? v[ao + p * m + i] : v[ao + i * k + p];
          double bpj = transB ? v[bo + j * k + p] : v[bo + p * n + j];
          sum += aip * bpj;
        }
        double result = (double) alpha * sum;
        if (beta != 0f) {
          result += (double) beta * v[co + i * n + j];
        }
        v[co + i * n + j] = result;
      }
    }
  }

  // ---------------------------------------------------------------- layout

  @Override
  public void nchwToCnhw(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("nchwToCnhw", "n, c, inner", n, c, inner);
    int xo = floats(device, "nchwToCnhw", "x", x, size);
    int yo = floats(device, "nchwToCnhw", "y", y, size);
    for (int in = 0; in < n; in++) {
      for (int ic = 0; ic < c; ic++) {
        for (int i = 0; i < inner; i++) {
          v()[yo + (ic * n + in) * inner + i] = v()[xo + (in * c + ic) * inner + i];
        }
      }
    }
  }

  @Override
  public void cnhwToNchw(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("cnhwToNchw", "n, c, inner", n, c, inner);
    int xo = floats(device, "cnhwToNchw", "x", x, size);
    int yo = floats(device, "cnhwToNchw", "y", y, size);
    for (int ic = 0; ic < c; ic++) {
      for (int in = 0; in < n; in++) {
        for (int i = 0; i < inner; i++) {
          v()[yo + (in * c + ic) * inner + i] = v()[xo + (ic * n + in) * inner + i];
        }
      }
    }
  }

  // ---------------------------------------------------------------- convolution

  @Override
  public void im2col(Tensor x, Window2d g, Tensor col) {
    int xo = floats(device, "im2col", "x", x, inputSize(g));
    int co = floats(device, "im2col", "col", col, colSize(g));
    int oh = g.oh();
    int ow = g.ow();
    int cols = g.colCols();
    for (int c = 0; c < g.c(); c++) {
      for (int ky = 0; ky < g.kh(); ky++) {
        for (int kx = 0; kx < g.kw(); kx++) {
          int row = (c * g.kh() + ky) * g.kw() + kx;
          for (int n = 0; n < g.n(); n++) {
            for (int oy = 0; oy < oh; oy++) {
              for (int ox = 0; ox < ow; ox++) {
                int column = (n * oh + oy) * ow + ox;
                int iy = oy * g.sh() - g.ph() + ky;
                int ix = ox * g.sw() - g.pw() + kx;
                boolean inside = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w();
                v()[co + row * cols + column] =
                    inside ? v()[xo + ((n * g.c() + c) * g.h() + iy) * g.w() + ix] : 0.0;
              }
            }
          }
        }
      }
    }
  }

  @Override
  public void col2im(Tensor col, Window2d g, Tensor dx) {
    int co = floats(device, "col2im", "col", col, colSize(g));
    int xo = floats(device, "col2im", "dx", dx, inputSize(g));
    long size = inputSize(g);
    for (int i = 0; i < size; i++) {
      v()[xo + i] = 0.0;
    }
    int oh = g.oh();
    int ow = g.ow();
    int cols = g.colCols();
    for (int c = 0; c < g.c(); c++) {
      for (int ky = 0; ky < g.kh(); ky++) {
        for (int kx = 0; kx < g.kw(); kx++) {
          int row = (c * g.kh() + ky) * g.kw() + kx;
          for (int n = 0; n < g.n(); n++) {
            for (int oy = 0; oy < oh; oy++) {
              for (int ox = 0; ox < ow; ox++) {
                int iy = oy * g.sh() - g.ph() + ky;
                int ix = ox * g.sw() - g.pw() + kx;
                if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                  int column = (n * oh + oy) * ow + ox;
                  v()[xo + ((n * g.c() + c) * g.h() + iy) * g.w() + ix] += v()[co + row * cols + column];
                }
              }
            }
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- pooling

  @Override
  public void maxPoolForward(Tensor x, Window2d g, Tensor y, Tensor argmax) {
    int xo = floats(device, "maxPoolForward", "x", x, inputSize(g));
    int yo = floats(device, "maxPoolForward", "y", y, outputSize(g));
    int ao = floats(device, "maxPoolForward", "argmax", argmax, outputSize(g));
    int oh = g.oh();
    int ow = g.ow();
    for (int plane = 0; plane < g.n() * g.c(); plane++) {
      int in = xo + plane * g.h() * g.w();
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double best = 0.0;
          int bestIndex = -1;
          for (int ky = 0; ky < g.kh(); ky++) {
            for (int kx = 0; kx < g.kw(); kx++) {
              int iy = oy * g.sh() - g.ph() + ky;
              int ix = ox * g.sw() - g.pw() + kx;
              if (iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w()) {
                continue; // padded cells never win
              }
              double value = v()[in + iy * g.w() + ix];
              if (bestIndex < 0 || value > best) {
                best = value;
                bestIndex = iy * g.w() + ix;
              }
            }
          }
          int out = (plane * oh + oy) * ow + ox;
          v()[yo + out] = bestIndex < 0 ? 0.0 : best;
          v()[ao + out] = bestIndex;
        }
      }
    }
  }

  @Override
  public void maxPoolBackward(Tensor dy, Tensor argmax, Window2d g, Tensor dx) {
    int yo = floats(device, "maxPoolBackward", "dy", dy, outputSize(g));
    int ao = floats(device, "maxPoolBackward", "argmax", argmax, outputSize(g));
    int xo = floats(device, "maxPoolBackward", "dx", dx, inputSize(g));
    int planeIn = g.h() * g.w();
    int planeOut = g.oh() * g.ow();
    for (int i = 0; i < inputSize(g); i++) {
      v()[xo + i] = 0.0;
    }
    for (int plane = 0; plane < g.n() * g.c(); plane++) {
      for (int o = 0; o < planeOut; o++) {
        int cell = (int) v()[ao + plane * planeOut + o];
        if (cell >= 0) {
          v()[xo + plane * planeIn + cell] += v()[yo + plane * planeOut + o];
        }
      }
    }
  }

  @Override
  public void avgPoolForward(Tensor x, Window2d g, Tensor y) {
    int xo = floats(device, "avgPoolForward", "x", x, inputSize(g));
    int yo = floats(device, "avgPoolForward", "y", y, outputSize(g));
    int oh = g.oh();
    int ow = g.ow();
    double divisor = (double) g.kh() * g.kw();
    for (int plane = 0; plane < g.n() * g.c(); plane++) {
      int in = xo + plane * g.h() * g.w();
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double sum = 0.0;
          for (int ky = 0; ky < g.kh(); ky++) {
            for (int kx = 0; kx < g.kw(); kx++) {
              int iy = oy * g.sh() - g.ph() + ky;
              int ix = ox * g.sw() - g.pw() + kx;
              if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                sum += v()[in + iy * g.w() + ix];
              }
            }
          }
          v()[yo + (plane * oh + oy) * ow + ox] = sum / divisor;
        }
      }
    }
  }

  @Override
  public void avgPoolBackward(Tensor dy, Window2d g, Tensor dx) {
    int yo = floats(device, "avgPoolBackward", "dy", dy, outputSize(g));
    int xo = floats(device, "avgPoolBackward", "dx", dx, inputSize(g));
    int oh = g.oh();
    int ow = g.ow();
    double divisor = (double) g.kh() * g.kw();
    for (int i = 0; i < inputSize(g); i++) {
      v()[xo + i] = 0.0;
    }
    for (int plane = 0; plane < g.n() * g.c(); plane++) {
      int out = xo + plane * g.h() * g.w();
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double share = v()[yo + (plane * oh + oy) * ow + ox] / divisor;
          for (int ky = 0; ky < g.kh(); ky++) {
            for (int kx = 0; kx < g.kw(); kx++) {
              int iy = oy * g.sh() - g.ph() + ky;
              int ix = ox * g.sw() - g.pw() + kx;
              if (iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w()) {
                v()[out + iy * g.w() + ix] += share;
              }
            }
          }
        }
      }
    }
  }

  @Override
  public void globalAvgPoolForward(Tensor x, int n, int c, int inner, Tensor y) {
    long size = dims("globalAvgPoolForward", "n, c, inner", n, c, inner);
    requirePositive("globalAvgPoolForward", "inner", inner);
    int xo = floats(device, "globalAvgPoolForward", "x", x, size);
    int yo = floats(device, "globalAvgPoolForward", "y", y, (long) n * c);
    for (int plane = 0; plane < n * c; plane++) {
      double sum = 0.0;
      for (int i = 0; i < inner; i++) {
        sum += v()[xo + plane * inner + i];
      }
      v()[yo + plane] = sum / inner;
    }
  }

  @Override
  public void globalAvgPoolBackward(Tensor dy, int n, int c, int inner, Tensor dx) {
    long size = dims("globalAvgPoolBackward", "n, c, inner", n, c, inner);
    requirePositive("globalAvgPoolBackward", "inner", inner);
    int yo = floats(device, "globalAvgPoolBackward", "dy", dy, (long) n * c);
    int xo = floats(device, "globalAvgPoolBackward", "dx", dx, size);
    for (int plane = 0; plane < n * c; plane++) {
      double share = v()[yo + plane] / inner;
      for (int i = 0; i < inner; i++) {
        v()[xo + plane * inner + i] = share;
      }
    }
  }

  // ---------------------------------------------------------------- elementwise

  @Override
  public void reluForward(Tensor x, Tensor y) {
    int xo = floats(device, "reluForward", "x", x, 0);
    int yo = floats(device, "reluForward", "y", y, 0);
    sameSize("reluForward", "x", x, "y", y);
    for (int i = 0; i < x.size(); i++) {
      double value = v()[xo + i];
      v()[yo + i] = value > 0 ? value : 0.0;
    }
  }

  @Override
  public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
    int yo = floats(device, "reluBackward", "y", y, 0);
    int go = floats(device, "reluBackward", "dy", dy, 0);
    int xo = floats(device, "reluBackward", "dx", dx, 0);
    sameSize("reluBackward", "y", y, "dy", dy);
    sameSize("reluBackward", "dy", dy, "dx", dx);
    for (int i = 0; i < y.size(); i++) {
      v()[xo + i] = v()[yo + i] > 0 ? v()[go + i] : 0.0;
    }
  }

  @Override
  public void add(Tensor a, Tensor b, Tensor out) {
    int ao = floats(device, "add", "a", a, 0);
    int bo = floats(device, "add", "b", b, 0);
    int oo = floats(device, "add", "out", out, 0);
    sameSize("add", "a", a, "b", b);
    sameSize("add", "a", a, "out", out);
    for (int i = 0; i < a.size(); i++) {
      v()[oo + i] = v()[ao + i] + v()[bo + i];
    }
  }

  @Override
  public void axpy(float alpha, Tensor x, Tensor y) {
    int xo = floats(device, "axpy", "x", x, 0);
    int yo = floats(device, "axpy", "y", y, 0);
    sameSize("axpy", "x", x, "y", y);
    for (int i = 0; i < x.size(); i++) {
      v()[yo + i] += (double) alpha * v()[xo + i];
    }
  }

  @Override
  public void scale(Tensor x, float alpha) {
    int xo = floats(device, "scale", "x", x, 0);
    for (int i = 0; i < x.size(); i++) {
      v()[xo + i] *= alpha;
    }
  }

  @Override
  public void mul(Tensor a, Tensor b, Tensor out) {
    int ao = floats(device, "mul", "a", a, 0);
    int bo = floats(device, "mul", "b", b, 0);
    int oo = floats(device, "mul", "out", out, 0);
    sameSize("mul", "a", a, "b", b);
    sameSize("mul", "a", a, "out", out);
    for (int i = 0; i < a.size(); i++) {
      v()[oo + i] = v()[ao + i] * v()[bo + i];
    }
  }

  @Override
  public void dropoutMask(long seed, float keep, Tensor mask) {
    KernelArguments.keepProbability("dropoutMask", keep);
    int mo = floats(device, "dropoutMask", "mask", mask, 0);
    double kept = 1.0 / keep;
    for (int i = 0; i < mask.size(); i++) {
      v()[mo + i] = DropoutHash.keep(seed, i, keep) ? kept : 0.0;
    }
  }

  // ---------------------------------------------------------------- channels

  @Override
  public void addChannelBias(Tensor y, int outer, int c, int inner, Tensor bias) {
    long size = dims("addChannelBias", "outer, c, inner", outer, c, inner);
    int yo = floats(device, "addChannelBias", "y", y, size);
    int bo = floats(device, "addChannelBias", "bias", bias, c);
    for (int o = 0; o < outer; o++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < inner; i++) {
          v()[yo + (o * c + ch) * inner + i] += v()[bo + ch];
        }
      }
    }
  }

  @Override
  public void channelSum(Tensor x, int outer, int c, int inner, float beta, Tensor out) {
    long size = dims("channelSum", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelSum", "x", x, size);
    int oo = floats(device, "channelSum", "out", out, c);
    for (int ch = 0; ch < c; ch++) {
      double sum = 0.0;
      for (int o = 0; o < outer; o++) {
        for (int i = 0; i < inner; i++) {
          sum += v()[xo + (o * c + ch) * inner + i];
        }
      }
      v()[oo + ch] = beta == 0f ? sum : (double) beta * v()[oo + ch] + sum;
    }
  }

  @Override
  public void channelMoments(Tensor x, int outer, int c, int inner, Tensor shift, Tensor out) {
    long size = dims("channelMoments", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelMoments", "x", x, size);
    int so = floats(device, "channelMoments", "shift", shift, c);
    int oo = doubles(device, "channelMoments", "out", out, 2L * c);
    for (int ch = 0; ch < c; ch++) {
      double s1 = 0.0;
      double s2 = 0.0;
      for (int o = 0; o < outer; o++) {
        for (int i = 0; i < inner; i++) {
          double centered = v()[xo + (o * c + ch) * inner + i] - v()[so + ch];
          s1 += centered;
          s2 += centered * centered;
        }
      }
      d()[oo + 2 * ch] = s1;
      d()[oo + 2 * ch + 1] = s2;
    }
  }

  @Override
  public void channelGradMoments(Tensor dy, Tensor x, int outer, int c, int inner, Tensor center, Tensor out) {
    long size = dims("channelGradMoments", "outer, c, inner", outer, c, inner);
    int go = floats(device, "channelGradMoments", "dy", dy, size);
    int xo = floats(device, "channelGradMoments", "x", x, size);
    int zo = floats(device, "channelGradMoments", "center", center, c);
    int oo = doubles(device, "channelGradMoments", "out", out, 2L * c);
    for (int ch = 0; ch < c; ch++) {
      double s1 = 0.0;
      double s2 = 0.0;
      for (int o = 0; o < outer; o++) {
        for (int i = 0; i < inner; i++) {
          int at = (o * c + ch) * inner + i;
          double g = v()[go + at];
          s1 += g;
          s2 += g * (v()[xo + at] - v()[zo + ch]);
        }
      }
      d()[oo + 2 * ch] = s1;
      d()[oo + 2 * ch + 1] = s2;
    }
  }

  @Override
  public void channelAffine(Tensor x, int outer, int c, int inner, Tensor a, Tensor b, Tensor y) {
    long size = dims("channelAffine", "outer, c, inner", outer, c, inner);
    int xo = floats(device, "channelAffine", "x", x, size);
    int ao = floats(device, "channelAffine", "a", a, c);
    int bo = floats(device, "channelAffine", "b", b, c);
    int yo = floats(device, "channelAffine", "y", y, size);
    for (int o = 0; o < outer; o++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < inner; i++) {
          int at = (o * c + ch) * inner + i;
          v()[yo + at] = v()[xo + at] * v()[ao + ch] + v()[bo + ch];
        }
      }
    }
  }

  @Override
  public void channelAffine2(Tensor dy, Tensor x, int outer, int c, int inner,
                             Tensor a, Tensor b, Tensor d, Tensor dx) {
    long size = dims("channelAffine2", "outer, c, inner", outer, c, inner);
    int go = floats(device, "channelAffine2", "dy", dy, size);
    int xo = floats(device, "channelAffine2", "x", x, size);
    int ao = floats(device, "channelAffine2", "a", a, c);
    int bo = floats(device, "channelAffine2", "b", b, c);
    int d0 = floats(device, "channelAffine2", "d", d, c);
    int dxo = floats(device, "channelAffine2", "dx", dx, size);
    for (int o = 0; o < outer; o++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < inner; i++) {
          int at = (o * c + ch) * inner + i;
          v()[dxo + at] = v()[go + at] * v()[ao + ch] + v()[xo + at] * v()[bo + ch] + v()[d0 + ch];
        }
      }
    }
  }

  // ---------------------------------------------------------------- loss

  @Override
  public void softmaxCrossEntropyForward(Tensor logits, Tensor labels, int n, int k, Tensor prob, Tensor loss) {
    long size = dims("softmaxCrossEntropyForward", "n, k", n, k);
    requirePositive("softmaxCrossEntropyForward", "k", k);
    int xo = floats(device, "softmaxCrossEntropyForward", "logits", logits, size);
    int lo = floats(device, "softmaxCrossEntropyForward", "labels", labels, n);
    int po = floats(device, "softmaxCrossEntropyForward", "prob", prob, size);
    int so = floats(device, "softmaxCrossEntropyForward", "loss", loss, n);
    for (int r = 0; r < n; r++) {
      int label = KernelArguments.label("softmaxCrossEntropyForward", r, v()[lo + r], k);
      int row = xo + r * k;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        max = Math.max(max, v()[row + j]);
      }
      double sumExp = 0.0;
      for (int j = 0; j < k; j++) {
        sumExp += Math.exp(v()[row + j] - max);
      }
      double logSumExp = max + Math.log(sumExp);
      for (int j = 0; j < k; j++) {
        v()[po + r * k + j] = Math.exp(v()[row + j] - max) / sumExp;
      }
      v()[so + r] = logSumExp - v()[row + label];
    }
  }

  @Override
  public void softmaxCrossEntropyBackward(Tensor prob, Tensor labels, int n, int k, float scale, Tensor dlogits) {
    long size = dims("softmaxCrossEntropyBackward", "n, k", n, k);
    requirePositive("softmaxCrossEntropyBackward", "k", k);
    int po = floats(device, "softmaxCrossEntropyBackward", "prob", prob, size);
    int lo = floats(device, "softmaxCrossEntropyBackward", "labels", labels, n);
    int go = floats(device, "softmaxCrossEntropyBackward", "dlogits", dlogits, size);
    for (int r = 0; r < n; r++) {
      int label = KernelArguments.label("softmaxCrossEntropyBackward", r, v()[lo + r], k);
      for (int j = 0; j < k; j++) {
        double target = j == label ? 1.0 : 0.0;
        v()[go + r * k + j] = (double) scale * (v()[po + r * k + j] - target);
      }
    }
  }

  // ---------------------------------------------------------------- optimizer

  @Override
  public void sgdMomentum(Tensor w, Tensor g, Tensor vel, float lr, float momentum, float weightDecay,
                          boolean nesterov) {
    int wo = floats(device, "sgdMomentum", "w", w, 0);
    int go = floats(device, "sgdMomentum", "g", g, 0);
    int vo = floats(device, "sgdMomentum", "v", vel, 0);
    sameSize("sgdMomentum", "w", w, "g", g);
    sameSize("sgdMomentum", "w", w, "v", vel);
    for (int i = 0; i < w.size(); i++) {
      double grad = v()[go + i] + (double) weightDecay * v()[wo + i];
      double velocity = (double) momentum * v()[vo + i] + grad;
      v()[vo + i] = velocity;
      double step = nesterov ? grad + (double) momentum * velocity : velocity;
      v()[wo + i] -= (double) lr * step;
    }
  }

  private static void requirePositive(String op, String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(op + ": " + name + " must be positive, got " + value);
    }
  }
}
