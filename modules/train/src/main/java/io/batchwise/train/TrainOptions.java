package io.batchwise.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command-line options of {@link TrainMain}: parsing into a {@link TrainConfig} and the
 * {@code --help} text. Options take {@code --name value} or {@code --name=value}; flags take no value.
 * Every problem is a {@link UsageException} naming the option and the value.
 */
public final class TrainOptions {

  /** What to do after parsing. */
  public record Parsed(TrainConfig config, boolean help) {}

  @FunctionalInterface
  private interface Setter {
    void set(TrainConfig.Builder b, String value) throws UsageException;
  }

  private record Option(String name, String arg, String defaultText, String help, Setter setter) {
    boolean isFlag() {
      return arg == null;
    }
  }

  private static final Map<String, Option> OPTIONS = new LinkedHashMap<>();

  private static void add(String name, String arg, String defaultText, String help, Setter setter) {
    OPTIONS.put(name, new Option(name, arg, defaultText, help, setter));
  }

  static {
    TrainConfig d = TrainConfig.DEFAULTS;
    add("--model", "NAME", d.model(), "network to train; valid: " + String.join(", ", Catalog.models()),
        (b, v) -> b.model(v));
    add("--norm", "NAME", d.norm(), "normalization layer the model uses; valid: "
        + String.join(", ", Catalog.norms()), (b, v) -> b.norm(v));
    add("--epochs", "N", "" + d.epochs(), "passes over the training set",
        (b, v) -> b.epochs(integer("--epochs", v)));
    add("--batch-size", "N", "" + d.batchSize(), "global batch size (samples per optimizer step)",
        (b, v) -> b.batchSize(integer("--batch-size", v)));
    add("--lr", "X", "" + d.lr(), "peak learning rate (reached after the warm-up)",
        (b, v) -> b.lr(decimal("--lr", v)));
    add("--momentum", "X", "" + d.momentum(), "SGD momentum in [0, 1) (PyTorch convention)",
        (b, v) -> b.momentum(decimal("--momentum", v)));
    add("--nesterov", null, "off", "use Nesterov momentum", (b, v) -> b.nesterov(true));
    add("--weight-decay", "X", "" + d.weightDecay(), "L2 weight decay (weights only by default)",
        (b, v) -> b.weightDecay(decimal("--weight-decay", v)));
    add("--decay-norm-and-bias", null, "off", "apply weight decay to norm parameters and biases too",
        (b, v) -> b.decayNormAndBias(true));
    add("--lr-schedule", "SPEC", d.schedule(), "learning-rate schedule: [warmup:W+](constant | "
        + "cosine[:floor] | step:m1,m2,...:gamma); W and milestones are steps (100), fractions of the "
        + "run (0.05) or epochs (1ep)", (b, v) -> b.schedule(v));
    add("--seed", "N", "" + d.seed(), "seed of weights, shuffling and synthetic data (same seed, same run)",
        (b, v) -> b.seed(longInteger("--seed", v)));
    add("--device", "SPEC", d.device(), "compute device: auto | opencl | opencl:N | java | reference",
        (b, v) -> b.device(v));
    add("--device-memory-mb", "N", "" + d.deviceMemoryMb(), "size of the device memory arena in MiB",
        (b, v) -> b.deviceMemoryMb(integer("--device-memory-mb", v)));
    add("--data", "NAME", d.data(), "data set: fashion-mnist | cifar10 | synthetic; the Spark job "
        + "also reads tables: parquet:<path>[?options] | table:<name>[?options]", (b, v) -> b.data(v));
    add("--data-dir", "DIR", d.dataDir().toString(), "directory of the Fashion-MNIST IDX files "
        + "(installed by ./batchwise setup), or for cifar10 the cifar-10-batches-bin folder",
        (b, v) -> b.dataDir(Path.of(v)));
    add("--synthetic-train", "N", "" + d.syntheticTrain(), "training samples of --data synthetic",
        (b, v) -> b.syntheticTrain(integer("--synthetic-train", v)));
    add("--synthetic-test", "N", "" + d.syntheticTest(), "test samples of --data synthetic",
        (b, v) -> b.syntheticTest(integer("--synthetic-test", v)));
    add("--train-limit", "N", "0 (all)", "train on the first N training samples only (quick runs)",
        (b, v) -> b.trainLimit(integer("--train-limit", v)));
    add("--test-limit", "N", "0 (all)", "evaluate on the first N test samples only",
        (b, v) -> b.testLimit(integer("--test-limit", v)));
    add("--run-dir", "DIR", "runs/<yyyyMMdd-HHmmss>", "folder for summary.json, metrics and checkpoints",
        (b, v) -> b.runDir(Path.of(v)));
    add("--workers", "N", "" + d.workers(), "data-parallel workers (1 here; several with the Spark job)",
        (b, v) -> b.workers(integer("--workers", v)));
    add("--eval-batch-size", "N", "" + d.evalBatchSize(), "batch size of the evaluation passes",
        (b, v) -> b.evalBatchSize(integer("--eval-batch-size", v)));
    add("--no-checkpoints", null, "checkpoint every epoch", "do not write a checkpoint after each epoch",
        (b, v) -> b.checkpoints(false));
    add("--no-progress", null, "progress shown", "no progress indicator (for logs)",
        (b, v) -> b.progress(false));
    add("--help", null, "", "print this help and exit", (b, v) -> { });
  }

