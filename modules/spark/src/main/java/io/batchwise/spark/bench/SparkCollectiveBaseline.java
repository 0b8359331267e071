package io.batchwise.spark.bench;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The all-reduces of the collective benchmark done with Spark alone, as a user without Batchwise's
 * collective would write them, on an embedded {@code local[W]} master (tasks are threads of this
 * JVM; UI off, everything on 127.0.0.1):
 * <ol>
 *   <li><b>allGather</b>: a barrier stage of W tasks; each encodes its 2C+1 doubles as one string
 *       (comma-separated decimal), calls {@code BarrierTaskContext.allGather}, parses the W strings
 *       and sums them. One untimed call, then {@code calls} timed calls inside the same stage; the
 *       figure is the median of rank 0's times (encode + allGather + decode + sum).</li>
 *   <li><b>treeAggregate</b>: a cached RDD of W partitions, each holding one float array of
 *       {@code floats} elements (1M floats = 4 MB), summed element-wise by {@code treeAggregate}
 *       (default depth 2) into the driver. {@code treeWarmup} untimed calls (the JIT compiles
 *       the sums, as it does for Batchwise's all-reduce, which the benchmark warms up too), then
 *       the median of {@code treeCalls} timed calls. This is a reduce to the driver, not an
 *       all-reduce: handing the sum back to the W tasks would cost a broadcast more, so the
 *       baseline is, if anything, flattering.
 *       Measured twice: with the textbook zero value {@code new float[floats]} ("treeAggregate";
 *       Spark ships the 4 MB zero inside every task's closure) and with an empty zero that the
 *       first element replaces ("treeAggregate-lazy", the faster trick a careful user finds).</li>
 * </ol>
 * Both check their sums against the exact values, so a broken baseline cannot report a time.
 *
 * <p>Usage: {@code SparkCollectiveBaseline [--workers 2,4] [--channels 64] [--calls 5]
 * [--floats 1048576] [--tree-calls 10] [--tree-warmup 5] [--json FILE]}. Needs Spark's Java 17
 * openings ({@code --add-opens ...}, as {@code spark.java.opens} in modules/spark/pom.xml) and is
 * best run with {@code SPARK_LOCAL_IP=127.0.0.1}. Prints a table and one machine-readable line per
 * figure: {@code ALLGATHER W C median_ms min_ms}, {@code TREEAGG W floats median_ms min_ms} and
 * {@code TREEAGG_LAZY W floats median_ms min_ms}.
 */
public final class SparkCollectiveBaseline {
  /**
   * One measured figure: {@code what} is "allGather", "treeAggregate" or "treeAggregate-lazy";
   * {@code size} is C for allGather, the number of floats otherwise.
   */
  public record Figure(String what, int workers, int size, int calls, double medianMs,
      double minMs) {
  }

  private SparkCollectiveBaseline() {
  }

  public static void main(String[] args) throws IOException {
    int[] workers = {2, 4};
    int channels = 64;
    int calls = 5;
    int floats = 1 << 20;
    int treeCalls = 10;
    int treeWarmup = 5;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--workers" -> workers = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt)
            .toArray();
        case "--channels" -> channels = Integer.parseInt(v);
        case "--calls" -> calls = Integer.parseInt(v);
        case "--floats" -> floats = Integer.parseInt(v);
        case "--tree-calls" -> treeCalls = Integer.parseInt(v);
        case "--tree-warmup" -> treeWarmup = Integer.parseInt(v);
        case "--json" -> json = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a + " (use --workers "
            + "2,4 --channels 64 --calls 5 --floats 1048576 --tree-calls 10 --tree-warmup 5 "
            + "--json FILE)");
      }
    }
    if (channels < 1 || calls < 1 || floats < 1 || treeCalls < 1 || treeWarmup < 0
        || Arrays.stream(workers).anyMatch(w -> w < 1)) {
      throw new IllegalArgumentException("workers, channels, calls, floats and tree-calls must "
          + "be positive, tree-warmup not negative");
    }
    List<Figure> figures = new ArrayList<>();
    for (int w : workers) {
      SparkContext sc = new SparkContext(conf(w));
      sc.setLogLevel("WARN");
      try {
        figures.add(allGather(sc, w, channels, calls));
        figures.add(treeAggregate(sc, w, floats, treeWarmup, treeCalls, false));
        figures.add(treeAggregate(sc, w, floats, treeWarmup, treeCalls, true));
      } finally {
        sc.stop();
      }
    }
    System.out.println("\nSpark alone (local[W], tasks are threads of one JVM)");
    System.out.println("what                  W     size  calls  median ms   min ms");
    for (Figure f : figures) {
      System.out.printf(Locale.ROOT, "%-20s %2d %8d %6d %10.2f %8.2f%n", f.what(), f.workers(),
          f.size(), f.calls(), f.medianMs(), f.minMs());
    }
    for (Figure f : figures) {
      String tag = switch (f.what()) {
        case "allGather" -> "ALLGATHER";
        case "treeAggregate" -> "TREEAGG";
        default -> "TREEAGG_LAZY";
      };
      System.out.printf(Locale.ROOT, "%s %d %d %.3f %.3f%n", tag, f.workers(), f.size(),
          f.medianMs(), f.minMs());
    }
    if (json != null) {
      Files.writeString(json, "[\n  " + figures.stream().map(SparkCollectiveBaseline::json)
          .collect(Collectors.joining(",\n  ")) + "\n]\n");
      System.out.println("wrote " + json);
    }
  }

  /** The embedded master of the baselines. */
  static SparkConf conf(int workers) {
    return new SparkConf().setMaster("local[" + workers + "]")
        .setAppName("batchwise-spark-collective-baseline")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1");
  }

  static String json(Figure f) {
    return String.format(Locale.ROOT, "{\"what\": \"%s\", \"workers\": %d, \"%s\": %d, "
        + "\"calls\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f}", f.what(), f.workers(),
        f.what().equals("allGather") ? "C" : "floats", f.size(), f.calls(), f.medianMs(),
        f.minMs());
  }

  /** Baseline 1: allGather of 2C+1 doubles inside one barrier stage of W tasks. */
  public static Figure allGather(SparkContext sc, int w, int channels, int calls) {
    RDD<Integer> rdd = JavaSparkContext.fromSparkContext(sc)
        .parallelize(IntStream.range(0, w).boxed().toList(), w).rdd();
    @SuppressWarnings("unchecked")
    ClassTag<Object> tag = (ClassTag<Object>) (ClassTag<?>) ClassTag$.MODULE$.apply(Object.class);
    Object[] out = (Object[]) rdd.barrier()
        .mapPartitions(new AllGatherTask(2 * channels + 1, calls), false, tag).collect();
    long[] rank0 = null;
    for (Object o : out) {
      long[] r = (long[]) o;
      if (r[0] == 0) {
        rank0 = Arrays.copyOfRange(r, 1, r.length);
      }
    }
    if (rank0 == null) {
      throw new IllegalStateException("no result from rank 0 of the allGather stage");
    }
    return new Figure("allGather", w, channels, calls, median(rank0) / 1e6,
        Arrays.stream(rank0).min().orElseThrow() / 1e6);
  }

  /** The barrier task of baseline 1; returns {rank, time of call 1 (ns), ...}. */
  private static final class AllGatherTask
      extends AbstractFunction1<Iterator<Integer>, Iterator<Object>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int length;
    private final int calls;

    AllGatherTask(int length, int calls) {
      this.length = length;
      this.calls = calls;
    }

    @Override
    public Iterator<Object> apply(Iterator<Integer> partition) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      int rank = ctx.partitionId();
      int w = ctx.getTaskInfos().length;
      double[] mine = new double[length];
      for (int i = 0; i < length; i++) {
        mine[i] = (i + 1) * (rank + 1) / 7.0;
      }
      long[] result = new long[calls + 1];
      result[0] = rank;
      for (int call = 0; call <= calls; call++) {
        long t0 = System.nanoTime();
        StringBuilder msg = new StringBuilder(length * 20);
        for (int i = 0; i < length; i++) {
          msg.append(i > 0 ? "," : "").append(mine[i]);
        }
        String[] all = ctx.allGather(msg.toString());
        double[] sum = new double[length];
        for (String s : all) {
          String[] parts = s.split(",");
          for (int i = 0; i < length; i++) {
            sum[i] += Double.parseDouble(parts[i]);
          }
        }
        long t = System.nanoTime() - t0;
        double exact = length * (w * (w + 1) / 2.0) / 7.0;
        if (Math.abs(sum[length - 1] - exact) > 1e-9 * exact) {
          throw new IllegalStateException("allGather sum " + sum[length - 1] + " != " + exact);
        }
        if (call > 0) {
          result[call] = t;
        }
      }
      return CollectionConverters.asScala(
          java.util.Collections.<Object>singletonList(result).iterator());
    }
  }

  /**
   * Baseline 2: treeAggregate summing W partitions' float arrays of {@code floats} elements; with
   * {@code lazyZero} the zero value is an empty array that the first element replaces (a copy).
   */
  public static Figure treeAggregate(SparkContext sc, int w, int floats, int warmup, int calls,
      boolean lazyZero) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
    JavaRDD<float[]> data = jsc.parallelize(IntStream.range(0, w).boxed().toList(), w)
        .map(r -> {
          float[] a = new float[floats];
          Arrays.fill(a, r + 1);
          return a;
        }).cache();
    data.count(); // materialize the cache, so the calls time the aggregation only
    long[] t = new long[calls];
    float expected = w * (w + 1) / 2f;
    try {
      for (int call = -warmup; call < calls; call++) {
        long t0 = System.nanoTime();
        float[] sum = lazyZero
            ? data.treeAggregate(new float[0], (acc, x) -> acc.length == 0 ? x.clone()
                : addInto(acc, x), (a, b) -> a.length == 0 ? b : b.length == 0 ? a : addInto(a, b))
            : data.treeAggregate(new float[floats], SparkCollectiveBaseline::addInto,
                SparkCollectiveBaseline::addInto);
        long dt = System.nanoTime() - t0;
        if (sum[0] != expected || sum[floats - 1] != expected) {
          throw new IllegalStateException("treeAggregate sum " + sum[0] + " != " + expected);
        }
        if (call >= 0) {
          t[call] = dt;
        }
      }
    } finally {
      data.unpersist(true);
    }
    return new Figure(lazyZero ? "treeAggregate-lazy" : "treeAggregate", w, floats, calls,
        median(t) / 1e6, Arrays.stream(t).min().orElseThrow() / 1e6);
  }

  private static float[] addInto(float[] acc, float[] x) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += x[i];
    }
    return acc;
  }

  private static double median(long[] values) {
    long[] s = values.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }
}
