package io.batchwise.collective;

import java.util.Arrays;

/** A collective (or the group's set-up) did not hear from some ranks within the timeout. */
public class CollectiveTimeoutException extends CollectiveException {
  private final int[] silentRanks;

  public CollectiveTimeoutException(int[] silentRanks, String message) {
    super(message);
    this.silentRanks = silentRanks.clone();
  }

  /** The ranks not heard from. */
  public int[] silentRanks() {
    return silentRanks.clone();
  }

  static String list(int[] ranks) {
    return Arrays.toString(ranks);
  }
}
