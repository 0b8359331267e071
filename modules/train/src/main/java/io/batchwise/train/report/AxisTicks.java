package io.batchwise.train.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Tick positions and labels for one chart axis.
 *
 * <p>Linear axes use Heckbert's nice numbers (Graphics Gems, 1990): the step is the nice number
 * (1, 2, 5 or 10 times a power of ten) at or above the range split evenly into the wanted number
 * of intervals, and the axis spans whole steps from below the smallest value to above the largest. Logarithmic axes tick
 * at powers of ten, adding the 2 and 5 multiples when the data spans fewer than two decades.
 *
 * @param lo lower end of the axis (data space; for a log axis, a positive value)
 * @param hi upper end of the axis, {@code > lo}
 * @param values the tick positions, ascending, within [lo, hi]
 * @param labels one label per tick
 * @param log whether the axis is logarithmic (positions map by log10)
 */
public record AxisTicks(double lo, double hi, List<Double> values, List<String> labels,
    boolean log) {

  /** Ticks for a linear axis covering [min, max] with at most about {@code maxTicks} ticks. */
  public static AxisTicks linear(double min, double max, int maxTicks) {
    return linear(min, max, maxTicks, false);
  }

  /**
   * Ticks for a linear axis covering [min, max]; with {@code integer} the step is a whole number
   * (epochs, steps, workers: no tick at 1.5).
   */
  public static AxisTicks linear(double min, double max, int maxTicks, boolean integer) {
    checkFinite(min, max);
    if (maxTicks < 2) {
      throw new IllegalArgumentException("an axis needs at least 2 ticks, got " + maxTicks);
    }
    if (min == max) {
      // A flat series: give it a visible band around its value.
      double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
      min -= pad;
      max += pad;
    }
    // The smallest nice step at or above an even split keeps the count at most maxTicks + 1.
    double step = nice((max - min) / (maxTicks - 1), false);
    if (integer) {
      step = Math.max(1, step);
    }
    double lo = Math.floor(min / step) * step;
    double hi = Math.ceil(max / step) * step;
    int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
    List<Double> values = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    long n = Math.round((hi - lo) / step);
    for (long i = 0; i <= n; i++) {
      double v = lo + i * step;
      if (Math.abs(v) < step * 1e-9) {
        v = 0; // no "-0.0" label
      }
      values.add(v);
      labels.add(format(v, decimals, step));
    }
    return new AxisTicks(lo, hi, Collections.unmodifiableList(values),
        Collections.unmodifiableList(labels), false);
  }

  /**
   * Ticks for a log10 axis covering [min, max]; both must be positive. The axis ends at the ticks
   * just outside the data (powers of ten, or 1-2-5 multiples when the data spans at most two
   * decades).
   */
  public static AxisTicks log10(double min, double max) {
    checkFinite(min, max);
    if (min <= 0 || max <= 0) {
      throw new IllegalArgumentException("a logarithmic axis needs positive values, got range ["
          + min + ", " + max + "]");
    }
    int first = (int) Math.floor(Math.log10(min) + 1e-12);
    int last = (int) Math.ceil(Math.log10(max) - 1e-12);
    if (last == first) {
      last++;
    }
    boolean fine = last - first <= 2;
    List<Double> all = new ArrayList<>();
    List<String> allLabels = new ArrayList<>();
    for (int e = first; e <= last; e++) {
      for (int mult : fine ? new int[] {1, 2, 5} : new int[] {1}) {
        if (e == last && mult > 1) {
          break;
        }
        all.add(mult * Math.pow(10, e));
        allLabels.add(formatLog(mult * Math.pow(10, e), e));
      }
    }
    // Keep the ticks from the last one at or below min to the first one at or above max.
    int from = 0;
    while (from + 1 < all.size() && all.get(from + 1) <= min * (1 + 1e-12)) {
      from++;
    }
    int to = all.size() - 1;
    while (to - 1 > from && all.get(to - 1) >= max * (1 - 1e-12)) {
      to--;
    }
    return new AxisTicks(all.get(from), all.get(to),
        Collections.unmodifiableList(new ArrayList<>(all.subList(from, to + 1))),
        Collections.unmodifiableList(new ArrayList<>(allLabels.subList(from, to + 1))), true);
  }

  /** Where value v falls on this axis, as a fraction of its length (0 at lo, 1 at hi). */
  public double fraction(double v) {
    if (log) {
      return (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    }
    return (v - lo) / (hi - lo);
  }

  /** Heckbert's nice number near x: rounded (for steps) or the next one up (for ranges). */
  static double nice(double x, boolean round) {
    double exp = Math.floor(Math.log10(x));
    double f = x / Math.pow(10, exp);
    double nf;
    if (round) {
      nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    } else {
      nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    }
    return nf * Math.pow(10, exp);
  }

  private static String format(double v, int decimals, double step) {
    if (step >= 1e6 || (step < 1e-4 && v != 0)) {
      return String.format(Locale.ROOT, "%.3g", v);
    }
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private static String formatLog(double v, int exponent) {
    if (exponent >= 0 && exponent <= 5) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (exponent < 0 && exponent >= -3) {
      return String.format(Locale.ROOT, "%." + (-exponent) + "f", v);
    }
    return String.format(Locale.ROOT, "%.0e", v);
  }

  private static void checkFinite(double min, double max) {
    if (!Double.isFinite(min) || !Double.isFinite(max) || min > max) {
      throw new IllegalArgumentException("an axis needs a finite range min <= max, got [" + min
          + ", " + max + "]");
    }
  }
}
