package io.batchwise.collective.shm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lowers the Linux timer slack of a waiting thread to 1 us, so that a short park really is short.
 * With the default slack (50 us) a park of 1 us slept about 90 us on this machine, with 1 us of
 * slack about 12 us. A rank that waits for a peer on the same core must leave the run queue for
 * the peer to run (yielding is not enough when the peer has used more than its share of the
 * core: the scheduler keeps picking the yielding thread), and must come back soon after.
 *
 * <p>Linux only: the slack of a thread is {@code /proc/<tid>/timerslack_ns}, and the thread's id is
 * the target of {@code /proc/thread-self}. Elsewhere, or when the file cannot be written, nothing
 * changes (parks are only longer).
 */
final class TimerSlack {
  private static final ThreadLocal<Boolean> DONE = ThreadLocal.withInitial(() -> false);

  private TimerSlack() {
  }

  /** Sets this thread's timer slack to 1 us, once per thread; best effort. */
  static void lowerForThisThread() {
    if (DONE.get()) {
      return;
    }
    DONE.set(true);
    try {
      Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
      String tid = self.getFileName().toString();
      Files.writeString(Path.of("/proc", tid, "timerslack_ns"), "1000");
    } catch (IOException | RuntimeException e) {
      // Not Linux, or /proc not writable: keep the default slack.
    }
  }
}
