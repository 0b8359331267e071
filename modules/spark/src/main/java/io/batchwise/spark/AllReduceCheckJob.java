package io.batchwise.spark;

import io.batchwise.collective.Communicator;
import java.io.PrintStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * A spark-submit job that proves the rendezvous end to end: one barrier stage of W tasks, each
 * forms the collective group, all-reduces
 * <ol>
 *   <li>a float vector filled with rank+1 (exact: every element must be W(W+1)/2), long enough
 *       for the ring algorithm, and</li>
 *   <li>a short double vector of inexact values (i+1)·(rank+1)/7 (the size of a SyncBN message;
 *       recursive doubling), whose sums round, so only a fixed reduction order gives every rank
 *       the same bits,</li>
 * </ol>
 * and reports checksums of the raw bits. The driver checks every rank got the exact float sum,
 * double sums within 1e-12 relative of the exact value, and bit-identical results on all ranks.
 *
 * <p>Usage: {@code AllReduceCheckJob [--workers W] [--length N] [--timeout-s S] [--slot-wait-s S]}.
 * Without a master from spark-submit it runs on {@code local[W]}. Exit status: 0 all checks pass,
 * 1 a check failed, 2 bad arguments, 3 too few task slots, 4 the stage failed.
 */
public final class AllReduceCheckJob {
  /** Length of the double vector: 2C+1 for C = 64 channels, a typical SyncBN message. */
  static final int DOUBLE_LENGTH = 129;

  private AllReduceCheckJob() {
  }

  /** What one rank saw. */
  public record RankReport(int rank, String endpoint, long floatMismatches, long floatBits,
      double doubleMaxRelError, long doubleBits, boolean jsigPreloaded) implements Serializable {
  }

  /** Options of the job. */
  public record Options(int workers, int length, Duration timeout, Duration slotWait) {
    static Options parse(String[] args) {
      int workers = 2;
      int length = 100_003;
      long timeoutS = 60;
      long slotWaitS = 60;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("-h") || a.equals("--help")) {
          throw new UsageException(null);
        }
        if (i + 1 >= args.length) {
          throw new UsageException("option " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--workers" -> workers = positive(a, v);
          case "--length" -> length = positive(a, v);
          case "--timeout-s" -> timeoutS = positive(a, v);
          case "--slot-wait-s" -> slotWaitS = positive(a, v);
          default -> throw new UsageException("unknown option " + a);
        }
      }
      return new Options(workers, length, Duration.ofSeconds(timeoutS),
          Duration.ofSeconds(slotWaitS));
    }

