package io.batchwise.nn.layers;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Per-device workspace for tensors that live only inside one call of one layer (the im2col matrix
 * of a convolution and its CNHW output). Every layer of a network shares it, so a network holds one
 * im2col matrix (the largest) instead of one per convolution; a convolution recomputes im2col in
 * backward instead of keeping it from forward.
 *
 * <p>Invariant: a tensor obtained from a slot is valid only until the next {@link #get} of the same
 * slot (which may reallocate it). Layers never keep scratch tensors across calls. A device is used by
 * one thread at a time, so no locking is needed beyond the registry itself.
 */
public final class Scratch {
  /** Slot numbers in use. */
  public static final int COL = 0;
  public static final int CNHW = 1;
  private static final int SLOTS = 2;

  private static final Map<Device, Scratch> BY_DEVICE = new WeakHashMap<>();

  private final Device device;
  private final Tensor[] slots = new Tensor[SLOTS];

  private Scratch(Device device) {
    this.device = device;
  }

  /**
   * The workspace of {@code device}, created on first use. Workspaces of devices closed since are
   * dropped here: a workspace holds its device (its tensors do too), so the weak keys alone would
   * never let a closed device and its arenas be collected.
   */
  public static Scratch of(Device device) {
    synchronized (BY_DEVICE) {
      Scratch s = BY_DEVICE.get(device);
      if (s == null) {
        BY_DEVICE.keySet().removeIf(Device::isClosed);
        s = new Scratch(device);
        BY_DEVICE.put(device, s);
      }
      return s;
    }
  }

  /** Devices that have a workspace now (for tests). */
  static int registered() {
    synchronized (BY_DEVICE) {
      return BY_DEVICE.size();
    }
  }

  /** Frees the workspace of {@code device} (for example before measuring its memory). */
  public static void release(Device device) {
    Scratch s;
    synchronized (BY_DEVICE) {
      s = BY_DEVICE.remove(device);
    }
    if (s != null) {
      for (int i = 0; i < SLOTS; i++) {
        if (s.slots[i] != null) {
          s.slots[i].close();
        }
      }
    }
  }

  /**
   * A FLOAT tensor of {@code shape} in slot {@code slot}: a view of a block that only grows, so
   * alternating shapes do not churn the arena.
   */
  public Tensor get(int slot, int... shape) {
    int size = Tensor.sizeOf(shape);
    Tensor t = slots[slot];
    if (t == null || t.isClosed() || t.size() < size) {
      if (t != null) {
        t.close();
      }
      t = device.allocate(Math.max(size, 1));
      slots[slot] = t;
    }
    return t.slice(0, shape);
  }
}
