package io.batchwise.tensor.opencl;

import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.FloatArenaDevice;
import io.batchwise.tensor.Ops;

/**
 * An OpenCL device reached through Aparapi: kernels are OpenCL C sources bound through Aparapi's
 * {@code com.aparapi.opencl.OpenCL} interfaces, and every kernel receives the device's arenas.
 */
public final class OpenClDevice extends FloatArenaDevice {
  // TODO(helper K): bind kernels, OpenClOps.
  public OpenClDevice(com.aparapi.device.OpenCLDevice device, int index, DeviceOptions options) {
    super("opencl:" + index, options);
  }

  @Override public String name() { return "opencl"; }
  @Override public String description() { return "OpenCL"; }
  @Override public Kind kind() { return Kind.OPENCL; }
  @Override public Ops ops() { throw new UnsupportedOperationException(); }
  @Override public void close() { }
}
