package io.batchwise.data;

/** The first {@code size} samples of another data set, without copying. */
final class HeadView implements Dataset {
  private final Dataset base;
  private final int size;

  HeadView(Dataset base, int size) {
    if (size < 0 || size > base.size()) {
      throw new IllegalArgumentException("cannot take the first " + size + " of " + base.size()
          + " samples of " + base.name());
    }
    this.base = base;
    this.size = size;
  }

  @Override
  public String name() {
    return base.name() + "[:" + size + "]";
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
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("sample " + index + " of " + size);
    }
    return base.label(index);
  }

  @Override
  public void copyImages(int[] indices, int from, int count, float[] dst, int dstOffset) {
    for (int i = 0; i < count; i++) {
      if (indices[from + i] < 0 || indices[from + i] >= size) {
        throw new IndexOutOfBoundsException("sample " + indices[from + i] + " of " + size);
      }
    }
    base.copyImages(indices, from, count, dst, dstOffset);
  }
}
