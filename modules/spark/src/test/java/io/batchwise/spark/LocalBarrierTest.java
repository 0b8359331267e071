package io.batchwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.spark.AllReduceCheckJob.Options;
import io.batchwise.spark.AllReduceCheckJob.RankReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;

/** The barrier rendezvous on an embedded local master (tasks are threads of this JVM). */
class LocalBarrierTest {

  private static void withContext(String master, Consumer<SparkContext> body) {
    SparkConf conf = new SparkConf().setMaster(master).setAppName("batchwise-test")
        .set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.showConsoleProgress", "false");
    SparkContext sc = new SparkContext(conf);
    try {
      body.accept(sc);
    } finally {
      sc.stop();
    }
  }

  private static void checkGroup(SparkContext sc, int w) {
    // 70001 floats = 280 KB: the ring; 129 doubles: recursive doubling.
    Options opts = new Options(w, 70_001, Duration.ofSeconds(60), Duration.ofSeconds(10));
    List<RankReport> reports = AllReduceCheckJob.execute(sc, opts);
    assertEquals(w, reports.size());
    Set<String> endpoints = new HashSet<>();
    for (int r = 0; r < w; r++) {
      RankReport rep = reports.get(r);
      assertEquals(r, rep.rank(), "results come back in rank order");
      assertEquals(0, rep.floatMismatches(), "rank " + r + " float sums = W(W+1)/2 exactly");
      assertTrue(rep.doubleMaxRelError() <= 1e-12, "rank " + r + " double sums");
      assertEquals(reports.get(0).floatBits(), rep.floatBits(), "float bits of rank " + r);
      assertEquals(reports.get(0).doubleBits(), rep.doubleBits(), "double bits of rank " + r);
      assertTrue(rep.endpoint().startsWith("127.0.0.1:"), rep.endpoint());
      endpoints.add(rep.endpoint());
    }
    assertEquals(w, endpoints.size(), "every rank bound its own port");
    assertTrue(AllReduceCheckJob.verify(reports, w).isEmpty());
  }

  @Test
  void twoRanksOnLocal2AndTooFewSlotsFailsBeforeSubmitting() {
    withContext("local[2]", sc -> {
      checkGroup(sc, 2);

      AtomicInteger jobsStarted = new AtomicInteger();
      sc.addSparkListener(new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
          jobsStarted.incrementAndGet();
        }
      });
      Options four = new Options(4, 10, Duration.ofSeconds(60), Duration.ofSeconds(60));
      InsufficientSlotsException e = assertThrows(InsufficientSlotsException.class,
          () -> AllReduceCheckJob.execute(sc, four));
      assertEquals(4, e.required());
      assertEquals(2, e.available());
      assertTrue(e.getMessage().contains("4 barrier tasks"), e.getMessage());
      assertTrue(e.getMessage().contains("only 2 task slots"), e.getMessage());
      assertTrue(e.getMessage().contains("local[4]"), e.getMessage());

      // The job's own exit status and message for the same case.
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int status = AllReduceCheckJob.run(sc, four, new PrintStream(buf, true, StandardCharsets.UTF_8));
      assertEquals(3, status);
      assertTrue(buf.toString(StandardCharsets.UTF_8).startsWith("error: 4 barrier tasks"));
      try {
        sc.listenerBus().waitUntilEmpty(10_000);
      } catch (java.util.concurrent.TimeoutException ex) {
        throw new AssertionError("listener bus did not drain", ex);
      }
      assertEquals(0, jobsStarted.get(), "nothing was submitted");
    });
  }

  @Test
  void aFailingRankFailsTheStageAndTheNextStageFormsAFreshGroup() {
    withContext("local[2]", sc -> {
      GroupSpec spec = GroupSpec.create("fail-test", 2, Duration.ofSeconds(30));
      RankWork<Integer> work = group -> {
        if (group.rank() == 1) {
          throw new IllegalStateException("rank 1 gives up before the all-reduce");
        }
        double[] d = new double[3];
        group.communicator().allReduceSum(d);
        return 0;
      };
      Exception e = assertThrows(Exception.class,
          () -> BarrierStage.run(sc, spec, work, Duration.ofSeconds(5)));
      StringBuilder chain = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        chain.append(t).append('\n');
      }
      // Spark reports whichever task failure reached the driver first: rank 1's own error, or
      // rank 0 losing its peer when rank 1's task closed its connections.
      String c = chain.toString();
      assertTrue(c.contains("rank 1 gives up") || c.contains("lost its connection to rank 1"), c);

      // What the training driver does after a failed epoch: run the stage again, same job spec.
      List<Double> sums = BarrierStage.run(sc, spec, group -> {
        double[] d = {group.rank() + 1.0};
        group.communicator().allReduceSum(d);
        return d[0];
      }, Duration.ofSeconds(5));
      assertEquals(List.of(3.0, 3.0), sums);
    });
  }

  @Test
  void threeRanksOnLocal3AndTheJobReportsOk() {
    withContext("local[3]", sc -> {
      checkGroup(sc, 3);
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int status = AllReduceCheckJob.run(sc,
          new Options(3, 1000, Duration.ofSeconds(60), Duration.ofSeconds(10)),
          new PrintStream(buf, true, StandardCharsets.UTF_8));
      String out = buf.toString(StandardCharsets.UTF_8);
      assertEquals(0, status, out);
      assertTrue(out.contains("OK: 3 ranks"), out);
    });
  }
}
