package io.batchwise.nn.norm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** Runs W simulated workers as threads and returns their results by rank. */
final class Workers {
  private Workers() {
  }

  static <T> List<T> run(int w, IntFunction<T> body) {
    ExecutorService pool = Executors.newFixedThreadPool(w);
    try {
      List<Future<T>> fs = new ArrayList<>();
      for (int r = 0; r < w; r++) {
        int rank = r;
        fs.add(pool.submit(() -> body.apply(rank)));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : fs) {
        try {
          out.add(f.get());
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (c instanceof RuntimeException re) {
            throw re;
          }
          throw new AssertionError(c);
        }
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      pool.shutdownNow();
    }
  }
}
