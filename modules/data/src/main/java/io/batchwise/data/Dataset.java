package io.batchwise.data;

/**
 * A labelled image data set held in host memory.
 *
 * <p>Samples are addressed by index {@code 0 .. size()-1}. {@link #copyImages} writes normalized
 * float images in NCHW order (sample after sample, each {@code C×H×W} in row-major order), the
 * layout a device tensor of shape {@code [n, C, H, W]} expects; {@link #copyLabels} writes class ids
 * as floats, the form the softmax cross-entropy kernel reads. Implementations are immutable and
 * safe to share between worker threads.
 */
public interface Dataset {

  /** A short name for logs, e.g. {@code fashion-mnist/train}. */
  String name();

  /** Number of samples. */
  int size();

  /** Per-sample shape {@code [C, H, W]}. */
  int[] sampleShape();

  /** Number of classes; labels lie in {@code 0 .. numClasses()-1}. */
  int numClasses();

  /** Class id of sample {@code index}. */
  int label(int index);

  /** Elements per sample, {@code C·H·W}. */
  default int sampleSize() {
    int n = 1;
    for (int d : sampleShape()) {
      n *= d;
    }
    return n;
  }

  /**
   * Copies the normalized images of {@code indices[from .. from+count)} into {@code dst} starting at
   * {@code dstOffset}, {@link #sampleSize()} floats per sample, in NCHW order.
   */
  void copyImages(int[] indices, int from, int count, float[] dst, int dstOffset);

  /** Copies the labels of {@code indices[from .. from+count)} as float class ids. */
  default void copyLabels(int[] indices, int from, int count, float[] dst, int dstOffset) {
    for (int i = 0; i < count; i++) {
      dst[dstOffset + i] = label(indices[from + i]);
    }
  }

  /** Convenience: the images of all given indices in a new array. */
  default float[] images(int[] indices) {
    float[] out = new float[indices.length * sampleSize()];
    copyImages(indices, 0, indices.length, out, 0);
    return out;
  }

  /** Convenience: the labels of all given indices in a new array. */
  default float[] labels(int[] indices) {
    float[] out = new float[indices.length];
    copyLabels(indices, 0, indices.length, out, 0);
    return out;
  }

  /** The first {@code n} samples (all of them when {@code n} is 0 or at least {@link #size()}). */
  default Dataset head(int n) {
    return n <= 0 || n >= size() ? this : new RangeView(this, 0, n);
  }

  /** Samples {@code [from, to)}, renumbered from 0, without copying. */
  default Dataset range(int from, int to) {
    return from == 0 && to == size() ? this : new RangeView(this, from, to);
  }
}
