package io.batchwise.nn.schedule;

import java.util.Locale;

/**
 * Builds a {@link LearningRateSchedule} from its command-line form ({@code --lr-schedule}).
 *
 * <h2>Syntax</h2>
 * <pre>
 *   spec     = [ "warmup:" position "+" ] schedule
 *   schedule = "constant"
 *            | "cosine" [ ":" floor ]
 *            | "step:" position { "," position } ":" gamma
 *   position = integer          an absolute step, e.g. 3000
 *            | decimal          a fraction of the total steps in [0, 1]; must contain a '.', e.g. 0.5
 *            | number "ep"      a number of epochs, e.g. 30ep or 1.5ep
 * </pre>
 * <ul>
 *   <li>{@code constant}: the base learning rate throughout.</li>
 *   <li>{@code cosine[:floor]}: half-cosine from the base rate at step 0 to {@code floor · base} at
 *       the last step; {@code floor} is a factor in [0, 1], default 0.</li>
 *   <li>{@code step:m1,m2,...:gamma}: multiply the rate by {@code gamma} at each milestone (the
 *       milestone step is the first to use the decayed rate). Milestones must be strictly increasing
 *       and inside the run ({@code 1 ≤ m < totalSteps}).</li>
 *   <li>{@code warmup:w+...}: linear warm-up over the first w steps, multiplying the schedule after
 *       the '+' (see {@link WarmupSchedule}); {@code 1 ≤ w ≤ totalSteps}.</li>
 * </ul>
 * Fractions and epochs become steps by rounding to the nearest step. Examples, for a run of 1000
 * steps with 100 per epoch: {@code step:0.5,0.75:0.1} decays ×0.1 at steps 500 and 750;
 * {@code step:3ep,6ep:0.2} at 300 and 600; {@code warmup:50+cosine:0.01} warms up over 50 steps then
 * follows a cosine to 1% of the base rate. Names are case-insensitive; spaces are ignored.
 */
public final class ScheduleParser {
  private final double baseLr;
  private final long totalSteps;
  private final long stepsPerEpoch;
  private String spec = "";

  /**
   * @param baseLr the peak learning rate, finite and ≥ 0
   * @param totalSteps optimizer updates in the whole run, ≥ 1
   * @param stepsPerEpoch updates per epoch, ≥ 1, or 0 when unknown (then "ep" positions are refused)
   */
  public ScheduleParser(double baseLr, long totalSteps, long stepsPerEpoch) {
    LearningRateSchedule.checkRate("learning rate", baseLr);
    if (totalSteps < 1) {
      throw new IllegalArgumentException("a schedule needs total steps >= 1, got " + totalSteps);
    }
    if (stepsPerEpoch < 0) {
      throw new IllegalArgumentException("steps per epoch must be >= 0, got " + stepsPerEpoch);
    }
    this.baseLr = baseLr;
    this.totalSteps = totalSteps;
    this.stepsPerEpoch = stepsPerEpoch;
  }

  /** Shorthand for {@code new ScheduleParser(baseLr, totalSteps, stepsPerEpoch).parse(spec)}. */
  public static LearningRateSchedule parse(String spec, double baseLr, long totalSteps, long stepsPerEpoch) {
    return new ScheduleParser(baseLr, totalSteps, stepsPerEpoch).parse(spec);
  }

