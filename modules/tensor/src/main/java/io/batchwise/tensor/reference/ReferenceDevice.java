package io.batchwise.tensor.reference;

import io.batchwise.tensor.ArenaAllocator;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Ops;
import io.batchwise.tensor.Tensor;

/**
 * The double-precision reference device: every FLOAT tensor is stored as doubles and every kernel
 * is the plain, single-threaded Java definition of its {@link Ops} contract. Kernel tests compare
 * the OpenCL and Java devices against it; layer gradient checks run on it.
 */
public final class ReferenceDevice extends Device {
  // TODO(helper R): double[] arenas, allocators, ReferenceOps.
  public ReferenceDevice(DeviceOptions options) {
    throw new UnsupportedOperationException("not yet implemented");
  }

  @Override public String name() { return "reference"; }
  @Override public String description() { return "plain Java, double precision, single thread"; }
  @Override public Kind kind() { return Kind.REFERENCE; }
  @Override public Ops ops() { throw new UnsupportedOperationException(); }
  @Override protected ArenaAllocator allocator(DType dtype) { throw new UnsupportedOperationException(); }
  @Override protected void write(Tensor t, int pos, float[] src, int srcPos, int len) { throw new UnsupportedOperationException(); }
  @Override protected void write(Tensor t, int pos, double[] src, int srcPos, int len) { throw new UnsupportedOperationException(); }
  @Override protected void read(Tensor t, int pos, float[] dst, int dstPos, int len) { throw new UnsupportedOperationException(); }
  @Override protected void read(Tensor t, int pos, double[] dst, int dstPos, int len) { throw new UnsupportedOperationException(); }
  @Override public void close() { }
}
