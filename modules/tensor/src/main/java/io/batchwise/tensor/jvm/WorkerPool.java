package io.batchwise.tensor.jvm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool of daemon threads that runs a loop over {@code [0, count)} in chunks. The calling
 * thread runs one chunk itself and then waits for the rest, so a launch returns only when every
 * element is done (like a kernel launch followed by a finish). Small loops run inline: handing a few
 * thousand element-operations to another thread costs more than doing them.
 *
 * <p>Only the device's owning thread launches loops; chunks never launch loops themselves, so the
 * pool cannot deadlock on itself.
 */
final class WorkerPool implements AutoCloseable {
  private static final AtomicInteger POOLS = new AtomicInteger();

  /** The body of a loop: handles elements {@code [from, to)}. */
  @FunctionalInterface
  interface Range {
    void run(int from, int to);
  }

  private final int threads;
  private final ExecutorService executor;

  WorkerPool(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("thread count must be positive, got " + threads);
    }
    this.threads = threads;
    int pool = POOLS.incrementAndGet();
    AtomicInteger counter = new AtomicInteger();
    this.executor = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
      Thread t = new Thread(r, "batchwise-java-" + pool + "-" + counter.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  int threads() {
    return threads;
  }

  /**
   * Runs {@code body} over {@code [0, count)}; chunks hold at least {@code grain} elements, and a loop
   * of at most {@code grain} elements runs inline. There are up to four chunks per thread, so a
   * thread slowed by other work on the machine does not hold up the whole launch.
   */
  void forRange(int count, int grain, Range body) {
    if (count <= 0) {
      return;
    }
    int minChunk = Math.max(1, grain);
    if (executor == null || count <= minChunk) {
      body.run(0, count);
      return;
    }
    int chunks = (int) Math.min((long) threads * 4, (count + (long) minChunk - 1) / minChunk);
    int size = (count + chunks - 1) / chunks;
    List<Future<?>> pending = new ArrayList<>(chunks);
    for (int from = size; from < count; from += size) {
      int start = from;
      int end = Math.min(count, from + size);
      pending.add(executor.submit(() -> body.run(start, end)));
    }
    Throwable failure = null;
    try {
      body.run(0, Math.min(size, count));
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    for (Future<?> f : pending) {
      try {
        f.get();
      } catch (ExecutionException e) {
        if (failure == null) {
          failure = e.getCause();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (failure == null) {
          failure = new IllegalStateException("interrupted while waiting for a kernel", e);
        }
      }
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    }
    if (failure instanceof Error er) {
      throw er;
    }
    if (failure != null) {
      throw new IllegalStateException(failure);
    }
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
