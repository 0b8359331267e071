package io.batchwise.spark.data;

import io.batchwise.data.Dataset;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Labelled images held in two flat arrays, serializable so a Spark broadcast can carry them.
 *
 * <p>Pixels are in CHW order per sample, samples one after another. Two storages:
 * <ul>
 *   <li>bytes (a binary image column): {@code x = (byte/255 − mean[c]) / std[c]}, normalized on the
 *       way out through a 256-entry table per channel (as {@code ByteImageDataset});</li>
 *   <li>floats (an {@code array<float>} or {@code array<double>} column): returned as stored; the
 *       table is expected to hold model-ready values (normalize in Spark beforehand).</li>
 * </ul>
 * Immutable after construction and safe to share between worker threads.
 */
public final class ImageTable implements Dataset, Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final int size;
  private final int[] shape;
  private final int numClasses;
  private final int[] labels;
  private final byte[] bytePixels;
  private final float[] floatPixels;
  private final float[] mean;
  private final float[] std;
  /** table[c * 256 + v]: normalized value of byte v in channel c (bytes storage only). */
  private transient float[] table;

  private ImageTable(String name, int[] shape, int numClasses, int[] labels, byte[] bytePixels,
      float[] floatPixels, float[] mean, float[] std) {
    if (shape.length != 3 || shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0) {
      throw new IllegalArgumentException(name + ": sample shape must be [C, H, W] with positive "
          + "sizes, got " + Arrays.toString(shape));
    }
    this.name = name;
    this.size = labels.length;
    this.shape = shape.clone();
    this.numClasses = numClasses;
    this.labels = labels;
    this.bytePixels = bytePixels;
    this.floatPixels = floatPixels;
    this.mean = mean;
    this.std = std;
    long expected = (long) size * sampleSize();
    long actual = bytePixels != null ? bytePixels.length : floatPixels.length;
    if (actual != expected) {
      throw new IllegalArgumentException(name + ": " + actual + " pixel values for " + size
          + " samples of shape " + Arrays.toString(shape));
    }
    for (int i = 0; i < size; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i
            + " is outside 0.." + (numClasses - 1));
      }
    }
    if (bytePixels != null) {
      if (mean.length != shape[0] || std.length != shape[0]) {
        throw new IllegalArgumentException(name + ": need " + shape[0] + " channel means and stds");
      }
      for (int c = 0; c < shape[0]; c++) {
        if (!(std[c] > 0) || !Float.isFinite(mean[c])) {
          throw new IllegalArgumentException(name + ": channel " + c + " needs a finite mean and a"
              + " std > 0, got mean " + mean[c] + ", std " + std[c]);
        }
      }
    }
  }

  /**
   * Byte images normalized per channel.
   *
   * @param pixels {@code n × C × H × W} unsigned bytes, CHW per sample (not copied)
   * @param labels {@code n} class ids (not copied)
   */
  public static ImageTable ofBytes(String name, int[] shape, int numClasses, int[] labels,
      byte[] pixels, float[] mean, float[] std) {
    return new ImageTable(name, shape, numClasses, labels, pixels, null, mean.clone(), std.clone());
  }

  /**
   * Float images used as they are.
   *
   * @param pixels {@code n × C × H × W} floats, CHW per sample (not copied)
   * @param labels {@code n} class ids (not copied)
   */
  public static ImageTable ofFloats(String name, int[] shape, int numClasses, int[] labels,
      float[] pixels) {
    return new ImageTable(name, shape, numClasses, labels, null, pixels, null, null);
  }

  /** Per-channel mean and std of {@code byte/255} over all pixels of {@code pixels} (CHW). */
  public static float[][] channelStats(byte[] pixels, int[] shape) {
    int c = shape[0];
    int plane = shape[1] * shape[2];
    int sample = c * plane;
    double[] sum = new double[c];
    double[] sq = new double[c];
    long[] count = new long[c];
    for (int off = 0; off < pixels.length; off += sample) {
      for (int ch = 0; ch < c; ch++) {
        int base = off + ch * plane;
        for (int i = 0; i < plane; i++) {
          double v = (pixels[base + i] & 0xFF) / 255.0;
          sum[ch] += v;
          sq[ch] += v * v;
        }
        count[ch] += plane;
      }
    }
    float[] mean = new float[c];
    float[] std = new float[c];
    for (int ch = 0; ch < c; ch++) {
      double m = count[ch] == 0 ? 0 : sum[ch] / count[ch];
      double var = count[ch] == 0 ? 0 : Math.max(sq[ch] / count[ch] - m * m, 0);
      mean[ch] = (float) m;
      // A constant channel (std 0) would divide by zero: leave it centred but unscaled.
      std[ch] = var > 1e-12 ? (float) Math.sqrt(var) : 1f;
    }
    return new float[][] {mean, std};
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int[] sampleShape() {
    return shape.clone();
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  /** Whether pixels are stored as bytes (binary column) rather than floats. */
  public boolean bytePixels() {
    return bytePixels != null;
  }

  /** The per-channel mean used to normalize byte pixels; empty for float storage. */
  public float[] mean() {
    return mean == null ? new float[0] : mean.clone();
  }

  /** The per-channel std used to normalize byte pixels; empty for float storage. */
  public float[] std() {
    return std == null ? new float[0] : std.clone();
  }

  /** The stored (unnormalized) byte of pixel {@code i} of sample {@code index}, CHW order. */
  public int rawByte(int index, int i) {
    return bytePixels[index * sampleSize() + i] & 0xFF;
  }

  @Override
  public void copyImages(int[] indices, int from, int count, float[] dst, int dstOffset) {
    int n = sampleSize();
    if (floatPixels != null) {
      for (int k = 0; k < count; k++) {
        System.arraycopy(floatPixels, indices[from + k] * n, dst, dstOffset + k * n, n);
      }
      return;
    }
    float[] t = table();
    int plane = shape[1] * shape[2];
    for (int k = 0; k < count; k++) {
      int src = indices[from + k] * n;
      int out = dstOffset + k * n;
      for (int ch = 0; ch < shape[0]; ch++) {
        int tb = ch * 256;
        int base = ch * plane;
        for (int i = 0; i < plane; i++) {
          dst[out + base + i] = t[tb + (bytePixels[src + base + i] & 0xFF)];
        }
      }
    }
  }

  private float[] table() {
    float[] t = table;
    if (t == null) {
      // Rebuilt after deserialization (transient: 1 KB per channel is cheaper to compute than
      // to ship); a benign race between threads computes the same values.
      t = new float[shape[0] * 256];
      for (int c = 0; c < shape[0]; c++) {
        for (int v = 0; v < 256; v++) {
          t[c * 256 + v] = (v / 255f - mean[c]) / std[c];
        }
      }
      table = t;
    }
    return t;
  }

  @Override
  public String toString() {
    return name + " (" + size + " samples, shape " + Arrays.toString(shape) + ", " + numClasses
        + " classes, " + (bytePixels != null ? "byte" : "float") + " pixels)";
  }
}
