package io.batchwise.tensor.jvm;

import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.FloatArenaDevice;
import io.batchwise.tensor.Ops;

/**
 * The fallback device where no OpenCL device exists: float precision, kernels in plain Java spread
 * over a fixed pool of daemon threads ({@link JavaOps}). Aparapi's own Java-thread-pool mode is not
 * used: it runs kernels with barriers thousands of times slower.
 *
 * <p>Like every device it belongs to one thread at a time; the pool's threads only ever run chunks
 * of a kernel that thread launched. {@link #close()} stops the pool.
 */
public final class JavaDevice extends FloatArenaDevice {
  private final WorkerPool pool;
  private final JavaOps ops;
  private volatile boolean closed;

  /**
   * @param options arena sizes
   * @param threads threads a kernel may use, the calling thread included
   */
  public JavaDevice(DeviceOptions options, int threads) {
    super("java", options);
    this.pool = new WorkerPool(threads);
    this.ops = new JavaOps(this, pool);
  }

  /** A device using every available processor. */
  public JavaDevice(DeviceOptions options) {
    this(options, Runtime.getRuntime().availableProcessors());
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public String description() {
    return "plain Java, float, " + pool.threads() + " thread" + (pool.threads() == 1 ? "" : "s") + " (no OpenCL)";
  }

  @Override
  public Kind kind() {
    return Kind.JAVA;
  }

  @Override
  public Ops ops() {
    if (closed) {
      throw new IllegalStateException("java device used after close");
    }
    return ops;
  }

  /** Threads a kernel may use. */
  public int threads() {
    return pool.threads();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      pool.close();
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }
}
