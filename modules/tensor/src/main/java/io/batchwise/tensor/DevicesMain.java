package io.batchwise.tensor;

/** Prints the devices {@link Devices#open} accepts, one per line: {@code ./batchwise devices}. */
public final class DevicesMain {
  private DevicesMain() {
  }

  public static void main(String[] args) {
    for (String line : Devices.list()) {
      System.out.println(line);
    }
  }
}
