package io.batchwise.nn.norm;

import static io.batchwise.nn.norm.SyncBatchNormTest.close;
import static io.batchwise.nn.norm.SyncBatchNormTest.data;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Mode;
import io.batchwise.nn.testing.GradientCheck;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GroupNormTest {
  static Device dev;

  @BeforeAll
  static void open() {
    dev = SyncBatchNormTest.smallDevice();
  }

  @AfterAll
  static void shut() {
    dev.close();
  }

  static void randomAffine(GroupNorm g) {
    int c = g.gamma().value().size();
    g.gamma().value().write(data(31, c, 1, 0.3));
    g.beta().value().write(data(32, c, 0, 0.5));
  }

  /** Two-pass double reference of GroupNorm with G groups on [n, c, inner] data. */
  static double[] reference(double[] x, int n, int c, int inner, int g, double[] gamma, double[] beta) {
    double[] y = new double[x.length];
    int per = c / g * inner;
    for (int s = 0; s < n; s++) {
      for (int grp = 0; grp < g; grp++) {
        int base = (s * c + grp * (c / g)) * inner;
        double mean = 0;
        for (int i = 0; i < per; i++) {
          mean += x[base + i];
        }
        mean /= per;
        double var = 0;
        for (int i = 0; i < per; i++) {
          var += (x[base + i] - mean) * (x[base + i] - mean);
        }
        var /= per;
        for (int i = 0; i < per; i++) {
          int ch = grp * (c / g) + i / inner;
          y[base + i] = gamma[ch] * (x[base + i] - mean) / Math.sqrt(var + 1e-5) + beta[ch];
        }
      }
    }
    return y;
  }

  double[] run(GroupNorm g, double[] x, int n, int... sample) {
    g.init(dev, sample, new Random(1));
    randomAffine(g);
    Tensor t = dev.allocate(withBatch(n, sample)).write(x);
    double[] y = g.forward(t, Mode.TRAIN).toDoubleArray();
    t.close();
    return y;
  }

  static int[] withBatch(int n, int[] s) {
    int[] out = new int[s.length + 1];
    out[0] = n;
    System.arraycopy(s, 0, out, 1, s.length);
    return out;
  }

  @Test
  void matchesTheTwoPassReferenceForEveryGroupCount() {
    int c = 4;
    double[] x = data(3, 3 * c * 6, 5, 3);
    for (int g : new int[] {1, 2, 4}) {
      try (GroupNorm gn = new GroupNorm(g)) {
        double[] y = run(gn, x, 3, c, 2, 3);
        close(reference(x, 3, c, 6, g, gn.gamma().value().toDoubleArray(), gn.beta().value().toDoubleArray()),
            y, 1e-12, "GN G=" + g);
      }
    }
  }

  @Test
  void oneGroupIsLayerNormAndCGroupsIsInstanceNorm() {
    double[] x = data(4, 2 * 6 * 4, -2, 1.5);
    try (GroupNorm g1 = new GroupNorm(1); LayerNorm ln = new LayerNorm();
         GroupNorm gc = new GroupNorm(6); InstanceNorm in = new InstanceNorm()) {
      assertEquals(Arrays.toString(run(g1, x, 2, 6, 2, 2)), Arrays.toString(run(ln, x, 2, 6, 2, 2)));
      assertEquals(Arrays.toString(run(gc, x, 2, 6, 2, 2)), Arrays.toString(run(in, x, 2, 6, 2, 2)));
      assertEquals(6, in.groups());
      assertEquals(1, ln.groups());
    }
  }

  @Test
  void aSamplesOutputDoesNotDependOnItsBatchMates() {
    for (Supplier<GroupNorm> make : java.util.List.<Supplier<GroupNorm>>of(
        () -> new GroupNorm(2), LayerNorm::new, InstanceNorm::new)) {
      double[] x = data(6, 5 * 4 * 3, 1, 2);
      double[] other = data(7, 5 * 4 * 3, 40, 9);
      // Sample 2 of batch x, sample 2 of a batch whose other samples differ, and sample 2 alone.
      System.arraycopy(x, 2 * 12, other, 2 * 12, 12);
      try (GroupNorm a = make.get(); GroupNorm b = make.get(); GroupNorm alone = make.get()) {
        double[] ya = run(a, x, 5, 4, 3, 1);
        double[] yb = run(b, other, 5, 4, 3, 1);
        double[] y1 = run(alone, Arrays.copyOfRange(x, 24, 36), 1, 4, 3, 1);
        double[] want = Arrays.copyOfRange(ya, 24, 36);
        close(want, Arrays.copyOfRange(yb, 24, 36), 1e-13, a + " with other batch mates");
        close(want, y1, 1e-13, a + " alone");
        // EVAL computes the same.
        Tensor t = dev.allocate(5, 4, 3, 1).write(x);
        close(ya, a.forward(t, Mode.EVAL).toDoubleArray(), 0, a + " EVAL");
        t.close();
      }
    }
  }

  @Test
  void gradientChecks() {
    Object[][] cases = {
        {new GroupNorm(2), new int[] {4, 2, 3}},
        {new GroupNorm(3), new int[] {6}},
        {new LayerNorm(), new int[] {3, 2, 2}},
        {new InstanceNorm(), new int[] {3, 2, 2}},
    };
    for (Object[] c : cases) {
      GroupNorm g = (GroupNorm) c[0];
      Map<String, Double> err = GradientCheck.of(g, dev).input(3, (int[]) c[1])
          .afterInit(() -> randomAffine(g)).run();
      err.forEach((k, v) -> assertTrue(v < 1e-6, g + " " + k + " gradient error " + v));
      g.close();
    }
  }

  @Test
  void badGroupCountsAreClearErrors() {
    GroupNorm g = new GroupNorm(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> g.init(dev, new int[] {8, 2, 2}, new Random(1)));
    assertTrue(e.getMessage().contains("3 groups do not divide 8 channels"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new GroupNorm(-1));
    assertEquals(32, GroupNorm.groupsFor(64, 32));
    assertEquals(16, GroupNorm.groupsFor(16, 32));
    assertEquals(20, GroupNorm.groupsFor(20, 32));
    assertEquals(25, GroupNorm.groupsFor(50, 32));
    assertEquals(1, GroupNorm.groupsFor(7, 4));
  }

  @Test
  void weightStandardizedConvolution() {
    WeightStandardizedConv2d ws = new WeightStandardizedConv2d(3, 3, 1, 1, true);
    Map<String, Double> err = GradientCheck.of(ws, dev).input(2, 2, 4, 4).run();
    err.forEach((k, v) -> assertTrue(v < 1e-6, "WS " + k + " gradient error " + v));
    assertEquals(java.util.List.of("weight", "bias"), ws.parameters().stream().map(p -> p.name()).toList());
    // The convolution ran with standardized filters: mean 0, variance var/(var+eps) ≈ 1 per filter.
    double[] w = ws.conv().weight().value().toDoubleArray();
    int fan = w.length / 3;
    for (int o = 0; o < 3; o++) {
      double m = 0;
      double q = 0;
      for (int i = 0; i < fan; i++) {
        m += w[o * fan + i];
        q += w[o * fan + i] * w[o * fan + i];
      }
      assertEquals(0, m / fan, 1e-12, "filter " + o + " mean");
      assertEquals(1, q / fan, 1e-3, "filter " + o + " variance");
    }
    ws.close();
  }

}
