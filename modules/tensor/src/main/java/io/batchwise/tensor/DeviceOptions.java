package io.batchwise.tensor;

/**
 * How large a device's memory arenas are.
 *
 * @param floatArenaMb size of the FLOAT arena in MiB (activations, parameters, gradients, workspaces)
 * @param doubleArenaMb size of the DOUBLE arena in MiB (per-channel statistics)
 */
public record DeviceOptions(int floatArenaMb, int doubleArenaMb) {
  /** 512 MiB of floats fits resnet20 at batch 128 on 28×28 inputs with room to spare. */
  public static final DeviceOptions DEFAULT = new DeviceOptions(512, 8);

  public DeviceOptions {
    if (floatArenaMb <= 0 || floatArenaMb > 8191) {
      throw new IllegalArgumentException("device memory must be 1..8191 MiB, got " + floatArenaMb);
    }
    if (doubleArenaMb <= 0 || doubleArenaMb > 8191) {
      throw new IllegalArgumentException("double arena must be 1..8191 MiB, got " + doubleArenaMb);
    }
  }

  public static DeviceOptions withMemoryMb(int floatArenaMb) {
    return new DeviceOptions(floatArenaMb, DEFAULT.doubleArenaMb());
  }

  public int floatElements() {
    return (int) Math.min(Integer.MAX_VALUE - 64L, floatArenaMb * (1L << 20) / 4);
  }

  public int doubleElements() {
    return (int) Math.min(Integer.MAX_VALUE - 64L, doubleArenaMb * (1L << 20) / 8);
  }
}
