package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.Communicator;
import io.batchwise.nn.DeferredGradients;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The reducer runs deferred work between offering its sums and waiting, and survives that work
 * failing; under {@code WHILE_WAITING} only while another rank has yet to arrive.
 */
class CommunicatorReducerTest {

  @Test
  void deferredWorkRunsInsideTheReductionAndAFailureStillCompletesIt() throws Exception {
    List<Communicator> comms = GradientBucketsTest.group(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    AtomicInteger ran = new AtomicInteger();
    try {
      List<Future<Object>> fs = new ArrayList<>();
      for (Communicator c : comms) {
        fs.add(pool.submit(() -> {
          DeferredGradients queue = new DeferredGradients();
          CommunicatorReducer reducer = new CommunicatorReducer(c, queue);
          List<Object> seen = new ArrayList<>();
          // 1: work runs, the sum is right.
          queue.defer(ran::incrementAndGet);
          double[] a = {c.rank() + 1, 10};
          reducer.sum(a);
          seen.add(a);
          // 2: rank 0's work throws; rank 0 gets that exception, rank 1 its sum (no hang).
          queue.defer(() -> {
            if (c.rank() == 0) {
              throw new IllegalStateException("deferred work failed on purpose");
            }
          });
          double[] b = {c.rank() + 1};
          try {
            reducer.sum(b);
            seen.add(b);
          } catch (IllegalStateException e) {
            seen.add(e);
          }
          seen.add(queue.isEmpty());
          // 3: the group still works.
          double[] d = {c.rank()};
          reducer.sum(d);
          seen.add(d);
          seen.add(reducer.calls());
          return seen;
        }));
      }
      for (int r = 0; r < 2; r++) {
        @SuppressWarnings("unchecked")
        List<Object> seen = (List<Object>) fs.get(r).get();
        assertArrayEquals(new double[] {3, 20}, (double[]) seen.get(0), 0.0);
        if (r == 0) {
          IllegalStateException e = assertInstanceOf(IllegalStateException.class, seen.get(1));
          assertTrue(e.getMessage().contains("on purpose"), e.getMessage());
        } else {
          assertArrayEquals(new double[] {3}, (double[]) seen.get(1), 0.0);
        }
        assertEquals(true, seen.get(2), "the queue is emptied also after a failure");
        assertArrayEquals(new double[] {1}, (double[]) seen.get(3), 0.0);
        assertEquals(3L, seen.get(4));
      }
      assertEquals(2, ran.get());
    } finally {
      pool.shutdownNow();
      comms.forEach(Communicator::close);
    }
  }

  /**
   * {@code WHILE_WAITING}: the rank that arrives first runs deferred work until the other has
   * offered its sums and then stops (its second piece stays queued); the rank that arrives last
   * runs none of its own and returns with the sum while the first is still busy. Ordered with
   * latches, so the test does not depend on timing: rank 1 reduces only once rank 0 is inside its
   * first piece, and that piece ends only once rank 1 has its sum.
   */
  @Test
  void whileWaitingTheLateRankGoesStraightOnAndTheEarlyOneStopsWhenItArrives() throws Exception {
    // Both ranks are threads of this JVM: with one CPU they share it, and a waiting rank then
    // lends it instead of computing (WaitWouldIdleTest covers that case without threads).
    org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2,
        "needs two CPUs for the two ranks to count as having a core each");
    List<Communicator> comms = GradientBucketsTest.group(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch rank0Working = new CountDownLatch(1);
    CountDownLatch rank1Summed = new CountDownLatch(1);
    AtomicInteger rank0Ran = new AtomicInteger();
    AtomicInteger rank1Ran = new AtomicInteger();
    try {
      List<Future<Object[]>> fs = new ArrayList<>();
      for (Communicator c : comms) {
        fs.add(pool.submit(() -> {
          DeferredGradients queue = new DeferredGradients();
          CommunicatorReducer reducer = new CommunicatorReducer(c, queue, WeightGradientTiming.WHILE_WAITING);
          double[] a = {c.rank() + 1, 2 * (c.rank() + 1)};
          if (c.rank() == 0) {
            queue.defer(() -> {
              rank0Ran.incrementAndGet();
              rank0Working.countDown();
              await(rank1Summed);
            });
            queue.defer(rank0Ran::incrementAndGet);
            reducer.sum(a);
          } else {
            queue.defer(rank1Ran::incrementAndGet);
            await(rank0Working);
            reducer.sum(a);
            rank1Summed.countDown();
          }
          return new Object[] {a, queue.size()};
        }));
      }
      for (int r = 0; r < 2; r++) {
        Object[] got = fs.get(r).get(30, TimeUnit.SECONDS);
        assertArrayEquals(new double[] {3, 6}, (double[]) got[0], 0.0, "rank " + r + "'s sum");
        assertEquals(1, got[1], "rank " + r + " leaves one piece queued");
      }
      assertEquals(1, rank0Ran.get(), "the early rank stops after the piece during which the other arrived");
      assertEquals(0, rank1Ran.get(), "the late rank runs none of its deferred work");
    } finally {
      pool.shutdownNow();
      comms.forEach(Communicator::close);
    }
  }

  /**
   * Deferred work run inside a reduction counts as compute before it: the timeline's entry mark
   * comes after the work, and the reduction's own time leaves the work out.
   */
  @Test
  void deferredWorkRunInsideAReductionIsComputeInTheTimeline() throws Exception {
    List<Communicator> one = GradientBucketsTest.group(1);
    try {
      DeferredGradients queue = new DeferredGradients();
      CommunicatorReducer reducer = new CommunicatorReducer(one.get(0), queue, WeightGradientTiming.AT_NEXT_REDUCTION);
      queue.defer(() -> java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L));
      long before = System.nanoTime();
      double[] a = {1.5};
      reducer.sum(a);
      long after = System.nanoTime();
      long[] marks = reducer.takeTimeline();
      assertEquals(2, marks.length);
      assertTrue(marks[0] - before >= 20_000_000L, "the entry mark follows the work: " + (marks[0] - before));
      assertTrue(marks[0] <= marks[1] && marks[1] <= after);
      assertTrue(reducer.takeNanos() <= after - before - 20_000_000L, "the reduction's time leaves the work out");
      assertArrayEquals(new double[] {1.5}, a, 0.0);
    } finally {
      one.forEach(Communicator::close);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch not released in 20 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
