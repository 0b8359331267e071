package io.batchwise.train.study;

import io.batchwise.data.FashionMnist;
import io.batchwise.data.MissingDataException;
import io.batchwise.data.SyntheticDataset;
import io.batchwise.data.TrainTestSplit;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code ./batchwise bench study [--quick]}: runs the BatchNorm study's experiments and writes
 * {@code study.json}, {@code study.md}, CSVs and PNGs.
 *
 * <p>Exit codes: 0 done; 2 bad usage or missing data (one line naming the problem); 1 a failure
 * while running.
 */
public final class StudyMain {
  static final String USAGE = String.join("\n",
      "Usage: bench study [--quick] [--only 1,2,...] [--out DIR] [--seed N] [--device SPEC] [--data-dir DIR]",
      "  The BatchNorm study: six small reproductions of published claims on Fashion-MNIST.",
      "  (default)    the full variant (about 25 minutes on two busy cores); writes bench/results/",
      "  --quick      the short variant (a few minutes); writes bench/results/study-quick/",
      "  --only LIST  run only these experiments (1 per-worker batch, 2 PreciseBN, 3 non-i.i.d.,",
      "               4 train/test inconsistency, 5 loss landscape, 6 domain shift)",
      "  --out DIR    output folder",
      "  --seed N     base seed (default 42); every run's seed is recorded",
      "  --device S   auto | opencl | opencl:N | java | reference (default auto)",
      "  --data-dir D Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)",
      "  --smoke      tiny sizes on synthetic data (the test suite's smoke run)");

  private static final Map<Integer, Function<StudyContext, ExperimentResult>> EXPERIMENTS = new LinkedHashMap<>();

  static {
    EXPERIMENTS.put(1, PerWorkerBatchStudy::run);
    EXPERIMENTS.put(2, PreciseBnStudy::run);
    EXPERIMENTS.put(3, NonIidStudy::run);
    EXPERIMENTS.put(4, TrainTestInconsistencyStudy::run);
    EXPERIMENTS.put(5, LossLandscapeStudy::run);
    EXPERIMENTS.put(6, DomainShiftStudy::run);
  }

  private StudyMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the study and returns its exit code (tests call this). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    StudyContext.Size size = StudyContext.Size.FULL;
    Set<Integer> only = new LinkedHashSet<>(EXPERIMENTS.keySet());
    Path outDir = null;
    long seed = 42;
    String device = "auto";
    String root = System.getProperty("batchwise.root", ".");
    Path dataDir = Path.of(System.getProperty("batchwise.fashionMnist", FashionMnist.DEFAULT_DIR.toString()));
    boolean synthetic = false;
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--quick" -> size = size == StudyContext.Size.SMOKE ? size : StudyContext.Size.QUICK;
          case "--smoke" -> {
            size = StudyContext.Size.SMOKE;
            synthetic = true;
          }
          case "--only" -> {
            only.clear();
            for (String s : value(args, ++i, a).split(",")) {
              int id;
              try {
                id = Integer.parseInt(s.trim());
              } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--only takes experiment numbers 1-6, got '" + s + "'");
              }
              if (!EXPERIMENTS.containsKey(id)) {
                throw new IllegalArgumentException("--only: no experiment " + id + " (valid: 1-6)");
              }
              only.add(id);
            }
          }
          case "--out" -> outDir = Path.of(value(args, ++i, a));
          case "--seed" -> {
            try {
              seed = Long.parseLong(value(args, ++i, a));
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("--seed takes an integer, got '" + args[i] + "'");
            }
          }
          case "--device" -> device = value(args, ++i, a);
          case "--data-dir" -> dataDir = Path.of(value(args, ++i, a));
          case "--help", "-h" -> {
            out.println(USAGE);
            return 0;
          }
          default -> throw new IllegalArgumentException("unknown option '" + a + "'");
        }
      }
    } catch (IllegalArgumentException e) {
      err.println("bench study: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (outDir == null) {
      outDir = size == StudyContext.Size.FULL ? Path.of(root, "bench", "results")
          : Path.of(root, "bench", "results", "study-" + size.label());
    }
    TrainTestSplit data;
    try {
      data = synthetic
          ? new TrainTestSplit(SyntheticDataset.mnistLike(512, seed), SyntheticDataset.mnistLike(512, seed)
              .split("test", 256, 1))
          : FashionMnist.load(dataDir);
    } catch (MissingDataException e) {
      err.println("bench study: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("bench study: cannot read Fashion-MNIST from " + dataDir + ": " + e.getMessage());
      return 1;
    }
    Device dev;
    try {
      // The smoke run (inside the test JVM, beside other tests' devices) needs a fraction of the
      // arena the full-size experiments use.
      dev = Devices.open(device, DeviceOptions.withMemoryMb(size == StudyContext.Size.SMOKE ? 256 : 1024));
    } catch (IllegalArgumentException e) {
      err.println("bench study: cannot open device '" + device + "': " + e.getMessage());
      return 2;
    }
    List<String> command = new ArrayList<>(List.of("./batchwise", "bench", "study"));
    command.addAll(List.of(args));
    Map<String, Object> runInfo = new LinkedHashMap<>();
    runInfo.put("command", String.join(" ", command));
    runInfo.put("size", size.label());
    runInfo.put("seed", seed);
    runInfo.put("experiments_run", List.copyOf(only));
    runInfo.put("started_at", Instant.now().toString());
    runInfo.put("load_average_start", loadAverage());
    runInfo.put("cpus", Runtime.getRuntime().availableProcessors());
    runInfo.put("java", System.getProperty("java.version"));
    runInfo.put("data", synthetic ? "synthetic (mnist-like)" : dataDir.toString());
    runInfo.put("simulation", "SyncBN = BatchNorm over the global batch in one forward; per-worker BN = GhostBatchNorm "
        + "with ghost size b; per-worker Batch Renorm = one forward per worker with summed gradients (see the "
        + "package comment of io.batchwise.train.study)");
    long t0 = System.nanoTime();
    List<ExperimentResult> results = new ArrayList<>();
    try (dev) {
      runInfo.put("device", dev.name() + " (" + dev.description() + ")");
      StudyContext ctx = new StudyContext(dev, data.train(), data.test(), size, seed, out, List.copyOf(command));
      ctx.say("%s variant, experiments %s, device %s, output %s", size.label(), only, dev.name(), outDir);
      for (int id : only) {
        long te = System.nanoTime();
        ExperimentResult r = EXPERIMENTS.get(id).apply(ctx);
        r.seconds = (System.nanoTime() - te) * 1e-9;
        results.add(r);
        ctx.say("experiment %d done in %.0f s: direction reproduced: %s", id, r.seconds, r.reproduced);
        runInfo.put("wall_seconds", (System.nanoTime() - t0) * 1e-9);
        runInfo.put("load_average_end", loadAverage());
        StudyReport.write(outDir, runInfo, results); // after each experiment: a crash keeps what was done
      }
      runInfo.put("finished_at", Instant.now().toString());
      StudyReport.write(outDir, runInfo, results);
    } catch (IOException e) {
      err.println("bench study: cannot write results to " + outDir + ": " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      err.println("bench study: failed: " + e);
      return 1;
    }
    out.printf(Locale.ROOT, "[study] wrote %s (study.json, study.md, CSV, PNG) in %.0f s%n", outDir,
        (System.nanoTime() - t0) * 1e-9);
    return 0;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  static String loadAverage() {
    try {
      String s = Files.readString(Path.of("/proc/loadavg")).trim();
      String[] f = s.split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }
}
