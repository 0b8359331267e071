package io.batchwise.collective;

/** A peer's connection closed (process died, network failed) while the group was in use. */
public class PeerLostException extends CollectiveException {
  private final int lostRank;

  public PeerLostException(int lostRank, String message) {
    super(message);
    this.lostRank = lostRank;
  }

  /** The rank whose connection was lost. */
  public int lostRank() {
    return lostRank;
  }
}
