package io.batchwise.nn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.testing.GradientCheck;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SmallVggTest {

  @Test
  void shapesAndParameterCountWithAndWithoutNormalization() {
    try (Device d = TestDevices.reference()) {
      try (Sequential net = SmallVgg.create(NormFactory.byName("bn"), 4, false)) {
        assertArrayEquals(new int[] {10}, net.init(d, Models.inputShape(), new Random(1)));
        long n = net.parameters().stream().mapToLong(p -> p.value().size()).sum();
        // convs 4·9 + 4·4·9 + 8·4·9 + 8·8·9, four norms 2·(4+4+8+8), fc 392·128+128, 128·10+10
        assertEquals(36 + 144 + 288 + 576 + 48 + 392 * 128 + 128 + 1280 + 10, n);
        assertEquals(8, net.state().size());
      }
      try (Sequential net = SmallVgg.create(NormFactory.byName("none"), 4, true)) {
        net.init(d, Models.inputShape(), new Random(1));
        assertTrue(net.parameters().stream().map(Parameter::name).anyMatch("conv1.bias"::equals));
        assertEquals(0, net.state().size());
      }
    }
    assertThrows(IllegalArgumentException.class, () -> SmallVgg.create(NormFactory.byName("bn"), 0, false));
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    try (Device d = TestDevices.reference(); Sequential net = SmallVgg.create(NormFactory.byName("bn"), 2, false)) {
      Map<String, Double> errors = GradientCheck.of(net, d).input(2, 1, 28, 28).maxChecks(8).run();
      errors.forEach((name, e) -> assertTrue(e <= 1e-6, name + ": relative error " + e));
    }
  }
}
