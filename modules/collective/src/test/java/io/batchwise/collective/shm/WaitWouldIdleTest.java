package io.batchwise.collective.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.batchwise.collective.CollectiveException;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When a rank waiting in a split all-reduce would leave its CPU idle: only while some rank has not
 * arrived and none of those may run on its CPUs. Arrival counters and CPU masks are written into a
 * real segment by hand, so the answer is checked for every combination without timing.
 */
class WaitWouldIdleTest {
  @TempDir
  Path dir;

  private static final GroupState HEALTHY = new GroupState() {
    @Override
    public CollectiveException brokenBy() {
      return null;
    }

    @Override
    public boolean isLost(int rank) {
      return false;
    }

    @Override
    public CollectiveException fail(CollectiveException failure) {
      return failure;
    }
  };

  /** Rank 0's answers for each subset of ranks 1 and 2 that has arrived: {none, 1, 2, both}. */
  private boolean[] answers(long[] masks) throws IOException {
    SharedSegment seg = SharedSegment.create(dir, 3, 4096, masks[0] * 31 + masks[1] * 7 + masks[2]);
    try {
      for (int j = 0; j < 3; j++) {
        seg.setCpus(j, masks[j]);
      }
      SharedMemoryCollectives shm = new SharedMemoryCollectives(seg, 0, HEALTHY, 0, 0, 1024);
      SharedMemoryCollectives.Round round = new SharedMemoryCollectives.Round(0, 0, 1, 1, true);
      boolean[] out = new boolean[4];
      for (int arrived = 0; arrived < 4; arrived++) {
        seg.setArrived(1, (arrived & 1) != 0 ? 1 : 0);
        seg.setArrived(2, (arrived & 2) != 0 ? 1 : 0);
        out[arrived] = shm.waitWouldIdle(round);
        if (arrived == 3) {
          assertEquals(false, out[arrived], "everyone arrived: waiting idles nothing, whatever the masks");
        }
      }
      return out;
    } finally {
      seg.unlink();
      seg.unmap();
    }
  }

  @Test
  void aCoreOfItsOwnIdlesWhileAnyRankIsMissing() throws IOException {
    boolean[] a = answers(new long[] {0b001, 0b010, 0b100});
    assertEquals("[true, true, true, false]", java.util.Arrays.toString(a));
  }

  @Test
  void aRankWaitingForItsCoreMateLendsItTheCoreInstead() throws IOException {
    // Ranks 0 and 1 share CPU 0, rank 2 has CPU 1: only a wait for rank 2 alone idles CPU 0.
    boolean[] a = answers(new long[] {0b01, 0b01, 0b10});
    assertEquals("[false, true, false, false]", java.util.Arrays.toString(a));
  }

  @Test
  void anUnknownMaskCountsAsShared() throws IOException {
    // Rank 2's mask unknown (0): no dedicated cores, and a wait for rank 2 may be a wait for a
    // core-mate; a wait for rank 1 alone (CPU 1, not rank 0's CPU 0) idles.
    boolean[] a = answers(new long[] {0b001, 0b010, 0});
    assertEquals("[false, false, true, false]", java.util.Arrays.toString(a));
  }
}
