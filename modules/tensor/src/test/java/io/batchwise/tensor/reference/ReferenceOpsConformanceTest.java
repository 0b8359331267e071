package io.batchwise.tensor.reference;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.testing.OpsConformanceTest;

/**
 * Runs the conformance suite with the reference device on both sides: every output must then agree
 * exactly, which checks the suite itself (shapes legal, n = 0 accepted, no output left unwritten).
 */
class ReferenceOpsConformanceTest extends OpsConformanceTest {
  @Override
  protected Device openDevice() {
    return new ReferenceDevice(new DeviceOptions(16, 1));
  }
}
