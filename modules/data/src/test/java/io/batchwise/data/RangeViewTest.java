package io.batchwise.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** {@link Dataset#range} and {@link Dataset#head}: views that renumber samples without copying. */
class RangeViewTest {
  private final SyntheticDataset base = SyntheticDataset.mnistLike(50, 3);

  @Test
  void sampleIOfARangeIsBaseSampleFromPlusI() {
    Dataset r = base.range(20, 35);
    assertEquals(15, r.size());
    int[] idx = {0, 7, 14};
    int[] shifted = {20, 27, 34};
    assertArrayEquals(base.images(shifted), r.images(idx));
    for (int i = 0; i < idx.length; i++) {
      assertEquals(base.label(shifted[i]), r.label(idx[i]));
    }
    assertEquals(base.name() + "[20:35]", r.name());
  }

  @Test
  void headIsTheRangeFromZero() {
    Dataset h = base.head(10);
    assertArrayEquals(base.range(0, 10).images(new int[] {0, 9}), h.images(new int[] {0, 9}));
    assertEquals(base.name() + "[:10]", h.name());
    assertSame(base, base.range(0, base.size()));
  }

  @Test
  void outOfRangeIsAnError() {
    Dataset r = base.range(20, 35);
    assertThrows(IndexOutOfBoundsException.class, () -> r.label(15));
    assertThrows(IndexOutOfBoundsException.class, () -> r.images(new int[] {-1}));
    assertThrows(IllegalArgumentException.class, () -> base.range(30, 20));
    assertThrows(IllegalArgumentException.class, () -> base.range(0, 51));
  }
}
