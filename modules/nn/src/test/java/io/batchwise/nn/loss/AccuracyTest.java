package io.batchwise.nn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.reference.ReferenceDevice;
import org.junit.jupiter.api.Test;

class AccuracyTest {

  @Test
  void argmaxTakesTheFirstOfTiesAndIgnoresNaN() {
    float[] logits = {
        1, 3, 3,
        Float.NaN, -1, -2,
        -5, -5, -5,
        Float.NaN, Float.NaN, Float.NaN};
    assertArrayEquals(new int[] {1, 1, 0, 0}, Accuracy.argmax(logits, 4, 3));
    assertThrows(IllegalArgumentException.class, () -> Accuracy.argmax(logits, 3, 3));
  }

  @Test
  void correctCountsRowsWhosePredictionIsTheLabel() {
    try (ReferenceDevice device = new ReferenceDevice(new DeviceOptions(1, 1))) {
      var z = device.upload(new float[] {0.1f, 0.9f, 2, -1, 0, 0.5f}, 3, 2);
      assertEquals(2, Accuracy.correct(z, device.upload(new float[] {1, 0, 0}, 3)));
      assertEquals(0, Accuracy.correct(z, device.upload(new float[] {0, 1, 0}, 3)));
      assertThrows(IllegalArgumentException.class, () -> Accuracy.correct(z, device.upload(new float[] {0, 2, 1}, 3)));
    }
  }
}
