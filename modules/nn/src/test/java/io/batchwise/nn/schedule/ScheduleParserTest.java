package io.batchwise.nn.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A run of 1000 steps, 100 per epoch, base rate 0.1, unless a test says otherwise. */
class ScheduleParserTest {
  private final ScheduleParser parser = new ScheduleParser(0.1, 1000, 100);

  @Test
  void constantAndCosine() {
    LearningRateSchedule c = parser.parse("constant");
    assertEquals(0.1, c.lr(0));
    assertEquals(0.1, c.lr(999));

    LearningRateSchedule cos = parser.parse(" Cosine ");
    assertEquals(0.1, cos.lr(0));
    assertEquals(0.05, cos.lr(500), 1e-15);
    assertEquals(0.0, cos.lr(1000));

    LearningRateSchedule floor = parser.parse("cosine:0.01");
    assertEquals(0.1 * 0.01, floor.lr(1000), 1e-18);
  }

  @Test
  void stepMilestonesAsFractionsStepsOrEpochs() {
    assertArrayEquals(new long[] {500, 750}, milestones("step:0.5,0.75:0.1"));
    assertArrayEquals(new long[] {300, 600}, milestones("step:300,600:0.1"));
    assertArrayEquals(new long[] {300, 650}, milestones("step:3ep,6.5ep:0.1"));
    LearningRateSchedule s = parser.parse("step:0.5,0.75:0.5");
    assertEquals(0.1, s.lr(499));
    assertEquals(0.05, s.lr(500));
    assertEquals(0.025, s.lr(750));
  }

  @Test
  void warmupPrefixWrapsAnySchedule() {
    LearningRateSchedule s = parser.parse("warmup:50+cosine:0.01");
    WarmupSchedule w = assertInstanceOf(WarmupSchedule.class, s);
    assertEquals(50, w.warmupSteps());
    LearningRateSchedule cos = parser.parse("cosine:0.01");
    assertEquals(cos.lr(0) / 50, s.lr(0), 1e-18);
    assertEquals(cos.lr(49), s.lr(49), 0);
    assertEquals(cos.lr(50), s.lr(50), 0);
    assertEquals(100, assertInstanceOf(WarmupSchedule.class, parser.parse("warmup:1ep+constant")).warmupSteps());
    assertEquals(100, assertInstanceOf(WarmupSchedule.class, parser.parse("warmup:0.1+step:0.5:0.1")).warmupSteps());
  }

  @Test
  void errorsNameTheSpecAndTheProblem() {
    assertError("", "empty learning-rate schedule");
    assertError("linear", "'linear': unknown schedule 'linear'; expected constant, cosine or step");
    assertError("step:0.5", "step needs milestones and a gamma");
    assertError("step:0.75,0.5:0.1", "milestones must be strictly increasing, but 0.5 (step 500) follows 0.75");
    assertError("step:1.5:0.1", "milestone 1.5 is a fraction of the total steps (it has a '.') and must be in [0, 1]");
    assertError("step:1000:0.1", "milestone 1000 is step 1000, outside the run: milestones must be in [1, 999]");
    assertError("step:0.5:0", "gamma must be finite and > 0, got 0");
    assertError("step:abc:0.1", "milestone 'abc' is not a step (integer), a fraction (0.5) or epochs (3ep)");
    assertError("cosine:2", "cosine floor factor must be in [0, 1]");
    assertError("cosine:x", "cosine floor factor 'x' is not a number");
    assertError("constant:1", "constant takes no arguments");
    assertError("warmup:0+constant", "warm-up length 0 steps must be in [1, 1000]");
    assertError("warmup:10", "warm-up must be followed by '+' and a schedule");
    assertError("cosine+constant", "'+' only follows a warm-up prefix");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScheduleParser.parse("step:3ep:0.1", 0.1, 1000, 0));
    assertEquals("learning-rate schedule 'step:3ep:0.1': milestone 3ep is in epochs, but the number of steps"
        + " per epoch is unknown here", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ScheduleParser(0.1, 0, 1));
  }

  private long[] milestones(String spec) {
    return assertInstanceOf(StepSchedule.class, parser.parse(spec)).milestones();
  }

  private void assertError(String spec, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parser.parse(spec));
    if (!e.getMessage().contains(fragment)) {
      throw new AssertionError("message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }
  }
}
