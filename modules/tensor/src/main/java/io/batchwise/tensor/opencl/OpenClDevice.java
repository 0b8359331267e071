package io.batchwise.tensor.opencl;

import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLPlatform;
import com.aparapi.opencl.OpenCL;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.FloatArenaDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An OpenCL device reached through Aparapi: kernels are OpenCL C sources (resources next to this
 * class, one file per kernel family) bound through Aparapi's {@code com.aparapi.opencl.OpenCL}
 * interfaces, and every kernel receives the device's arenas plus element offsets.
 *
 * <p>Why the arenas: Aparapi re-pins a kernel argument whenever a different Java array is passed in
 * it, leaking a JNI critical section (the JVM hangs at its next GC). This device always passes
 * {@link #floats()} (and {@link #doubles()} to the kernels that write double sums). On PoCL the
 * OpenCL buffer aliases the array, so a launch copies nothing however large the arena is.
 *
 * <p>Threads: each instance binds its own kernels (a bound interface is not thread-safe), so every
 * worker opens its own device. PoCL 3.1's CPU ("pthread") driver sizes its worker pool from the
 * environment variable {@code POCL_MAX_PTHREAD_COUNT} (read once, when the OpenCL platform is first
 * loaded; default: all cores; {@code clinfo} then reports that many compute units). The launcher
 * sets it per worker JVM so W workers on one machine do not oversubscribe its cores; it cannot be
 * changed from inside a running JVM. {@code POCL_AFFINITY=1} additionally pins those threads.
 *
 * <p>PoCL compiles each program on first use (0.3–2 s) and caches the binaries under
 * {@code ~/.cache/pocl} (or {@code POCL_CACHE_DIR}).
 */
public final class OpenClDevice extends FloatArenaDevice {
  private final OpenCLDevice device;
  private final String name;
  private final String description;
  private final List<OpenCL<?>> bound = new ArrayList<>();
  private final ClGemm gemm;
  private final OpenClOps ops;
  private volatile boolean closed;

  /**
   * Opens an Aparapi OpenCL device: allocates the arenas and compiles every kernel program.
   *
   * @param device the Aparapi device (see {@link io.batchwise.tensor.Devices})
   * @param index its position in {@link io.batchwise.tensor.Devices#openClDevices()}, for the name
   * @param options arena sizes
   */
  public OpenClDevice(OpenCLDevice device, int index, DeviceOptions options) {
    super("opencl:" + index, options);
    checkCollector();
    this.device = Objects.requireNonNull(device, "device");
    this.name = "opencl:" + index;
    this.description = describe(device);
    try {
      ElementwiseKernels elementwise = bind(ElementwiseKernels.class);
      LayoutKernels layout = bind(LayoutKernels.class);
      PoolingKernels pooling = bind(PoolingKernels.class);
      ChannelKernels channels = bind(ChannelKernels.class);
      LossKernels loss = bind(LossKernels.class);
      this.gemm = new ClGemm(device);
      this.ops = new OpenClOps(this, device, elementwise, layout, pooling, channels, loss, gemm);
    } catch (RuntimeException | Error e) {
      disposeBound();
      throw e;
    }
    // Straight to stderr, not java.util.logging: Aparapi's Config lowers every root handler to
    // WARNING when it loads, which would hide this line, and logs must show where kernels ran.
    System.err.println("[batchwise] opened OpenCL device " + name + ": " + description);
  }

  private <T extends OpenCL<T>> T bind(Class<T> kernels) {
    T t;
    try {
      t = device.bind(kernels);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot build the OpenCL program of " + kernels.getSimpleName()
          + " on " + description + ": " + e.getMessage(), e);
    }
    bound.add(t);
    return t;
  }

  /**
   * One line naming the driver, the device and its size, e.g. {@code PoCL 3.1+debian
   * pthread-skylake-avx512-AMD EPYC (CPU, 2 compute units, 3.8 GiB; platform vendor The pocl
   * project)}.
   */
  public static String describe(OpenCLDevice device) {
    OpenCLPlatform platform = device.getOpenCLPlatform();
    String driver = platform == null ? "OpenCL" : driverName(platform);
    String vendor = platform == null ? "unknown" : platform.getVendor();
    return String.format("%s %s (%s, %d compute units, %.1f GiB; platform vendor %s)", driver,
        device.getName(), device.getType(), device.getMaxComputeUnits(),
        device.getGlobalMemSize() / (double) (1L << 30), vendor);
  }

  /**
   * The implementation named in the platform version ("OpenCL 3.0 PoCL 3.1+debian Linux, ..."
   * gives "PoCL 3.1+debian"; "OpenCL 3.0 CUDA 12.2.148" gives "CUDA 12.2.148"), else the platform
   * name.
   */
  static String driverName(OpenCLPlatform platform) {
    String version = platform.getVersion() == null ? "" : platform.getVersion().trim();
    String[] words = version.split("\\s+");
    if (words.length >= 4 && words[0].equals("OpenCL")) {
      return words[2] + " " + words[3];
    }
    return platform.getName();
  }

  /** The Aparapi device behind this one (benchmarks bind extra kernels to it). */
  public OpenCLDevice aparapiDevice() {
    return device;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public Kind kind() {
    return Kind.OPENCL;
  }

  @Override
  public OpenClOps ops() {
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
    return ops;
  }

  /** Releases the kernels and programs; the arenas go with the object. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      gemm.close();
    } finally {
      disposeBound();
    }
  }

  private void disposeBound() {
    for (OpenCL<?> k : bound) {
      BoundProgramDisposal.dispose(k);
    }
    bound.clear();
  }

  @Override
  public boolean isClosed() {
    return closed;
  }
}
