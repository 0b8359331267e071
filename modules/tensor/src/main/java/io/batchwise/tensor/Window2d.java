package io.batchwise.tensor;

/**
 * Geometry of a 2-D sliding window over an NCHW batch: convolution (through im2col) and pooling.
 *
 * <p>Output size per spatial axis: {@code (in + 2·pad − kernel) / stride + 1} (floor), the PyTorch
 * convention with dilation 1. Padding is zero padding for convolution; pooling ignores padded cells.
 *
 * @param n batch size
 * @param c channels
 * @param h input height
 * @param w input width
 * @param kh kernel height
 * @param kw kernel width
 * @param sh stride along height
 * @param sw stride along width
 * @param ph padding along height (each side)
 * @param pw padding along width (each side)
 */
public record Window2d(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
  public Window2d {
    if (n < 0 || c <= 0 || h <= 0 || w <= 0) {
      throw new IllegalArgumentException("bad input shape n=" + n + " c=" + c + " h=" + h + " w=" + w);
    }
    if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || ph < 0 || pw < 0) {
      throw new IllegalArgumentException(
          "bad window kernel=" + kh + "x" + kw + " stride=" + sh + "x" + sw + " pad=" + ph + "x" + pw);
    }
    if (h + 2 * ph < kh || w + 2 * pw < kw) {
      throw new IllegalArgumentException(
          "window " + kh + "x" + kw + " larger than padded input " + (h + 2 * ph) + "x" + (w + 2 * pw));
    }
  }

  /** Square window with equal stride and padding on both axes. */
  public static Window2d square(int n, int c, int h, int w, int k, int stride, int pad) {
    return new Window2d(n, c, h, w, k, k, stride, stride, pad, pad);
  }

  public int oh() {
    return (h + 2 * ph - kh) / sh + 1;
  }

  public int ow() {
    return (w + 2 * pw - kw) / sw + 1;
  }

  /** Rows of the im2col matrix: {@code c·kh·kw}. */
  public int colRows() {
    return c * kh * kw;
  }

  /** Columns of the im2col matrix: {@code n·oh·ow}. */
  public int colCols() {
    return n * oh() * ow();
  }

  public Window2d withBatch(int newN) {
    return new Window2d(newN, c, h, w, kh, kw, sh, sw, ph, pw);
  }
}
