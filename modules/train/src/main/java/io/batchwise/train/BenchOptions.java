package io.batchwise.train;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code --name value} options of the benchmark runners (ScalingBench, ScalingProjection,
 * OverlapBench, ParallelStepBench): every option has a default, and the command line may only
 * replace defaults that exist.
 */
public final class BenchOptions {
  private BenchOptions() {
  }

  /**
   * Puts each {@code --name value} of {@code args} over the default of that name in {@code options}.
   *
   * @throws UsageException naming the first argument that is not a known option with a value, and
   *     the options there are
   */
  public static void apply(Map<String, String> options, String[] args) throws UsageException {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || i + 1 >= args.length || !options.containsKey(a.substring(2))) {
        throw new UsageException("unknown or incomplete option '" + a + "'; options: --"
            + String.join(" --", options.keySet()));
      }
      options.put(a.substring(2), args[++i]);
    }
  }

  /**
   * The value of the switch {@code name}: true for {@code on}, false for {@code off}.
   *
   * @throws UsageException naming the option and the value when it is neither
   */
  public static boolean onOff(Map<String, String> options, String name) throws UsageException {
    String v = options.get(name);
    if ("on".equals(v) || "off".equals(v)) {
      return v.equals("on");
    }
    throw new UsageException("--" + name + " takes on or off, got '" + v + "'");
  }

  /** {@link #onOff}, or the message on stderr after {@code program} and exit status 2. */
  public static boolean onOffOrExit(String program, Map<String, String> options, String name) {
    try {
      return onOff(options, name);
    } catch (UsageException e) {
      System.err.println(program + ": " + e.getMessage());
      System.exit(2);
      return false;
    }
  }

  /**
   * What {@code parse} returns, or, when it throws {@link IllegalArgumentException} (a value that
   * names its problem), that message on stderr after {@code program} and exit status 2.
   */
  public static <T> T orExit(String program, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      System.err.println(program + ": " + e.getMessage());
      System.exit(2);
      return null;
    }
  }

  /** {@link #apply}, or the message on stderr after {@code program} and exit status 2. */
  public static void applyOrExit(String program, Map<String, String> options, String[] args) {
    try {
      apply(options, args);
    } catch (UsageException e) {
      System.err.println(program + ": " + e.getMessage());
      System.exit(2);
    }
  }
}
