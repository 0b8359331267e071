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

  void allReduceSum(double[] data);

  void allReduceSum(float[] data);

  void allReduceSum(DoubleBuffer data);

  void allReduceSum(FloatBuffer data);

  CompletableFuture<Void> allReduceSumAsync(float[] data);

  CompletableFuture<Void> allReduceSumAsync(double[] data);

  CompletableFuture<Void> allReduceSumAsync(FloatBuffer data);

  CompletableFuture<Void> allReduceSumAsync(DoubleBuffer data);

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
