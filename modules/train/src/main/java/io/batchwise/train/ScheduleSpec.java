package io.batchwise.train;

import io.batchwise.nn.schedule.LearningRateSchedule;
import io.batchwise.nn.schedule.ScheduleParser;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a {@code --lr-schedule} spec into a schedule for a run of known length, through
 * {@link ScheduleParser}, with one adjustment: a warm-up given as a fraction of the run (e.g. the
 * default {@code warmup:0.1+cosine}) lasts at least one step, so the default also works for runs
 * of fewer than 10 steps (tests, quick trials) instead of failing with "warm-up length 0".
 */
public final class ScheduleSpec {
  private static final Pattern FRACTION_WARMUP = Pattern.compile("^warmup:(\\d*\\.\\d*)\\+(.*)$");

  private ScheduleSpec() {}

  /** The schedule of {@code spec} for a run of {@code totalSteps} steps (see the class comment). */
  public static LearningRateSchedule build(String spec, double lr, long totalSteps, long stepsPerEpoch) {
    String s = spec.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
    Matcher m = FRACTION_WARMUP.matcher(s);
    if (m.matches()) {
      try {
        double f = Double.parseDouble(m.group(1));
        if (f > 0 && f <= 1 && Math.round(f * totalSteps) < 1) {
          s = "warmup:1+" + m.group(2);
        }
      } catch (NumberFormatException e) {
        // Leave it to the parser, which names the problem.
      }
    }
    return ScheduleParser.parse(s, lr, totalSteps, stepsPerEpoch);
  }
}
