package io.batchwise.tensor.jvm;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.testing.OpsConformanceTest;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java device against the reference, with three threads so every parallel split is exercised
 * even on a one- or two-core machine, and GEMM shapes large enough to cross the inline threshold,
 * the four-row groups, full and shortened row tiles, column blocks and blocks of k.
 */
class JavaOpsConformanceTest extends OpsConformanceTest {
  @Override
  protected Device openDevice() {
    return new JavaDevice(new DeviceOptions(64, 1), 3);
  }

  @Override
  protected List<int[]> gemmShapes() {
    List<int[]> shapes = new ArrayList<>(super.gemmShapes());
    shapes.add(new int[] {130, 300, 67});
    shapes.add(new int[] {3, 517, 2});
    shapes.add(new int[] {200, 600, 5}); // full 64-row tiles, three column blocks
    shapes.add(new int[] {9, 20, 600}); // three blocks of k
    shapes.add(new int[] {70, 3, 300});
    return shapes;
  }
}
