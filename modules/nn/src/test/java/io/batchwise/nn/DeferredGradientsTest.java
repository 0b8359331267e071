package io.batchwise.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The queue's order, its one-at-a-time draining, and the count that does not depend on draining. */
class DeferredGradientsTest {

  @Test
  void runOneTakesTheOldestAndTheCountKeepsEverythingEverDeferred() {
    DeferredGradients q = new DeferredGradients();
    List<Integer> ran = new ArrayList<>();
    assertFalse(q.runOne(), "an empty queue runs nothing");
    for (int i = 0; i < 3; i++) {
      int k = i;
      q.defer(() -> ran.add(k));
    }
    assertTrue(q.runOne());
    assertEquals(List.of(0), ran);
    assertEquals(2, q.size());
    assertEquals(3, q.deferredCount());
    q.defer(() -> ran.add(3));
    q.runAll();
    assertEquals(List.of(0, 1, 2, 3), ran, "invariant 1: oldest first");
    assertTrue(q.isEmpty());
    assertEquals(4, q.deferredCount(), "running work does not change the count");
  }

  @Test
  void aFailingPieceDropsTheRestAndPropagates() {
    DeferredGradients q = new DeferredGradients();
    List<Integer> ran = new ArrayList<>();
    q.defer(() -> {
      throw new IllegalStateException("failed on purpose");
    });
    q.defer(() -> ran.add(1));
    IllegalStateException e = assertThrows(IllegalStateException.class, q::runOne);
    assertEquals("failed on purpose", e.getMessage());
    assertTrue(q.isEmpty(), "the step that deferred the rest has failed");
    assertEquals(List.of(), ran);
  }
}
