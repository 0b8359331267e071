package io.batchwise.spark;

import io.batchwise.collective.CollectiveException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.rdd.RDDBarrier;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs one barrier stage of W = {@code spec.size()} tasks, each of which forms the collective
 * group ({@link BarrierGroup#join}), runs the given {@link RankWork} and returns one result. The
 * driver first checks the slots ({@link SlotCheck}), so too small a cluster is a clear error and
 * not a hang.
 *
 * <p>A failure in any task fails the whole stage and with it the Spark job (Spark does not retry
 * barrier result stages); the exception reaches the caller as Spark's {@code SparkException}.
 * A rank whose own work fails keeps its connections open for another 0.5 s so that its error,
 * not a peer's "lost connection", is what Spark reports (best effort: Spark reports whichever
 * task failure reaches the driver first).
 * Callers that want retries (the training driver) re-run the stage.
 */
public final class BarrierStage {
  private BarrierStage() {
  }

  /** Results of every rank, index = rank. */
  public static <R extends Serializable> List<R> run(SparkContext sc, GroupSpec spec,
      RankWork<R> work, Duration slotWait) {
    int w = spec.size();
    SlotCheck.require(sc, w, slotWait);
    List<Integer> ranks = IntStream.range(0, w).boxed().toList();
    RDD<Integer> rdd = JavaSparkContext.fromSparkContext(sc).parallelize(ranks, w).rdd();
    RDDBarrier<Integer> barrier = rdd.barrier();
    @SuppressWarnings("unchecked")
    ClassTag<Object> tag = (ClassTag<Object>) (ClassTag<?>) ClassTag$.MODULE$.apply(Object.class);
    Object[] collected = (Object[]) barrier.mapPartitions(new RankTask(spec, work), false, tag)
        .collect();
    if (collected.length != w) {
      throw new IllegalStateException("barrier stage returned " + collected.length
          + " results for " + w + " ranks");
    }
    List<R> out = new ArrayList<>(w);
    for (Object o : Arrays.asList(collected)) {
      @SuppressWarnings("unchecked")
      R r = (R) o;
      out.add(r);
    }
    return out;
  }

  /** The task body: a Scala function over the partition's iterator (one element: the rank). */
  private static final class RankTask extends AbstractFunction1<Iterator<Integer>, Iterator<Object>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long FAILED_CLOSE_DELAY_MS = 500;
    private final GroupSpec spec;
    private final RankWork<?> work;

    RankTask(GroupSpec spec, RankWork<?> work) {
      this.spec = spec;
      this.work = work;
    }

    @Override
    public Iterator<Object> apply(Iterator<Integer> partition) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      BarrierGroup group = BarrierGroup.join(ctx, spec);
      Object result;
      try {
        result = work.run(group);
        group.finish();
      } catch (Throwable t) {
        // A rank failing on its own (bad input, a bug) closes its connections only after a short
        // delay: Spark aborts the stage on the first task failure it hears of, and the peers'
        // "lost connection to rank r" would otherwise often reach the driver before the cause.
        // Collective failures carry no extra cause, so they close at once.
        if (t instanceof CollectiveException) {
          group.close();
        } else {
          CompletableFuture.delayedExecutor(FAILED_CLOSE_DELAY_MS, TimeUnit.MILLISECONDS)
              .execute(group::close);
        }
        if (t instanceof RuntimeException r) {
          throw r;
        }
        if (t instanceof Error e) {
          throw e;
        }
        throw new IllegalStateException("rank " + ctx.partitionId() + " failed: " + t, t);
      }
      group.close();
      return CollectionConverters.asScala(java.util.Collections.singletonList(result).iterator());
    }
  }
}
