package io.batchwise.tensor.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The Java device's own behaviour: its thread pool, errors raised inside pool threads, close. */
class JavaDeviceTest {
  private static final DeviceOptions SMALL = new DeviceOptions(4, 1);

  private static long poolThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("batchwise-java-") && t.isAlive())
        .count();
  }

  @Test
  void errorsInsidePoolThreadsReachTheCaller() {
    try (JavaDevice device = new JavaDevice(SMALL, 3)) {
      int n = 50_000; // large enough to be split across the pool
      int k = 2;
      Tensor logits = device.zeros(n, k);
      float[] labels = new float[n];
      labels[n - 1] = 7f; // in the last chunk, which a pool thread runs
      Tensor prob = device.allocate(n, k);
      Tensor loss = device.allocate(n);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> device.ops().softmaxCrossEntropyForward(logits, device.upload(labels, n), n, k, prob, loss));
      assertTrue(e.getMessage().contains("row " + (n - 1)) && e.getMessage().contains("7.0"), e.getMessage());
      // the pool survives a failed launch
      device.ops().fill(prob, 1f);
      assertEquals(1f, prob.toFloatArray()[2 * n - 1]);
    }
  }

  @Test
  void closeStopsThePoolAndLaterUseFails() throws InterruptedException {
    long before = poolThreads();
    JavaDevice device = new JavaDevice(SMALL, 3);
    assertEquals(Device.Kind.JAVA, device.kind());
    assertEquals(3, device.threads());
    assertTrue(device.description().contains("3 threads"), device.description());
    Tensor x = device.zeros(200_000);
    device.ops().scale(x, 2f); // starts the pool threads
    assertTrue(poolThreads() > before, "kernels ran on pool threads");
    Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("batchwise-java-"))
        .forEach(t -> assertTrue(t.isDaemon(), "pool threads must not keep the JVM alive"));
    device.close();
    device.close(); // idempotent
    assertThrows(IllegalStateException.class, device::ops);
    for (int i = 0; i < 100 && poolThreads() > before; i++) {
      Thread.sleep(10); // shutdownNow interrupts idle workers; they exit promptly
    }
    assertFalse(poolThreads() > before, "close stops the pool threads");
  }

  @Test
  void rejectsANonPositiveThreadCount() {
    assertThrows(IllegalArgumentException.class, () -> new JavaDevice(SMALL, 0));
  }

  @Test
  void splittingTheGemmAcrossThreadsDoesNotChangeIt() {
    float[] a = new float[67 * 29];
    float[] b = new float[29 * 301];
    for (int i = 0; i < a.length; i++) {
      a[i] = (i % 13) - 6;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (i % 7) - 3;
    }
    float[] one;
    float[] three;
    try (JavaDevice d1 = new JavaDevice(SMALL, 1); JavaDevice d3 = new JavaDevice(SMALL, 3)) {
      Tensor c1 = d1.allocate(67, 301);
      d1.ops().gemm(false, false, 67, 301, 29, 1f, d1.upload(a, a.length), 0, d1.upload(b, b.length), 0, 0f, c1, 0);
      Tensor c3 = d3.allocate(67, 301);
      d3.ops().gemm(false, false, 67, 301, 29, 1f, d3.upload(a, a.length), 0, d3.upload(b, b.length), 0, 0f, c3, 0);
      one = c1.toFloatArray();
      three = c3.toFloatArray();
    }
    // small integers: every partial sum is exact in float, so the split cannot change the result
    for (int i = 0; i < one.length; i++) {
      assertEquals(one[i], three[i], "element " + i);
    }
    float expected = 0;
    for (int p = 0; p < 29; p++) {
      expected += a[p] * b[p * 301];
    }
    assertEquals(expected, one[0]);
  }
}