  /**
   * @throws IllegalArgumentException naming the spec and what is wrong with it
   */
  public LearningRateSchedule parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty learning-rate schedule; expected one of "
          + "constant | cosine[:floor] | step:m1,m2,...:gamma, optionally prefixed by warmup:w+");
    }
    spec = text;
    String s = text.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
    if (s.startsWith("warmup:")) {
      int plus = s.indexOf('+');
      if (plus < 0) {
        throw error("warm-up must be followed by '+' and a schedule, e.g. warmup:100+cosine");
      }
      long w = position(s.substring("warmup:".length(), plus), "warm-up length");
      if (w < 1 || w > totalSteps) {
        throw error("warm-up length " + w + " steps must be in [1, " + totalSteps + "] (the total steps)");
      }
      return new WarmupSchedule(main(s.substring(plus + 1)), w);
    }
    if (s.contains("+")) {
      throw error("'+' only follows a warm-up prefix, e.g. warmup:100+cosine");
    }
    return main(s);
  }

  private LearningRateSchedule main(String s) {
    String[] parts = s.split(":", -1);
    switch (parts[0]) {
      case "constant":
        if (parts.length != 1) {
          throw error("constant takes no arguments");
        }
        return new ConstantSchedule(baseLr);
      case "cosine": {
        if (parts.length > 2) {
          throw error("cosine takes at most one argument, the floor factor: cosine:0.01");
        }
        double floor = parts.length == 2 ? number(parts[1], "cosine floor factor") : 0.0;
        if (!(floor >= 0 && floor <= 1)) {
          throw error("cosine floor factor must be in [0, 1] (a fraction of the base rate), got " + parts[1]);
        }
        return new CosineSchedule(baseLr, floor * baseLr, totalSteps);
      }
      case "step": {
        if (parts.length != 3 || parts[1].isEmpty()) {
          throw error("step needs milestones and a gamma: step:m1,m2,...:gamma, e.g. step:0.5,0.75:0.1");
        }
        String[] ms = parts[1].split(",", -1);
        long[] milestones = new long[ms.length];
        for (int i = 0; i < ms.length; i++) {
          milestones[i] = position(ms[i], "milestone");
          if (milestones[i] < 1 || milestones[i] >= totalSteps) {
            throw error("milestone " + ms[i] + " is step " + milestones[i] + ", outside the run: milestones"
                + " must be in [1, " + (totalSteps - 1) + "] for " + totalSteps + " total steps");
          }
          if (i > 0 && milestones[i] <= milestones[i - 1]) {
            throw error("milestones must be strictly increasing, but " + ms[i] + " (step " + milestones[i]
                + ") follows " + ms[i - 1] + " (step " + milestones[i - 1] + ")");
          }
        }
        double gamma = number(parts[2], "gamma");
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
          throw error("gamma must be finite and > 0, got " + parts[2]);
        }
        return new StepSchedule(baseLr, milestones, gamma);
      }
      default:
        throw error("unknown schedule '" + parts[0] + "'; expected constant, cosine or step");
    }
  }

  /** An integer step, a decimal fraction of the total, or a number of epochs ("ep"). */
  private long position(String p, String what) {
    if (p.isEmpty()) {
      throw error("missing " + what);
    }
    if (p.endsWith("ep")) {
      if (stepsPerEpoch == 0) {
        throw error(what + " " + p + " is in epochs, but the number of steps per epoch is unknown here");
      }
      double epochs = number(p.substring(0, p.length() - 2), what);
      if (!(epochs >= 0) || Double.isInfinite(epochs)) {
        throw error(what + " must be >= 0 epochs, got " + p);
      }
      return Math.round(epochs * stepsPerEpoch);
    }
    if (p.contains(".")) {
      double f = number(p, what);
      if (!(f >= 0 && f <= 1)) {
        throw error(what + " " + p + " is a fraction of the total steps (it has a '.') and must be in [0, 1]");
      }
      return Math.round(f * totalSteps);
    }
    try {
      return Long.parseLong(p);
    } catch (NumberFormatException e) {
      throw error(what + " '" + p + "' is not a step (integer), a fraction (0.5) or epochs (3ep)");
    }
  }

  private double number(String p, String what) {
    try {
      return Double.parseDouble(p);
    } catch (NumberFormatException e) {
      throw error(what + " '" + p + "' is not a number");
    }
  }

  private IllegalArgumentException error(String problem) {
    return new IllegalArgumentException("learning-rate schedule '" + spec + "': " + problem);
  }
}
