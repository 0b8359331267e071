package io.batchwise.train.parallel;

import io.batchwise.data.SyntheticDataset;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.train.BenchOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints where a data-parallel step's time goes, per worker: the {@link StepTimes} phases averaged
 * over the steps after a warm-up, from an in-process {@link LocalCluster} on synthetic 1×28×28 data.
 *
 * <p>Usage: {@code ParallelStepBench [--workers 2] [--device java] [--model lenet-bn] [--norm syncbn]
 * [--batch 64] [--steps 8] [--warmup 2] [--bucket-kb 1024] [--memory-mb 256] [--issue eager|after-syncbn]} (batch is the global
 * batch). The workers share this machine's cores, so absolute times only compare with runs of the
 * same worker count on the same machine.
 */
public final class ParallelStepBench {
  private ParallelStepBench() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("workers", "2", "device", "java", "model", "lenet-bn",
        "norm", "syncbn", "batch", "64", "steps", "8", "warmup", "2", "bucket-kb", "1024",
        "memory-mb", "256", "issue", "eager"));
    BenchOptions.applyOrExit("ParallelStepBench", o, args);
    int workers = Integer.parseInt(o.get("workers"));
    int batch = Integer.parseInt(o.get("batch"));
    int steps = Integer.parseInt(o.get("steps"));
    int warmup = Integer.parseInt(o.get("warmup"));
    if (warmup >= steps) {
      throw new IllegalArgumentException("warm-up steps (" + warmup + ") must be fewer than steps (" + steps + ")");
    }
    LocalCluster.Spec spec = LocalCluster.Spec.of(workers, o.get("device"), LocalCluster.Spec.zoo(o.get("model")),
            o.get("norm"), SyntheticDataset.mnistLike(Math.max(batch * 4, 256), 1), batch, steps)
        .withBucketBytes(Integer.parseInt(o.get("bucket-kb")) << 10)
        .withDeviceOptions(new DeviceOptions(Integer.parseInt(o.get("memory-mb")), 8))
        .withIssue(BucketIssue.valueOf(o.get("issue").toUpperCase(Locale.ROOT).replace('-', '_')));
    List<LocalCluster.WorkerResult> results = LocalCluster.run(spec);
    System.out.printf(Locale.ROOT, "%s, norm %s, %d workers, global batch %d, device %s, %d buckets issued %s; "
        + "ms per step (mean of steps %d..%d)%n", o.get("model"), o.get("norm"), workers, batch, o.get("device"),
        results.get(0).buckets(), o.get("issue"), warmup + 1, steps);
    System.out.printf(Locale.ROOT, "%4s %8s %8s %8s %8s %8s %8s %8s %8s %9s%n", "rank", "upload", "forward",
        "backward", "syncbn", "gradcomm", "wait", "optim", "total", "images/s");
    for (LocalCluster.WorkerResult w : results) {
      StepTimes t = StepTimes.ZERO;
      for (DataParallelStep.Result r : w.steps().subList(warmup, steps)) {
        t = t.plus(r.times());
      }
      double n = steps - warmup;
      System.out.printf(Locale.ROOT, "%4d %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %9.1f%n", w.rank(),
          t.uploadNanos() / n / 1e6, t.forwardNanos() / n / 1e6, t.backwardNanos() / n / 1e6,
          t.syncBnNanos() / n / 1e6, t.gradientCommNanos() / n / 1e6, t.waitNanos() / n / 1e6,
          t.optimizerNanos() / n / 1e6, t.totalNanos() / n / 1e6, batch * n / (t.totalNanos() * 1e-9));
    }
  }
}
