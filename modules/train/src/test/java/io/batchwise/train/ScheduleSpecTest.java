package io.batchwise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.batchwise.nn.schedule.LearningRateSchedule;
import org.junit.jupiter.api.Test;

class ScheduleSpecTest {

  @Test
  void fractionalWarmupLastsAtLeastOneStep() {
    // 0.05 of 8 steps rounds to 0: the warm-up becomes 1 step, so step 0 already has the full rate.
    LearningRateSchedule s = ScheduleSpec.build("warmup:0.05+cosine", 0.1, 8, 4);
    assertEquals(0.1, s.lr(0), 1e-12);
    assertEquals(0.0, s.lr(8), 1e-12);
  }

  @Test
  void longRunsKeepTheRequestedFraction() {
    // 1874 steps (2 Fashion-MNIST epochs at batch 64): 0.05 is 94 warm-up steps.
    LearningRateSchedule s = ScheduleSpec.build("warmup:0.05+cosine", 0.05, 1874, 937);
    assertEquals(0.05 / 94, s.lr(0), 1e-12);
    assertEquals(s.lr(93), 0.05 * 0.5 * (1 + Math.cos(Math.PI * 93 / 1874)), 1e-12);
  }

  @Test
  void otherSpecsGoToTheParserUnchanged() {
    assertEquals(0.2, ScheduleSpec.build("constant", 0.2, 10, 5).lr(7), 0);
    assertThrows(IllegalArgumentException.class, () -> ScheduleSpec.build("warmup:20+cosine", 0.1, 10, 5));
  }
}
