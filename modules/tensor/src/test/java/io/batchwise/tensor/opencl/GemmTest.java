package io.batchwise.tensor.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.aparapi.device.OpenCLDevice;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link ClGemm.Version} against a double-precision triple loop: odd and prime sizes, k = 0,
 * all four transpose combinations, alpha/beta other than 1/0, operands at nonzero offsets inside
 * one arena, and beta = 0 over a NaN-filled C. Cells around the operands must stay untouched.
 */
class GemmTest {

  /** One arena for the whole class: each ClGemm must always see the same array. */
  // Above 16 MiB, so G1 never moves it (see FloatArenaDevice.MIN_ARENA_BYTES).
  private static final float[] ARENA = new float[(int) (io.batchwise.tensor.FloatArenaDevice.MIN_ARENA_BYTES / 4)];
  private static final Map<ClGemm.Version, ClGemm> GEMMS = new EnumMap<>(ClGemm.Version.class);

  @BeforeAll
  static void openDevice() {
    List<OpenCLDevice> devices = OpenCLDevice.listDevices(null);
    assumeTrue(devices != null && !devices.isEmpty(), "no OpenCL device");
    for (ClGemm.Version v : ClGemm.Version.values()) {
      GEMMS.put(v, new ClGemm(devices.get(0), v));
    }
  }

  @AfterAll
  static void closeDevice() {
    GEMMS.values().forEach(ClGemm::close);
    GEMMS.clear();
  }

  static Stream<Arguments> cases() {
    int[][] shapes = {
        {1, 1, 1}, {17, 31, 13}, {97, 61, 129}, {5, 7, 0}, {8, 16, 32}, {9, 17, 33},
        {3, 200, 5}, {33, 2, 70}, {64, 48, 31}, {23, 40, 257}};
    List<Arguments> out = new ArrayList<>();
    for (ClGemm.Version v : ClGemm.Version.values()) {
      for (int s = 0; s < shapes.length; s++) {
        for (int t = 0; t < 4; t++) {
          out.add(Arguments.of(v, shapes[s][0], shapes[s][1], shapes[s][2], (t & 2) != 0,
              (t & 1) != 0, 31L * s + t));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} m={1} n={2} k={3} tA={4} tB={5}")
  @MethodSource("cases")
  void matchesDoubleReference(ClGemm.Version v, int m, int n, int k, boolean ta, boolean tb,
      long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    check(v, m, n, k, ta, tb, 0.75f, -0.5f, false, rnd);
    check(v, m, n, k, ta, tb, 1.0f, 0.0f, true, rnd);
  }

  @Test
  void convAndDenseShapedProductsMatch() {
    SplittableRandom rnd = new SplittableRandom(7);
    // Scaled-down conv (Cout x CKK x NHW) forward, weight grad, input grad; dense layer shapes.
    check(ClGemm.DEFAULT, 20, 150, 300, false, false, 1f, 0f, true, rnd);
    check(ClGemm.DEFAULT, 20, 150, 300, false, true, 1f, 1f, false, rnd);
    check(ClGemm.DEFAULT, 150, 300, 20, true, false, 1f, 0f, true, rnd);
    check(ClGemm.DEFAULT, 16, 50, 80, false, true, 1f, 0f, true, rnd);
    // Shapes on which the default switches kernel family: a long transB reduction, many rows.
    check(ClGemm.DEFAULT, 10, 130, 2100, false, true, 1f, 0.5f, false, rnd);
    check(ClGemm.DEFAULT, 300, 37, 20, false, false, 1f, 0f, true, rnd);
    check(ClGemm.DEFAULT, 300, 37, 20, true, false, 1f, 0f, true, rnd);
  }

  @Test
  void defaultPicksTheMeasuredFamilyPerProduct() {
    ClGemm.Version v = ClGemm.Version.V10;
    assertEquals(ClGemm.Version.V6, ClGemm.family(v, false, false, 64, 25088, 576));
    assertEquals(ClGemm.Version.V9, ClGemm.family(v, false, false, 1024, 1024, 1024));
    assertEquals(ClGemm.Version.V9, ClGemm.family(v, true, false, 576, 25088, 64));
    assertEquals(ClGemm.Version.V8, ClGemm.family(v, false, true, 64, 576, 25088));
    assertEquals(ClGemm.Version.V5, ClGemm.family(v, false, true, 64, 500, 800));
    assertEquals(ClGemm.Version.V5, ClGemm.family(v, false, true, 20, 25, 36864));
    assertEquals(ClGemm.Version.V9, ClGemm.family(v, true, true, 64, 64, 64));
    assertEquals(ClGemm.Version.V3, ClGemm.family(ClGemm.Version.V3, false, true, 1, 1, 1));
  }

  @Test
  void rejectsBadArguments() {
    ClGemm g = GEMMS.get(ClGemm.DEFAULT);
    assertThrows(IllegalArgumentException.class,
        () -> g.gemm(ARENA, false, false, -1, 2, 2, 1f, 0, 0, 0f, 0));
    assertThrows(IllegalArgumentException.class,
        () -> g.gemm(ARENA, false, false, 4, 4, 4, 1f, ARENA.length - 8, 0, 0f, 64));
    // Bind the arena first (a valid empty call), then a different array must be refused.
    g.gemm(ARENA, false, false, 0, 0, 0, 1f, 0, 0, 0f, 0);
    assertThrows(IllegalArgumentException.class,
        () -> g.gemm(new float[16], false, false, 1, 1, 1, 1f, 0, 1, 0f, 2));
  }

  /** Places A, B, C at odd offsets with guard cells between them, runs, compares. */
  private static void check(ClGemm.Version v, int m, int n, int k, boolean ta, boolean tb,
      float alpha, float beta, boolean nanC, SplittableRandom rnd) {
    int guard = 19;
    int aOff = 5 + rnd.nextInt(7);
    int bOff = aOff + m * k + guard;
    int cOff = bOff + k * n + guard;
    int end = cOff + m * n + guard;
    assertTrue(end <= ARENA.length, "test arena too small");
    for (int i = 0; i < end; i++) {
      ARENA[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    if (nanC) {
      java.util.Arrays.fill(ARENA, cOff, cOff + m * n, Float.NaN);
    }
    float[] before = java.util.Arrays.copyOf(ARENA, end);

    GEMMS.get(v).gemm(ARENA, ta, tb, m, n, k, alpha, aOff, bOff, beta, cOff);

    for (int i = 0; i < end; i++) {
      if (i < cOff || i >= cOff + m * n) {
        assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(ARENA[i]),
            v + ": cell " + i + " outside C was written");
      }
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double sum = 0;
        double abs = 0;
        for (int p = 0; p < k; p++) {
          double a = before[aOff + (ta ? p * m + i : i * k + p)];
          double b = before[bOff + (tb ? j * k + p : p * n + j)];
          sum += a * b;
          abs += Math.abs(a * b);
        }
        double c0 = beta == 0f ? 0 : before[cOff + i * n + j];
        double want = alpha * sum + beta * c0;
        double tol = 1e-6 * Math.sqrt(k + 1.0) * (Math.abs(alpha) * abs + Math.abs(beta * c0))
            + 1e-6;
        float got = ARENA[cOff + i * n + j];
        if (!(Math.abs(got - want) <= tol)) {
          throw new AssertionError(String.format(
              "%s m=%d n=%d k=%d tA=%b tB=%b: C[%d][%d] = %s, want %s", v, m, n, k, ta, tb, i, j,
              got, want));
        }
      }
    }
  }
}
