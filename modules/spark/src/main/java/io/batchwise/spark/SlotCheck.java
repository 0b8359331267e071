package io.batchwise.spark;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;

/**
 * Driver-side check that a barrier stage of W tasks can run: W must not exceed the number of
 * task slots, i.e. Σ over executors of (executor cores / {@code spark.task.cpus}); in
 * {@code local[k]} mode that is k / {@code spark.task.cpus}. It asks the scheduler the same
 * question Spark's own barrier check asks ({@code maxNumConcurrentTasks} of the default resource
 * profile).
 *
 * <p>On a cluster, executors register a few seconds after the SparkContext starts, so the check
 * waits up to {@code wait} for enough slots to appear (or less: once some executors are there and
 * their number has not changed for {@link #SETTLE}), then fails with an
 * {@link InsufficientSlotsException} that names W, the slots found and what to change. It never
 * waits longer, and it submits nothing.
 *
 * <p>After a lost executor (the stage before a retry) the early stop does not apply: once an
 * application has offered {@code tasks} slots, fewer slots mean an executor is being replaced
 * (a standalone worker or YARN starts a new one), which can take longer than {@link #SETTLE} on a
 * busy machine, so the check waits up to the whole {@code wait} for it.
 */
public final class SlotCheck {
  private SlotCheck() {
  }

  /**
   * Task slots the scheduler offers now for the default resource profile. Both methods are
   * {@code private[spark]} in Scala (public in bytecode) and are what Spark's own barrier check
   * calls; re-check them on a Spark upgrade.
   */
  public static int availableSlots(SparkContext sc) {
    return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
  }

  /**
   * Returns the slots available once there are at least {@code tasks}; throws
   * {@link InsufficientSlotsException} when there are fewer after {@code wait}.
   */
  public static int require(SparkContext sc, int tasks, Duration wait) {
    if (tasks < 1) {
      throw new IllegalArgumentException("a barrier stage needs at least 1 task, got " + tasks);
    }
    if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false)) {
      throw new IllegalStateException("barrier stages cannot run with dynamic allocation: set "
          + "spark.dynamicAllocation.enabled=false and give the job a fixed set of executors");
    }
    // In local mode the slots are known at once; waiting cannot add any.
    long start = System.nanoTime();
    long deadline = start + (sc.isLocal() ? 0 : wait.toNanos());
    int slots = availableSlots(sc);
    long lastChange = start;
    boolean hadEnough = MOST_SLOTS.getOrDefault(sc.applicationId(), 0) >= tasks;
    while (slots < tasks && System.nanoTime() < deadline) {
      // Executors register within seconds of each other: once some are there and the count has
      // not moved for SETTLE, more are unlikely; stop early rather than wait out the whole limit.
      // Not when this application had the slots before: a lost executor's replacement is coming.
      if (!hadEnough && slots > 0 && System.nanoTime() - lastChange > SETTLE.toNanos()) {
        break;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      int now = availableSlots(sc);
      if (now != slots) {
        slots = now;
        lastChange = System.nanoTime();
      }
    }
    MOST_SLOTS.merge(sc.applicationId(), slots, Math::max);
    Duration waited = Duration.ofNanos(System.nanoTime() - start);
    if (slots < tasks) {
      throw new InsufficientSlotsException(message(sc, tasks, slots, waited), tasks, slots);
    }
    return slots;
  }

  /** The most slots each application (by id) offered at a check, for the retry rule above. */
  private static final Map<String, Integer> MOST_SLOTS = new ConcurrentHashMap<>();

  /** How long the executor count must stay unchanged (and non-zero) to end the wait early. */
  static final Duration SETTLE = Duration.ofSeconds(15);

  private static String message(SparkContext sc, int tasks, int slots, Duration wait) {
    int cpusPerTask = sc.conf().getInt("spark.task.cpus", 1);
    int executors = Math.max(0, sc.statusTracker().getExecutorInfos().length - 1);
    StringBuilder m = new StringBuilder()
        .append(tasks).append(" barrier tasks (one per worker) must run at the same time, but ")
        .append("the cluster offers only ").append(slots).append(" task slot")
        .append(slots == 1 ? "" : "s").append(" (master ").append(sc.master())
        .append(", spark.task.cpus=").append(cpusPerTask);
    if (sc.isLocal()) {
      m.append("). Use local[").append((long) tasks * cpusPerTask).append("] or fewer workers.");
    } else {
      m.append(", ").append(executors).append(" executor").append(executors == 1 ? "" : "s")
          .append(" registered after waiting ").append(wait.toSeconds()).append(" s). Give the ")
          .append("job more executor cores (e.g. cluster/cluster.sh start --workers ")
          .append(tasks).append(", or --total-executor-cores / spark.executor.instances) ")
          .append("or run fewer workers.");
    }
    return m.toString();
  }
}
