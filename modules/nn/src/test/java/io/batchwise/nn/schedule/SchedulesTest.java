package io.batchwise.nn.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SchedulesTest {

  @Test
  void constantIsConstantAndRefusesNegativeSteps() {
    LearningRateSchedule s = LearningRateSchedule.constant(0.1);
    assertEquals(0.1, s.lr(0));
    assertEquals(0.1, s.lr(Long.MAX_VALUE));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.lr(-1));
    assertEquals("learning-rate schedule step must be >= 0, got -1", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(-0.1));
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(Double.NaN));
  }

  @Test
  void stepDecaysAtEachMilestoneInclusive() {
    LearningRateSchedule s = LearningRateSchedule.step(1.0, new long[] {10, 20}, 0.5);
    assertEquals(1.0, s.lr(0));
    assertEquals(1.0, s.lr(9));
    assertEquals(0.5, s.lr(10));
    assertEquals(0.5, s.lr(19));
    assertEquals(0.25, s.lr(20));
    assertEquals(0.25, s.lr(1_000_000));
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(1, new long[] {20, 10}, 0.5));
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(1, new long[] {0}, 0.5));
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(1, new long[] {5}, 0));
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.step(1, new long[0], 0.5));
  }

  @Test
  void cosineStartsAtBaseHalvesAtMidpointAndEndsAtFloor() {
    LearningRateSchedule s = LearningRateSchedule.cosine(1.0, 0.0, 100);
    assertEquals(1.0, s.lr(0));
    assertEquals(0.5, s.lr(50), 1e-15);
    assertEquals((1 + Math.cos(Math.PI * 0.25)) / 2, s.lr(25), 1e-15);
    assertTrue(s.lr(99) > 0 && s.lr(99) < 0.001);
    assertEquals(0.0, s.lr(100));
    assertEquals(0.0, s.lr(1000));

    LearningRateSchedule f = LearningRateSchedule.cosine(0.4, 0.1, 10);
    assertEquals(0.4, f.lr(0));
    assertEquals(0.25, f.lr(5), 1e-15);
    assertEquals(0.1, f.lr(10));
    for (long t = 1; t <= 10; t++) {
      assertTrue(f.lr(t) < f.lr(t - 1), "monotone decreasing at " + t);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LearningRateSchedule.cosine(0.1, 0.2, 10));
    assertEquals("cosine floor 0.2 is above the base learning rate 0.1", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(0.1, 0, 0));
  }

  @Test
  void warmupRampsLinearlyAndMultipliesTheInnerSchedule() {
    LearningRateSchedule w = LearningRateSchedule.warmup(LearningRateSchedule.constant(1.0), 4);
    assertEquals(0.25, w.lr(0));
    assertEquals(0.5, w.lr(1));
    assertEquals(0.75, w.lr(2));
    assertEquals(1.0, w.lr(3));
    assertEquals(1.0, w.lr(4));

    LearningRateSchedule cos = LearningRateSchedule.cosine(1.0, 0, 8);
    LearningRateSchedule wc = LearningRateSchedule.warmup(cos, 4);
    assertEquals(cos.lr(1) * 2 / 4, wc.lr(1), 0);
    assertEquals(cos.lr(4), wc.lr(4), 0);
    assertEquals(0.0, wc.lr(8));
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.warmup(cos, 0));
    assertTrue(wc.toString().startsWith("linear warm-up over 4 steps, then cosine"), wc.toString());
  }
}
