package io.batchwise.data;

import java.util.Arrays;

/** Samples {@code [from, to)} of another data set, without copying; index i is base sample from + i. */
final class RangeView implements Dataset {
  private final Dataset base;
  private final int from;
  private final int size;

  RangeView(Dataset base, int from, int to) {
    if (from < 0 || to < from || to > base.size()) {
      throw new IllegalArgumentException("cannot take samples [" + from + ", " + to + ") of "
          + base.size() + " samples of " + base.name());
    }
    this.base = base;
    this.from = from;
    this.size = to - from;
  }

  @Override
  public String name() {
    return base.name() + "[" + (from == 0 ? "" : from) + ":" + (from + size) + "]";
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int[] sampleShape() {
    return base.sampleShape();
  }

  @Override
  public int numClasses() {
    return base.numClasses();
  }

  @Override
  public int label(int index) {
    check(index);
    return base.label(from + index);
  }

  @Override
  public void copyImages(int[] indices, int start, int count, float[] dst, int dstOffset) {
    for (int i = 0; i < count; i++) {
      check(indices[start + i]);
    }
    if (from == 0) {
      base.copyImages(indices, start, count, dst, dstOffset);
      return;
    }
    int[] shifted = Arrays.copyOfRange(indices, start, start + count);
    for (int k = 0; k < count; k++) {
      shifted[k] += from;
    }
    base.copyImages(shifted, 0, count, dst, dstOffset);
  }

  private void check(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("sample " + index + " of " + size);
    }
  }
}