  private TrainOptions() {}

  /**
   * Parses {@code args} on top of {@link TrainConfig#DEFAULTS}.
   *
   * @throws UsageException for an unknown option, a missing or malformed value, or settings that
   *     {@link TrainConfig} refuses
   */
  public static Parsed parse(String[] args) throws UsageException {
    return parse(args, TrainConfig.DEFAULTS);
  }

  /**
   * Parses {@code args} on top of {@code base} (the distributed job's defaults differ from the
   * single-worker trainer's: SyncBN, 2 workers); {@code --help} returns {@code base}.
   */
  public static Parsed parse(String[] args, TrainConfig base) throws UsageException {
    TrainConfig.Builder b = base.toBuilder();
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      if (name.equals("-h")) {
        name = "--help";
      }
      Option o = OPTIONS.get(name);
      if (o == null) {
        throw new UsageException((a.startsWith("-") ? "unknown option " : "unexpected argument ")
            + "'" + a + "'" + suggestion(name) + "; see --help for the options");
      }
      if (o.isFlag()) {
        if (value != null) {
          throw new UsageException("option " + name + " takes no value, got '" + value + "'");
        }
      } else if (value == null) {
        if (i + 1 >= args.length) {
          throw new UsageException("option " + name + " needs a value (" + o.arg() + ")");
        }
        value = args[++i];
      }
      if (name.equals("--help")) {
        help = true;
      }
      o.setter().set(b, value);
    }
    if (help) {
      return new Parsed(base, true);
    }
    try {
      return new Parsed(b.build(), false);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The {@code --help} text: every option, its default and meaning. */
  public static String help() {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: batchwise train [options]\n\n")
        .append("Trains a CNN on one worker and writes a run folder with summary.json, metrics.jsonl,\n")
        .append("metrics.csv and a checkpoint per epoch. Defaults are the acceptance run: lenet-bn\n")
        .append("with BatchNorm on Fashion-MNIST, 2 epochs, batch 64.\n\nOptions:\n");
    sb.append(optionsText(Map.of(), Map.of()));
    sb.append("\nExit codes: 0 success, 1 a failure while training, 2 bad command-line input.\n");
    return sb.toString();
  }

  /**
   * One line (or two) per option: name, argument, meaning and default, for the help of a command
   * built on these options. {@code defaults} replaces the default shown for an option (a command
   * with other defaults), {@code helps} its meaning.
   */
  public static String optionsText(Map<String, String> defaults, Map<String, String> helps) {
    StringBuilder sb = new StringBuilder();
    for (Option o : OPTIONS.values()) {
      line(sb, o.name() + (o.isFlag() ? "" : " " + o.arg()), helps.getOrDefault(o.name(), o.help()),
          defaults.getOrDefault(o.name(), o.defaultText()));
    }
    return sb.toString();
  }

  /** Appends one option line in the help layout (also for commands that add options). */
  public static void line(StringBuilder sb, String nameAndArg, String help, String defaultText) {
    String head = "  " + nameAndArg;
    sb.append(head);
    sb.append(" ".repeat(Math.max(1, 28 - head.length())));
    if (head.length() >= 28) {
      sb.append('\n').append(" ".repeat(28));
    }
    sb.append(help);
    if (!defaultText.isEmpty()) {
      sb.append(" [default: ").append(defaultText).append(']');
    }
    sb.append('\n');
  }

  /** Whether {@code name} (e.g. {@code --model}) is one of these options; {@code -h} counts. */
  public static boolean isOption(String name) {
    return OPTIONS.containsKey(name) || name.equals("-h");
  }

  /** Whether option {@code name} is a flag (takes no value). */
  public static boolean isFlag(String name) {
    Option o = OPTIONS.get(name.equals("-h") ? "--help" : name);
    return o != null && o.isFlag();
  }

  /** All option names, in help order. */
  public static List<String> names() {
    return new ArrayList<>(OPTIONS.keySet());
  }

  private static String suggestion(String name) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String n : OPTIONS.keySet()) {
      int d = distance(name.toLowerCase(Locale.ROOT), n);
      if (d < bestD) {
        bestD = d;
        best = n;
      }
    }
    return best != null && bestD <= 3 ? " (did you mean " + best + "?)" : "";
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  static int integer(String option, String v) throws UsageException {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("option " + option + " needs an integer, got '" + v + "'");
    }
  }

  static long longInteger(String option, String v) throws UsageException {
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("option " + option + " needs an integer, got '" + v + "'");
    }
  }

  static double decimal(String option, String v) throws UsageException {
    try {
      double d = Double.parseDouble(v.trim());
      if (!Double.isFinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new UsageException("option " + option + " needs a finite number, got '" + v + "'");
    }
  }
}
