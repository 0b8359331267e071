package io.batchwise.collective;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A group of {@link #size()} ranks that run collectives together. Every collective is in place and
 * sums element-wise; every rank ends with bit-identical results.
 *
 * <p>Buffers: the elements of a {@link FloatBuffer} or {@link DoubleBuffer} are those between its
 * position and limit (position and limit are left unchanged); direct (off-heap) buffers are the
 * intended case, heap ones work too.
 *
 * <p>Ordering: collectives are issued from one thread at a time, in the same order on every rank.
 * Asynchronous calls run on the communicator's own thread in issue order, before any later
 * synchronous call; their data must not be touched until the future completes.
 *
 * <p>Failures raise {@link PeerLostException}, {@link CollectiveTimeoutException} or {@link
 * CollectiveMismatchException} (asynchronous calls complete exceptionally with a {@link
 * java.util.concurrent.CompletionException} around them); after one, the communicator is broken
 * (every later call throws it again) and should be closed.
 */
public interface Communicator extends AutoCloseable {

  /**
   * Binds this rank's server on {@code config.endpoints().get(config.rank())}, connects to and
   * authenticates with every peer, and returns once the whole group is connected.
   *
   * @throws CollectiveTimeoutException naming the ranks not connected within the timeout
   */
  static Communicator connect(CollectiveConfig config) {
    if (config.endpoints().isEmpty()) {
      throw new IllegalArgumentException("connect needs the endpoint list; to learn the port "
          + "first, use CollectiveServer.bind(...).join(endpoints)");
    }
    CollectiveServer server = CollectiveServer.bind(config,
        config.endpoints().get(config.rank()));
    return server.join(config.endpoints());
  }

  int rank();

  int size();

  /**
   * Whether the group runs its collectives through shared memory (all ranks on one host, see
   * {@link CollectiveConfig#sharedMemory()}) rather than over its TCP connections.
   */
  boolean usesSharedMemory();

  /**
   * Whether the group runs through shared memory and each of its ranks can have a CPU of its own
   * (from the CPUs each rank may run on, published at set-up). False when ranks share cores, or
   * over TCP, where this rank cannot tell.
   */
  default boolean ranksHaveCoresOfTheirOwn() {
    return false;
  }

  void allReduceSum(double[] data);

  void allReduceSum(float[] data);

  void allReduceSum(DoubleBuffer data);

  void allReduceSum(FloatBuffer data);

  CompletableFuture<Void> allReduceSumAsync(float[] data);

  CompletableFuture<Void> allReduceSumAsync(double[] data);

  CompletableFuture<Void> allReduceSumAsync(FloatBuffer data);

  CompletableFuture<Void> allReduceSumAsync(DoubleBuffer data);

  /**
   * An all-reduce in two halves, for a caller with work that does not need the sum: {@link
   * #startAllReduceSum} offers this rank's data, the caller computes, {@link Reduction#finish}
   * returns with {@code data} summed. Time a slower rank takes to arrive then passes in the
   * caller's computation instead of in a wait.
   *
   * <p>Rules: between start and finish the caller issues no other collective on this
   * communicator and does not touch {@code data}; it calls {@code finish} exactly once, also when
   * its own computation failed (or the group stalls on this rank's missing arrival). Results and
   * failures are those of {@link #allReduceSum(double[])}.
   *
   * <p>The default runs the all-reduce on the communicator's thread ({@link
   * #allReduceSumAsync(double[])}); an implementation whose blocking all-reduce runs on the
   * calling thread (shared memory) publishes the data in {@code start} and sums in {@code finish}.
   */
  default Reduction startAllReduceSum(double[] data) {
    CompletableFuture<Void> f = allReduceSumAsync(data);
    return new Reduction() {
      @Override
      public void finish() {
        try {
          f.join();
        } catch (java.util.concurrent.CompletionException e) {
          if (e.getCause() instanceof RuntimeException re) {
            throw re;
          }
          throw e;
        }
      }

      @Override
      public boolean waitWouldIdle() {
        return !f.isDone(); // over TCP no rank shares this one's CPU that this rank could tell of
      }
    };
  }

  /** The second half of {@link #startAllReduceSum}. */
  @FunctionalInterface
  interface Reduction {
    /** Returns once the data holds the group's sum; throws what the all-reduce would have. */
    void finish();

    /**
     * Whether waiting now would leave this rank's CPU idle: some rank has yet to arrive and none
     * of those could use this rank's CPU (they run elsewhere). A caller with optional work runs
     * it only while this holds, so that it neither delays a late rank that shares its core nor
     * holds up ranks that have all arrived. Never blocks. An implementation that cannot tell
     * answers true (the default), which makes such a caller run all its work, as if every
     * reduction found it early.
     */
    default boolean waitWouldIdle() {
      return true;
    }
  }

  /** Copies {@code root}'s data into every rank's {@code data} (same length everywhere). */
  void broadcast(double[] data, int root);

  void broadcast(float[] data, int root);

  void broadcast(FloatBuffer data, int root);

  void broadcast(DoubleBuffer data, int root);

  /** Returns once every rank has entered the barrier. */
  void barrier();

  /** Closes connections and threads. Peers still in a collective get {@link PeerLostException}. */
  @Override
  void close();
}
