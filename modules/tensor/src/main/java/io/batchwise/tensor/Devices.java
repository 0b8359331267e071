package io.batchwise.tensor;

import com.aparapi.device.OpenCLDevice;
import io.batchwise.tensor.jvm.JavaDevice;
import io.batchwise.tensor.opencl.OpenClDevice;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds and opens compute devices by a short spec.
 *
 * <p>Specs: {@code auto} (the first OpenCL GPU, else the first other OpenCL device, else the
 * plain-Java fallback with a loud warning), {@code opencl} (the first OpenCL device),
 * {@code opencl:N} (the N-th OpenCL device of {@link #list()}), {@code java} (plain-Java threads,
 * float precision), {@code reference} (plain Java, double precision, single-threaded: for tests).
 *
 * <p>A machine without an OpenCL runtime (no libOpenCL, no ICD, Aparapi's native library failing to
 * load) counts as having no OpenCL devices: the failure is caught and reported, never thrown from
 * {@link #list()} or {@code auto}.
 *
 * <p>Every JVM that loads Aparapi must run with {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}
 * (PoCL's signal handlers otherwise crash the JVM at random). The number of PoCL worker threads is
 * set per process by {@code POCL_MAX_PTHREAD_COUNT}; see {@link OpenClDevice}.
 */
public final class Devices {
  private static List<OpenCLDevice> openCl;
  private static String openClProblem;

  private Devices() {
  }

  /**
   * The OpenCL devices Aparapi sees, in platform order (the N of {@code opencl:N}); empty when
   * OpenCL is unavailable ({@link #openClProblem()} then says why). Queried once per JVM.
   */
  public static synchronized List<OpenCLDevice> openClDevices() {
    if (openCl == null) {
      try {
        openCl = List.copyOf(OpenCLDevice.listDevices(null));
        if (openCl.isEmpty()) {
          openClProblem = "no OpenCL platform or device found (is an ICD such as "
              + "pocl-opencl-icd installed?)";
        }
      } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError, native failures
        openCl = List.of();
        openClProblem = "OpenCL could not be loaded: " + e;
      }
    }
    return openCl;
  }

  /** Why {@link #openClDevices()} is empty, or null when it is not. */
  public static synchronized String openClProblem() {
    openClDevices();
    return openClProblem;
  }

  /** One line per device: spec, name, type, compute units, memory; then {@code java}, {@code reference}. */
  public static List<String> list() {
    List<String> lines = new ArrayList<>();
    List<OpenCLDevice> devices = openClDevices();
    for (int i = 0; i < devices.size(); i++) {
      OpenCLDevice d = devices.get(i);
      lines.add(String.format(Locale.ROOT, "%-10s %s", "opencl:" + i, OpenClDevice.describe(d)));
    }
    if (devices.isEmpty()) {
      lines.add(String.format(Locale.ROOT, "%-10s none: %s", "opencl", openClProblem()));
    }
    lines.add(String.format(Locale.ROOT, "%-10s plain Java threads, float precision (%d cores)",
        "java", Runtime.getRuntime().availableProcessors()));
    lines.add(String.format(Locale.ROOT, "%-10s plain Java, double precision, single thread (tests)",
        "reference"));
    return lines;
  }

  /**
   * Opens the device named by {@code spec} (see the class comment).
   *
   * @throws IllegalArgumentException for an unknown spec or an OpenCL index that does not exist
   */
  public static Device open(String spec, DeviceOptions options) {
    String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
    List<OpenCLDevice> devices;
    switch (s) {
      case "auto":
        devices = openClDevices();
        for (int i = 0; i < devices.size(); i++) {
          if (devices.get(i).getType() == com.aparapi.device.Device.TYPE.GPU) {
            return new OpenClDevice(devices.get(i), i, options);
          }
        }
        if (!devices.isEmpty()) {
          return new OpenClDevice(devices.get(0), 0, options);
        }
        warnNoOpenCl();
        return javaDevice(options);
      case "opencl":
        return openCl(0, spec, options);
      case "java":
        return javaDevice(options);
      case "reference":
        return new ReferenceDevice(options);
      default:
        if (s.startsWith("opencl:")) {
          int index;
          try {
            index = Integer.parseInt(s.substring("opencl:".length()));
          } catch (NumberFormatException e) {
            throw unknown(spec);
          }
          return openCl(index, spec, options);
        }
        throw unknown(spec);
    }
  }

  private static Device openCl(int index, String spec, DeviceOptions options) {
    List<OpenCLDevice> devices = openClDevices();
    if (devices.isEmpty()) {
      throw new IllegalArgumentException("device '" + spec + "': " + openClProblem()
          + ". Use --device java (slow) or install OpenCL (./batchwise setup).");
    }
    if (index < 0 || index >= devices.size()) {
      throw new IllegalArgumentException("device '" + spec + "': no OpenCL device " + index
          + "; valid: opencl:0 .. opencl:" + (devices.size() - 1));
    }
    return new OpenClDevice(devices.get(index), index, options);
  }

  private static Device javaDevice(DeviceOptions options) {
    return new JavaDevice(options, Runtime.getRuntime().availableProcessors());
  }

  private static IllegalArgumentException unknown(String spec) {
    int n = openClDevices().size();
    String indices = n == 0 ? "" : ", opencl:0" + (n > 1 ? " .. opencl:" + (n - 1) : "");
    return new IllegalArgumentException("unknown device '" + spec + "'; valid: auto, opencl"
        + indices + ", java, reference");
  }

  private static void warnNoOpenCl() {
    String bar = "*".repeat(78);
    System.err.println(bar);
    System.err.println("* WARNING: no OpenCL device available; falling back to plain Java threads.");
    System.err.println("* Reason: " + openClProblem());
    System.err.println("* Training will be MUCH slower. Install an OpenCL runtime, e.g.");
    System.err.println("*   sudo apt-get install pocl-opencl-icd ocl-icd-libopencl1 clinfo");
    System.err.println("* (./batchwise setup does this), then check with ./batchwise devices.");
    System.err.println(bar);
  }
}
