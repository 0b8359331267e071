package io.batchwise.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Parameter;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Values are powers of two so every expected number is exact in float and double. */
class SgdTest {
  private final ReferenceDevice device = new ReferenceDevice(new DeviceOptions(1, 1));

  @AfterEach
  void close() {
    device.close();
  }

  private Parameter param(String name, Parameter.Kind kind, float[] w, float[] g) {
    return new Parameter(name, device.upload(w, w.length), device.upload(g, g.length), kind);
  }

  private static float value(Parameter p) {
    return p.value().toFloatArray()[0];
  }

  @Test
  void momentumAccumulatesGradientsNotSteps() {
    Parameter p = param("w", Parameter.Kind.WEIGHT, new float[] {1}, new float[] {0.5f});
    try (Sgd sgd = new Sgd(List.of(p), new SgdConfig(0.5, false, 0, false))) {
      sgd.step(0.5); // v = 0.5, w = 1 − 0.25
      assertEquals(0.75f, value(p));
      sgd.step(0.5); // v = 0.25 + 0.5 = 0.75, w = 0.75 − 0.375
      assertEquals(0.375f, value(p));
      sgd.step(0.25); // v = 0.375 + 0.5 = 0.875, w = 0.375 − 0.21875
      assertEquals(0.15625f, value(p));
      assertEquals(0.875f, sgd.velocity(0).toFloatArray()[0]);
      assertEquals(3, sgd.steps());
    }
  }

  @Test
  void nesterovLooksAhead() {
    Parameter p = param("w", Parameter.Kind.WEIGHT, new float[] {1}, new float[] {0.5f});
    try (Sgd sgd = new Sgd(List.of(p), new SgdConfig(0.5, true, 0, false))) {
      sgd.step(0.5); // v = 0.5, w = 1 − 0.5·(0.5 + 0.25)
      assertEquals(0.625f, value(p));
      sgd.step(0.5); // v = 0.75, w = 0.625 − 0.5·(0.5 + 0.375)
      assertEquals(0.1875f, value(p));
    }
  }

  @Test
  void plainSgdIsLrTimesGradient() {
    Parameter p = param("w", Parameter.Kind.WEIGHT, new float[] {1, -2}, new float[] {0.5f, -0.25f});
    try (Sgd sgd = new Sgd(List.of(p), SgdConfig.plain())) {
      sgd.step(2);
      assertArrayEquals(new float[] {0, -1.5f}, p.value().toFloatArray());
    }
  }

  @Test
  void weightDecaySkipsNormAndBiasByDefault() {
    float[] zero = {0};
    Parameter w = param("conv.weight", Parameter.Kind.WEIGHT, new float[] {2}, zero);
    Parameter b = param("conv.bias", Parameter.Kind.BIAS, new float[] {2}, zero);
    Parameter n = param("bn.gamma", Parameter.Kind.NORM, new float[] {2}, zero);
    try (Sgd sgd = new Sgd(List.of(w, b, n), SgdConfig.plain().withWeightDecay(0.25))) {
      sgd.step(0.5); // g' = 0.25·2 = 0.5 for the weight only: w = 2 − 0.25
      assertEquals(1.75f, value(w));
      assertEquals(2f, value(b));
      assertEquals(2f, value(n));
    }
    try (Sgd sgd = new Sgd(List.of(w, b, n), SgdConfig.plain().withWeightDecay(0.25).withDecayNormAndBias(true))) {
      sgd.step(0.5);
      assertEquals(1.53125f, value(w)); // 1.75 − 0.5·0.25·1.75
      assertEquals(1.75f, value(b));
      assertEquals(1.75f, value(n));
    }
  }

  @Test
  void weightDecayEntersTheVelocity() {
    Parameter p = param("w", Parameter.Kind.WEIGHT, new float[] {2}, new float[] {0.5f});
    try (Sgd sgd = new Sgd(List.of(p), new SgdConfig(0.5, false, 0.25, false))) {
      sgd.step(0.5); // g' = 0.5 + 0.5 = 1, v = 1, w = 2 − 0.5
      assertEquals(1.5f, value(p));
      assertEquals(1f, sgd.velocity(0).toFloatArray()[0]);
    }
  }

  @Test
  void stateNamesVelocitiesByParameterAndStartsAtZero() {
    Parameter a = param("a", Parameter.Kind.WEIGHT, new float[] {1, 2, 3}, new float[] {1, 1, 1});
    Parameter b = param("b", Parameter.Kind.BIAS, new float[] {1}, new float[] {1});
    try (Sgd sgd = new Sgd(List.of(a, b), SgdConfig.DEFAULT)) {
      Map<String, Tensor> state = sgd.state();
      assertEquals(List.of("a.velocity", "b.velocity"), List.copyOf(state.keySet()));
      assertArrayEquals(new float[3], state.get("a.velocity").toFloatArray());
      assertArrayEquals(a.value().shape(), state.get("a.velocity").shape());
      assertTrue(state.get("a.velocity").device() == device);
      sgd.step(0.5);
      assertEquals(1f, state.get("b.velocity").toFloatArray()[0]);
      sgd.resetState();
      assertEquals(0f, state.get("b.velocity").toFloatArray()[0]);
    }
  }

  @Test
  void configValidationSaysWhatIsWrong() {
    assertMessage("SGD momentum must be in [0, 1), got 1.0", () -> new SgdConfig(1, false, 0, false));
    assertMessage("SGD momentum must be in [0, 1), got -0.1", () -> new SgdConfig(-0.1, false, 0, false));
    assertMessage("SGD weight decay must be finite and >= 0, got -1.0", () -> new SgdConfig(0.9, false, -1, false));
    assertMessage("Nesterov momentum requires momentum > 0, got momentum 0",
        () -> new SgdConfig(0, true, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new SgdConfig(Double.NaN, false, 0, false));
    assertEquals("SGD(momentum=0.9, nesterov, weight_decay=5.0E-4 on weights only (not norm/bias))",
        SgdConfig.DEFAULT.withNesterov(true).toString());
    assertEquals("0.9", SgdConfig.DEFAULT.toMap().get("sgd.momentum"));
  }

  @Test
  void stepAndConstructorRefuseBadInput() {
    Parameter p = param("w", Parameter.Kind.WEIGHT, new float[] {1}, new float[] {1});
    try (Sgd sgd = new Sgd(List.of(p), SgdConfig.DEFAULT)) {
      assertMessage("learning rate must be finite and >= 0, got -0.1", () -> sgd.step(-0.1));
      assertThrows(IllegalArgumentException.class, () -> sgd.step(Double.NaN));
      assertThrows(IllegalArgumentException.class, () -> sgd.step(Double.POSITIVE_INFINITY));
    }
    assertMessage("duplicate parameter name w", () -> new Sgd(List.of(p, p), SgdConfig.DEFAULT));
    Parameter bad = new Parameter("x", device.zeros(2, 3), device.zeros(3, 2), Parameter.Kind.WEIGHT);
    assertMessage("parameter x has value [2, 3] but gradient [3, 2]", () -> new Sgd(List.of(bad), SgdConfig.DEFAULT));
    Sgd closed = new Sgd(List.of(p), SgdConfig.DEFAULT);
    closed.close();
    assertThrows(IllegalStateException.class, () -> closed.step(0.1));
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
    assertEquals(expected, x.getMessage());
  }
}
