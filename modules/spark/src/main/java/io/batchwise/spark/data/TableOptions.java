package io.batchwise.spark.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * How to read images and labels from a table.
 *
 * @param imageColumn the image column: {@code binary} (unsigned bytes), {@code array<float>} or
 *     {@code array<double>}, {@code C·H·W} values per row
 * @param labelColumn the label column: an integer type ({@code tinyint} to {@code bigint}),
 *     values {@code >= 0}
 * @param shape the sample shape {@code [C, H, W]}, or {@code null} to infer it from the first row:
 *     {@code L} values make {@code [1, √L, √L]} when L is a square, else {@code [3, √(L/3), √(L/3)]}
 *     when L/3 is; any other length needs the shape
 * @param layout {@code "chw"} (channel planes one after another) or {@code "hwc"} (channels
 *     interleaved per pixel, as raw RGB bytes are), or {@code null} for the default: {@code hwc}
 *     for a binary column, {@code chw} for arrays. Irrelevant for one channel.
 * @param numClasses number of classes, or 0 for one more than the largest label seen
 * @param testEvery when there is no separate test table: every {@code testEvery}-th row (rows
 *     {@code testEvery−1, 2·testEvery−1, ...} in read order) is held out for testing; 0 holds out
 *     nothing (then a test table is required)
 */
public record TableOptions(String imageColumn, String labelColumn, int[] shape, String layout,
    int numClasses, int testEvery) {

  /** Columns {@code image} and {@code label}, shape inferred, every 10th row held out. */
  public static final TableOptions DEFAULTS = new TableOptions("image", "label", null, null, 0, 10);

  public TableOptions {
    if (imageColumn == null || imageColumn.isBlank()) {
      throw new IllegalArgumentException("the image column name is empty");
    }
    if (labelColumn == null || labelColumn.isBlank()) {
      throw new IllegalArgumentException("the label column name is empty");
    }
    if (imageColumn.equals(labelColumn)) {
      throw new IllegalArgumentException("image and label columns are both '" + imageColumn + "'");
    }
    if (shape != null) {
      if (shape.length != 3 || shape[0] <= 0 || shape[1] <= 0 || shape[2] <= 0) {
        throw new IllegalArgumentException("sample shape must be C x H x W with positive sizes, got "
            + Arrays.toString(shape));
      }
      shape = shape.clone();
    }
    if (layout != null) {
      layout = layout.toLowerCase(Locale.ROOT);
      if (!layout.equals("chw") && !layout.equals("hwc")) {
        throw new IllegalArgumentException("layout must be chw or hwc, got '" + layout + "'");
      }
    }
    if (numClasses < 0) {
      throw new IllegalArgumentException("number of classes must be >= 0 (0: infer), got "
          + numClasses);
    }
    if (testEvery < 0 || testEvery == 1) {
      throw new IllegalArgumentException("test-every must be 0 (no held-out rows) or >= 2, got "
          + testEvery);
    }
  }

  public TableOptions withImageColumn(String v) {
    return new TableOptions(v, labelColumn, shape, layout, numClasses, testEvery);
  }

  public TableOptions withLabelColumn(String v) {
    return new TableOptions(imageColumn, v, shape, layout, numClasses, testEvery);
  }

  public TableOptions withShape(int c, int h, int w) {
    return new TableOptions(imageColumn, labelColumn, new int[] {c, h, w}, layout, numClasses,
        testEvery);
  }

  public TableOptions withLayout(String v) {
    return new TableOptions(imageColumn, labelColumn, shape, v, numClasses, testEvery);
  }

  public TableOptions withNumClasses(int v) {
    return new TableOptions(imageColumn, labelColumn, shape, layout, v, testEvery);
  }

  public TableOptions withTestEvery(int v) {
    return new TableOptions(imageColumn, labelColumn, shape, layout, numClasses, v);
  }

  /** Parses {@code CxHxW} (e.g. {@code 1x28x28}, {@code 3x32x32}). */
  public static int[] parseShape(String s) {
    String[] parts = s.toLowerCase(Locale.ROOT).split("x", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("shape '" + s + "' is not CxHxW (e.g. 1x28x28)");
    }
    int[] shape = new int[3];
    for (int i = 0; i < 3; i++) {
      try {
        shape[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("shape '" + s + "' is not CxHxW (e.g. 1x28x28)");
      }
      if (shape[i] <= 0) {
        throw new IllegalArgumentException("shape '" + s + "' needs positive sizes");
      }
    }
    return shape;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TableOptions t && imageColumn.equals(t.imageColumn)
        && labelColumn.equals(t.labelColumn) && Arrays.equals(shape, t.shape)
        && java.util.Objects.equals(layout, t.layout) && numClasses == t.numClasses
        && testEvery == t.testEvery;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(imageColumn, labelColumn, Arrays.hashCode(shape), layout,
        numClasses, testEvery);
  }

  @Override
  public String toString() {
    return "image=" + imageColumn + ", label=" + labelColumn + ", shape="
        + (shape == null ? "inferred" : shape[0] + "x" + shape[1] + "x" + shape[2]) + ", layout="
        + (layout == null ? "default" : layout) + ", classes="
        + (numClasses == 0 ? "inferred" : numClasses) + ", test-every=" + testEvery;
  }
}
