package io.batchwise.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AxisTicksTest {

  @Test
  void linearTicksAreNiceNumbersCoveringTheData() {
    AxisTicks t = AxisTicks.linear(0.23, 2.31, 7);
    assertEquals(List.of("0.0", "0.5", "1.0", "1.5", "2.0", "2.5"), t.labels());
    assertEquals(0.0, t.lo(), 1e-12);
    assertEquals(2.5, t.hi(), 1e-12);

    t = AxisTicks.linear(1, 10, 8);
    assertEquals(List.of("0", "2", "4", "6", "8", "10"), t.labels());

    t = AxisTicks.linear(1, 3, 8, true);
    assertEquals(List.of("1", "2", "3"), t.labels(), "integer axis: no tick at 1.5");

    t = AxisTicks.linear(-0.03, 0.07, 6);
    assertEquals(List.of("-0.04", "-0.02", "0.00", "0.02", "0.04", "0.06", "0.08"), t.labels(),
        "negative range, no '-0.00'");
  }

  @Test
  void flatRangeGetsABand() {
    AxisTicks t = AxisTicks.linear(5, 5, 7);
    assertTrue(t.lo() < 5 && t.hi() > 5, t.toString());
    AxisTicks z = AxisTicks.linear(0, 0, 7);
    assertTrue(z.lo() < 0 && z.hi() > 0, z.toString());
  }

  @Test
  void niceNumbers() {
    assertEquals(5.0, AxisTicks.nice(3.7, true), 1e-12);
    assertEquals(2.0, AxisTicks.nice(1.6, true), 1e-12);
    assertEquals(0.1, AxisTicks.nice(0.12, true), 1e-12);
    assertEquals(5.0, AxisTicks.nice(3.7, false), 1e-12);
    assertEquals(1000.0, AxisTicks.nice(520, false), 1e-9);
  }

  @Test
  void logTicksArePowersOfTen() {
    AxisTicks t = AxisTicks.log10(1, 1000);
    assertEquals(List.of("1", "10", "100", "1000"), t.labels());
    assertEquals(0.5, t.fraction(Math.sqrt(1000)), 1e-12);
    AxisTicks fine = AxisTicks.log10(1, 16);
    assertEquals(List.of("1", "2", "5", "10", "20"), fine.labels(),
        "up to two decades get 2 and 5 multiples; the axis ends at the first tick above the data");
    assertEquals(20.0, fine.hi(), 1e-12);
    AxisTicks mid = AxisTicks.log10(3, 70);
    assertEquals(List.of("2", "5", "10", "20", "50", "100"), mid.labels());
    assertEquals(List.of("1", "10", "100", "1000"), AxisTicks.log10(3, 700).labels(),
        "three decades: powers of ten only");
    assertThrows(IllegalArgumentException.class, () -> AxisTicks.log10(0, 10));
    assertThrows(IllegalArgumentException.class, () -> AxisTicks.linear(Double.NaN, 1, 5));
  }
}
