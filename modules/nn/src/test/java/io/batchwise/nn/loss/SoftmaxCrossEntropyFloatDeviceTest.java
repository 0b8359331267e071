package io.batchwise.nn.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.jvm.JavaDevice;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The loss on the float Java device agrees with the double reference, huge logits included. */
class SoftmaxCrossEntropyFloatDeviceTest {

  @Test
  void floatDeviceAgreesWithTheReference() {
    int n = 5;
    int k = 7;
    Random rng = new Random(5);
    float[] logits = new float[n * k];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) rng.nextGaussian() * 3;
    }
    logits[3] = 1e30f; // one huge logit: the float path must not overflow either
    logits[k + 2] = -1e30f;
    float[] labels = {3, 2, 6, 0, 1};
    try (Device ref = new ReferenceDevice(new DeviceOptions(1, 1));
         Device java = new JavaDevice(new DeviceOptions(1, 1), 1);
         SoftmaxCrossEntropy refLoss = new SoftmaxCrossEntropy(ref);
         SoftmaxCrossEntropy javaLoss = new SoftmaxCrossEntropy(java)) {
      double expected = refLoss.forward(ref.upload(logits, n, k), ref.upload(labels, n));
      double actual = javaLoss.forward(java.upload(logits, n, k), java.upload(labels, n));
      assertTrue(Double.isFinite(actual));
      assertEquals(expected, actual, 1e-5 * Math.max(1, Math.abs(expected)));
      float[] g = refLoss.backward(1.0 / n).toFloatArray();
      float[] h = javaLoss.backward(1.0 / n).toFloatArray();
      for (int i = 0; i < g.length; i++) {
        assertEquals(g[i], h[i], 1e-6, "dlogits[" + i + "]");
      }
    }
  }
}
