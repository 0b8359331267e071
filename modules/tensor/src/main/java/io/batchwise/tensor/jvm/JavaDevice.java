package io.batchwise.tensor.jvm;

import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.FloatArenaDevice;
import io.batchwise.tensor.Ops;

/**
 * The fallback device where no OpenCL device exists: float precision, kernels in plain Java spread
 * over a thread pool. Aparapi's own Java-thread-pool mode is not used: it runs kernels with
 * barriers thousands of times slower.
 */
public final class JavaDevice extends FloatArenaDevice {
  // TODO(helper R): JavaOps.
  public JavaDevice(DeviceOptions options, int threads) {
    super("java", options);
  }

  @Override public String name() { return "java"; }
  @Override public String description() { return "plain Java threads (no OpenCL)"; }
  @Override public Kind kind() { return Kind.JAVA; }
  @Override public Ops ops() { throw new UnsupportedOperationException(); }
  @Override public void close() { }
}
