package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Worker pinning of the scaling runs: worker r on core r mod cores, nothing when not asked. */
class ScalingRunAffinityTest {

  @Test
  void unpinnedWorkersGetNoPrefix() {
    assertEquals(List.of(), ScalingRun.affinity(0, false));
    assertEquals(List.of(), ScalingRun.affinity(7, false));
  }

  @Test
  void workersAreSpreadOverTheCoresBeforeAnyShares() {
    assumeTrue(ScalingRun.tasksetAvailable(), "taskset is not installed here");
    int cores = Runtime.getRuntime().availableProcessors();
    Set<String> used = new HashSet<>();
    for (int r = 0; r < cores; r++) {
      List<String> prefix = ScalingRun.affinity(r, true);
      assertEquals(List.of("taskset", "-c", String.valueOf(r)), prefix);
      assertTrue(used.add(prefix.get(2)), "two of the first " + cores + " workers share a core");
    }
    assertEquals(List.of("taskset", "-c", "0"), ScalingRun.affinity(cores, true));
    assertEquals(List.of("taskset", "-c", String.valueOf(1 % cores)), ScalingRun.affinity(cores + 1, true));
  }
}
