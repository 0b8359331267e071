package io.batchwise.spark.job;

import io.batchwise.data.TrainTestSplit;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import io.batchwise.train.TrainConfig;
import io.batchwise.train.TrainMain;
import io.batchwise.train.UsageException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an executor JVM keeps between the job's tasks: the data sets, read once per JVM and keyed by
 * what identifies them, and a pool of opened devices. Both are static: Spark runs every task of the
 * job in one of the executor's JVMs (in local mode, the driver's), and the next epoch's task should
 * not read 60 000 images or compile OpenCL kernels again.
 *
 * <p>Devices: Aparapi kernels are not thread-safe, so a device belongs to one task at a time. A task
 * {@link #device takes} an idle device of its spec (or opens one) and its {@link DeviceLease} gives
 * it back when the task ends; a device whose task failed is closed instead (its state is unknown).
 * Pooled devices live until the JVM exits.
 */
public final class ExecutorResources {
  private static final Map<String, TrainTestSplit> DATA = new ConcurrentHashMap<>();
  private static final Map<String, Deque<Device>> IDLE = new HashMap<>();

  private ExecutorResources() {
  }

  /** The data sets of {@code c}, loaded on first use in this JVM. */
  public static TrainTestSplit data(TrainConfig c) throws IOException, UsageException {
    String key = dataKey(c);
    TrainTestSplit cached = DATA.get(key);
    if (cached != null) {
      return cached;
    }
    // Loading under the class lock: two tasks of one executor asking at once read the files once.
    synchronized (DATA) {
      cached = DATA.get(key);
      if (cached == null) {
        cached = TrainMain.load(c);
        DATA.put(key, cached);
      }
      return cached;
    }
  }

  /** Everything that decides the contents of the data sets (limits are applied later). */
  static String dataKey(TrainConfig c) {
    if (TrainConfig.DATA_SYNTHETIC.equals(c.data())) {
      return c.data() + "|" + c.syntheticTrain() + "|" + c.syntheticTest() + "|" + c.seed();
    }
    return c.data() + "|" + c.dataDir().toAbsolutePath().normalize();
  }

  /** Takes an idle pooled device of {@code c}'s spec and arena size, or opens a new one. */
  public static DeviceLease device(TrainConfig c) {
    String key = c.device() + "|" + c.deviceMemoryMb();
    synchronized (IDLE) {
      Deque<Device> idle = IDLE.get(key);
      if (idle != null && !idle.isEmpty()) {
        return new DeviceLease(key, idle.pop());
      }
    }
    return new DeviceLease(key, Devices.open(c.device(), DeviceOptions.withMemoryMb(c.deviceMemoryMb())));
  }

  /** Number of idle pooled devices (for tests and logs). */
  static int idleDevices() {
    synchronized (IDLE) {
      return IDLE.values().stream().mapToInt(Deque::size).sum();
    }
  }

  /**
   * A device held by one task. Call {@link #succeeded()} when the task's work is done; {@link #close}
   * then returns the device to the pool, otherwise closes it.
   */
  public static final class DeviceLease implements AutoCloseable {
    private final String key;
    private final Device device;
    private boolean succeeded;

    private DeviceLease(String key, Device device) {
      this.key = key;
      this.device = device;
    }

    public Device device() {
      return device;
    }

    public void succeeded() {
      succeeded = true;
    }

    @Override
    public void close() {
      if (!succeeded) {
        try {
          device.close();
        } catch (RuntimeException e) {
          // The task failed already; its own error is what matters.
        }
        return;
      }
      synchronized (IDLE) {
        IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).push(device);
      }
    }
  }

  /** For tests: forget the cached data (pooled devices stay). */
  static void clearData() {
    DATA.clear();
  }

}
