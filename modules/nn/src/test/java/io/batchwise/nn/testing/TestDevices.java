package io.batchwise.nn.testing;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.lang.reflect.Method;

/** Devices for nn tests: the double reference, and float devices where this build has them. */
public final class TestDevices {
  private TestDevices() {
  }

  /** A small double-precision reference device. */
  public static Device reference() {
    return new ReferenceDevice(new DeviceOptions(64, 4));
  }

  /**
   * Opens {@code spec} ({@code java}, {@code opencl}) through {@code io.batchwise.tensor.Devices}, or
   * returns null with the reason in {@code why[0]} when that class or device is not available.
   * Reflection keeps this module compiling while the device factory is still being written.
   */
  public static Device openFloat(String spec, String[] why) {
    try {
      Class<?> devices = Class.forName("io.batchwise.tensor.Devices");
      Method open = devices.getMethod("open", String.class, DeviceOptions.class);
      Device d = (Device) open.invoke(null, spec, new DeviceOptions(64, 4));
      try (var probe = d.allocate(1)) {
        d.ops().fill(probe, 0f); // fails here if its kernels are still stubs
      } catch (RuntimeException e) {
        d.close();
        throw e;
      }
      return d;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      why[0] = spec + " device unavailable: " + cause;
      return null;
    }
  }
}
