package io.batchwise.tensor.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.tensor.testing.OpsConformanceTest;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL device (PoCL here) against the reference through the shared conformance suite, with
 * GEMM shapes that reach past the GEMM kernels' tile sizes. Skipped, loudly, without OpenCL.
 */
class OpenClOpsConformanceTest extends OpsConformanceTest {
  @Override
  protected Device openDevice() {
    if (Devices.openClDevices().isEmpty()) {
      System.err.println("*** OpenClOpsConformanceTest SKIPPED: no OpenCL device ("
          + Devices.openClProblem() + "). The OpenCL kernels are NOT tested on this machine. ***");
    }
    assumeTrue(!Devices.openClDevices().isEmpty(), "no OpenCL device: " + Devices.openClProblem());
    Device d = Devices.open("opencl", new DeviceOptions(64, 1));
    System.err.println("OpenClOpsConformanceTest runs on " + d);
    return d;
  }

  @Override
  protected List<int[]> gemmShapes() {
    List<int[]> shapes = new ArrayList<>(super.gemmShapes());
    shapes.add(new int[] {130, 300, 67});
    shapes.add(new int[] {20, 600, 25});
    return shapes;
  }
}
