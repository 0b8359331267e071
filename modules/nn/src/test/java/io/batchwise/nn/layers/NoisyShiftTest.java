package io.batchwise.nn.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Mode;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NoisyShiftTest {

  @Test
  void trainAppliesTheDrawnPerChannelAffineAndBackwardScalesByA() {
    try (Device d = TestDevices.reference(); NoisyShift layer = new NoisyShift(0.5, 2.0, 7)) {
      int n = 3, c = 2, h = 2, w = 2, inner = h * w;
      layer.init(d, new int[] {c, h, w}, new Random(1));
      float[] xs = new float[n * c * inner];
      Random r = new Random(3);
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) r.nextGaussian();
      }
      Tensor x = d.upload(xs, n, c, h, w);
      float[] ab = layer.draw(0);
      for (int ch = 0; ch < c; ch++) {
        assertTrue(ab[ch] >= 0.5f && ab[ch] <= 2f, "scale in [1/2, 2]: " + ab[ch]);
        assertTrue(Math.abs(ab[c + ch]) <= 0.5f, "shift in [-0.5, 0.5]: " + ab[c + ch]);
      }
      float[] y = layer.forward(x, Mode.TRAIN).toFloatArray();
      assertEquals(1, layer.step());
      float[] dys = new float[xs.length];
      for (int i = 0; i < dys.length; i++) {
        dys[i] = (float) r.nextGaussian();
      }
      float[] dx = layer.backward(d.upload(dys, n, c, h, w)).toFloatArray();
      for (int s = 0; s < n; s++) {
        for (int ch = 0; ch < c; ch++) {
          for (int k = 0; k < inner; k++) {
            int i = (s * c + ch) * inner + k;
            assertEquals(ab[ch] * xs[i] + ab[c + ch], y[i], 1e-5);
            assertEquals(ab[ch] * dys[i], dx[i], 1e-5);
          }
        }
      }
      // The next step draws another shift; the same seed and step draw the same one.
      assertNotEquals(ab[c], layer.draw(1)[c]);
      try (NoisyShift twin = new NoisyShift(0.5, 2.0, 7)) {
        twin.init(d, new int[] {c, h, w}, new Random(1));
        assertArrayEquals(ab, twin.draw(0));
      }
    }
  }

  @Test
  void evalIsTheIdentityAndBadSettingsAreRejected() {
    try (Device d = TestDevices.reference(); NoisyShift layer = new NoisyShift(1, 3, 1)) {
      layer.init(d, new int[] {4}, new Random(1));
      Tensor x = d.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
      assertSame(x, layer.forward(x, Mode.EVAL));
      assertEquals(0, layer.step());
    }
    assertThrows(IllegalArgumentException.class, () -> new NoisyShift(-1, 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new NoisyShift(0, 0.5, 0));
  }
}
