package io.batchwise.nn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.testing.GradientCheck;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModelsTest {
  static Device device;

  @BeforeAll
  static void open() {
    device = TestDevices.reference();
  }

  @AfterAll
  static void close() {
    device.close();
  }

  static long count(List<Parameter> ps) {
    return ps.stream().mapToLong(p -> p.value().size()).sum();
  }

  @Test
  void lenetBnShapesNamesAndSize() {
    try (Sequential net = Models.create("lenet-bn", NormFactory.byName("bn"))) {
      assertArrayEquals(new int[] {10}, net.init(device, Models.inputShape(), new Random(1)));
      List<Parameter> ps = net.parameters();
      assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias",
          "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), ps.stream().map(Parameter::name).toList());
      // 20·25 + 2·20 + 50·20·25 + 2·50 + 500·800 + 500 + 10·500 + 10
      assertEquals(500 + 40 + 25000 + 100 + 400000 + 500 + 5000 + 10, count(ps));
      assertEquals(List.of("bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"),
          net.state().stream().map(StateBuffer::name).toList());
      assertEquals(Parameter.Kind.NORM, ps.get(1).kind());
      assertEquals(Parameter.Kind.BIAS, ps.get(7).kind());
    }
  }

  @Test
  void resnet20ShapesNamesAndSize() {
    try (Sequential net = Models.create("resnet20", NormFactory.byName("bn"))) {
      assertArrayEquals(new int[] {10}, net.init(device, Models.inputShape(), new Random(1)));
      List<Parameter> ps = net.parameters();
      List<String> names = ps.stream().map(Parameter::name).toList();
      assertEquals(names.size(), new HashSet<>(names).size(), "unique names");
      assertTrue(names.contains("stage2.block0.shortcut.conv.weight"), names.toString());
      assertTrue(names.contains("stage3.block2.bn2.bias"), names.toString());
      assertFalse(names.contains("stage1.block0.shortcut.conv.weight"));
      long convs = names.stream().filter(n -> n.endsWith("conv1.weight") || n.endsWith("conv2.weight")).count();
      assertEquals(19, convs, "19 3x3 convolutions");
      // The paper's CIFAR ResNet-20 has 0.27M parameters; option-B projections add 2·(16·32 + 64) + 2·(32·64 + 128).
      long n = count(ps);
      assertTrue(n > 270_000 && n < 280_000, "parameter count " + n);
      assertEquals(2 * (1 + 18 + 2), net.state().size(), "running mean+var of 21 norms");
    }
  }

  @Test
  void noNormModelsHaveNoNormParameters() {
    try (Sequential net = Models.create("lenet-bn", NormFactory.byName("none"))) {
      net.init(device, Models.inputShape(), new Random(1));
      assertTrue(net.parameters().stream().noneMatch(p -> p.kind() == Parameter.Kind.NORM));
      assertTrue(net.state().isEmpty());
    }
  }

  @Test
  void unknownModelListsTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Models.create("resnet50", NormFactory.byName("bn")));
    assertTrue(e.getMessage().contains("lenet-bn") && e.getMessage().contains("resnet20"), e.getMessage());
    assertEquals(List.of("lenet-bn", "resnet20"), Models.names());
  }

  @Test
  void sameSeedSameWeights() {
    try (Sequential a = Models.create("lenet-bn", NormFactory.byName("bn"));
         Sequential b = Models.create("lenet-bn", NormFactory.byName("bn"))) {
      a.init(device, Models.inputShape(), new Random(9));
      b.init(device, Models.inputShape(), new Random(9));
      for (int i = 0; i < a.parameters().size(); i++) {
        assertArrayEquals(a.parameters().get(i).value().toDoubleArray(), b.parameters().get(i).value().toDoubleArray(), 0);
      }
    }
  }

  @Test
  void lenetBnGradientCheck() {
    Sequential net = Models.create("lenet-bn", NormFactory.byName("bn"));
    try {
      Map<String, Double> errors = GradientCheck.of(net, device).input(2, 1, 28, 28).maxChecks(12).run();
      double worst = errors.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
      System.out.printf("gradient check %-40s max rel err %.2e  %s%n", "lenet-bn (n=2, sampled)", worst, errors);
      errors.forEach((name, e) -> assertTrue(e <= 1e-6, name + ": relative error " + e));
    } finally {
      net.close();
    }
  }

  @Test
  void resnet20TrainsOnAReferenceBatchAndEmptyBatches() {
    try (Sequential net = Models.create("resnet20", NormFactory.byName("bn"))) {
      net.init(device, Models.inputShape(), new Random(3));
      Random r = new Random(4);
      double[] xv = new double[2 * 28 * 28];
      for (int i = 0; i < xv.length; i++) {
        xv[i] = r.nextGaussian();
      }
      try (Tensor x = device.allocate(2, 1, 28, 28).write(xv); Tensor dy = device.allocate(2, 10)) {
        Tensor y = net.forward(x, Mode.TRAIN);
        assertArrayEquals(new int[] {2, 10}, y.shape());
        dy.write(new double[] {1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0, -1});
        Tensor dx = net.backward(dy);
        assertArrayEquals(new int[] {2, 1, 28, 28}, dx.shape());
        for (Parameter p : net.parameters()) {
          double s = 0;
          for (double g : p.grad().toDoubleArray()) {
            s += g * g;
          }
          assertTrue(Double.isFinite(s), p.name());
        }
        for (double v : net.forward(x, Mode.EVAL).toDoubleArray()) {
          assertTrue(Double.isFinite(v));
        }
      }
      try (Tensor empty = device.allocate(0, 1, 28, 28); Tensor dy0 = device.allocate(0, 10)) {
        assertArrayEquals(new int[] {0, 10}, net.forward(empty, Mode.TRAIN).shape());
        assertArrayEquals(new int[] {0, 1, 28, 28}, net.backward(dy0).shape());
      }
    }
  }
}