    private static int positive(String name, String v) {
      try {
        int n = Integer.parseInt(v);
        if (n >= 1) {
          return n;
        }
      } catch (NumberFormatException e) {
        // fall through to the message
      }
      throw new UsageException(name + " must be a positive integer, got '" + v + "'");
    }
  }

  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static final String USAGE = "Usage: AllReduceCheckJob [--workers W (2)] [--length N (100003)] "
      + "[--timeout-s S (60)] [--slot-wait-s S (60)]";

  public static void main(String[] args) {
    Options opts;
    try {
      opts = Options.parse(args);
    } catch (UsageException e) {
      System.err.println(e.getMessage() == null ? USAGE : "error: " + e.getMessage() + "\n" + USAGE);
      System.exit(e.getMessage() == null ? 0 : 2);
      return;
    }
    SparkConf conf = new SparkConf().setAppName("batchwise-allreduce-check");
    if (!conf.contains("spark.master")) {
      conf.setMaster("local[" + opts.workers() + "]");
    }
    int status;
    SparkContext sc = new SparkContext(conf);
    try {
      status = run(sc, opts, System.out);
    } finally {
      sc.stop();
    }
    System.exit(status);
  }

  /** Runs the check on {@code sc}, prints a table and the verdict; returns the exit status. */
  public static int run(SparkContext sc, Options opts, PrintStream out) {
    List<RankReport> reports;
    try {
      reports = execute(sc, opts);
    } catch (InsufficientSlotsException e) {
      out.println("error: " + e.getMessage());
      return 3;
    } catch (RuntimeException e) {
      out.println("error: the barrier stage failed: " + e);
      return 4;
    }
    out.printf("%-5s %-22s %-16s %-16s %-18s %s%n", "rank", "endpoint", "float bits",
        "double bits", "double max rel err", "libjsig");
    for (RankReport r : reports) {
      out.printf("%-5d %-22s %016x %016x %-18.3g %s%n", r.rank(), r.endpoint(), r.floatBits(),
          r.doubleBits(), r.doubleMaxRelError(), r.jsigPreloaded() ? "jsig=yes" : "jsig=NO");
    }
    List<String> problems = verify(reports, opts.workers());
    if (problems.isEmpty()) {
      out.println("OK: " + opts.workers() + " ranks, all-reduce of " + opts.length()
          + " floats and " + DOUBLE_LENGTH + " doubles: exact sums, bit-identical on every rank");
      return 0;
    }
    problems.forEach(p -> out.println("FAILED: " + p));
    return 1;
  }

  /** The barrier stage itself: one report per rank, index = rank. */
  public static List<RankReport> execute(SparkContext sc, Options opts) {
    GroupSpec spec = GroupSpec.create("allreduce-check", opts.workers(), opts.timeout());
    int length = opts.length();
    return BarrierStage.run(sc, spec, group -> rankWork(group, length), opts.slotWait());
  }

  static RankReport rankWork(BarrierGroup group, int length) {
    Communicator c = group.communicator();
    int rank = c.rank();
    int w = c.size();
    float[] f = new float[length];
    java.util.Arrays.fill(f, rank + 1);
    c.allReduceSum(f);
    float expected = w * (w + 1) / 2f;
    long mismatches = 0;
    long fbits = 17;
    for (float x : f) {
      if (x != expected) {
        mismatches++;
      }
      fbits = fbits * 31 + Float.floatToRawIntBits(x);
    }
    double[] d = new double[DOUBLE_LENGTH];
    for (int i = 0; i < d.length; i++) {
      d[i] = (i + 1) * (rank + 1) / 7.0;
    }
    c.allReduceSum(d);
    double maxRel = 0;
    long dbits = 17;
    for (int i = 0; i < d.length; i++) {
      double exact = (i + 1) * (w * (w + 1) / 2.0) / 7.0;
      maxRel = Math.max(maxRel, Math.abs(d[i] - exact) / exact);
      dbits = dbits * 31 + Double.doubleToRawLongBits(d[i]);
    }
    String endpoint = group.endpoints().get(rank).getHostString() + ":"
        + group.endpoints().get(rank).getPort();
    // Executors that may load Aparapi need libjsig preloaded (spark.executorEnv.LD_PRELOAD).
    String preload = System.getenv("LD_PRELOAD");
    boolean jsig = preload != null && preload.contains("libjsig");
    return new RankReport(rank, endpoint, mismatches, fbits, maxRel, dbits, jsig);
  }

  /** Everything wrong with the reports of a group of {@code w}; empty when all is well. */
  public static List<String> verify(List<RankReport> reports, int w) {
    List<String> problems = new ArrayList<>();
    if (reports.size() != w) {
      problems.add(reports.size() + " reports for " + w + " ranks");
      return problems;
    }
    for (int r = 0; r < w; r++) {
      RankReport rep = reports.get(r);
      if (rep.rank() != r) {
        problems.add("report " + r + " comes from rank " + rep.rank());
      }
      if (rep.floatMismatches() != 0) {
        problems.add("rank " + r + ": " + rep.floatMismatches() + " float sums differ from "
            + (w * (w + 1) / 2));
      }
      if (!(rep.doubleMaxRelError() <= 1e-12)) {
        problems.add("rank " + r + ": double sums off by " + rep.doubleMaxRelError()
            + " relative");
      }
      if (rep.floatBits() != reports.get(0).floatBits()
          || rep.doubleBits() != reports.get(0).doubleBits()) {
        problems.add("rank " + r + " results are not bit-identical to rank 0's");
      }
    }
    return problems;
  }
}
