package io.batchwise.collective.transport;

import io.batchwise.collective.CollectiveException;
import io.batchwise.collective.PeerLostException;
import io.batchwise.collective.algorithm.Call;
import io.batchwise.collective.algorithm.Schedule;
import io.batchwise.collective.algorithm.Vec;
import io.batchwise.collective.wire.Frame;
import java.util.concurrent.locks.LockSupport;

/**
 * One collective executed on the mesh's event-loop thread: the steps of its {@link Schedule} run
 * there, resumed whenever a frame arrives, so a frame is added and the next one sent from the
 * thread that read it: no hand-off to the calling thread and back per hop (two thread wake-ups,
 * tens of microseconds each on a loaded machine), and sends are written to the socket at once
 * instead of being queued as event-loop tasks. The calling thread only starts it and waits for
 * {@link #finished}.
 *
 * <p>Threads: {@link #advance} and {@link #finish} run on the event loop only; {@link #finished}
 * and {@link #failure} are read by the waiting thread (volatile; {@code failure} is written
 * before {@code finished}).
 */
final class LoopCollective {
  private final Mesh mesh;
  private final Call call;
  private final Vec vec;
  private final Schedule plan;
  private final Thread waiter;
  private int next;
  /** The rank whose frame the collective waits for (-1 before the first wait); for messages. */
  volatile int awaiting = -1;
  volatile CollectiveException failure;
  volatile boolean finished;

  LoopCollective(Mesh mesh, Call call, Vec vec, Schedule plan, Thread waiter) {
    this.mesh = mesh;
    this.call = call;
    this.vec = vec;
    this.plan = plan;
    this.waiter = waiter;
  }

  Call call() {
    return call;
  }

  /**
   * Runs steps until one needs a frame that has not arrived (then returns, to be called again
   * when a frame, a lost connection or an abort arrives) or until all are done.
   */
  void advance() {
    if (finished) {
      return;
    }
    try {
      CollectiveException broken = mesh.brokenBy();
      if (broken != null) {
        finish(broken);
        return;
      }
      while (next < plan.size()) {
        if (plan.kind(next) == Schedule.SEND) {
          plan.send(call, vec, next);
        } else if (plan.kind(next) == Schedule.RECV_ALL_SUM) {
          int n = mesh.size();
          for (int peer = 0; peer < n; peer++) {
            if (peer != mesh.rank() && !mesh.hasFrame(peer)) {
              if (mesh.isLost(peer)) {
                throw lost(peer);
              }
              awaiting = peer;
              return;
            }
          }
          Frame[] frames = new Frame[n];
          for (int peer = 0; peer < n; peer++) {
            if (peer != mesh.rank()) {
              frames[peer] = mesh.poll(peer);
            }
          }
          plan.receiveAll(call, vec, next, frames);
        } else {
          int peer = plan.peer(next);
          Frame f = mesh.poll(peer);
          if (f == null) {
            if (mesh.isLost(peer)) {
              throw lost(peer);
            }
            awaiting = peer;
            return;
          }
          plan.receive(call, vec, next, f);
        }
        next++;
      }
      finish(null);
    } catch (CollectiveException e) {
      finish(e);
    } catch (RuntimeException e) {
      finish(mesh.fail(new CollectiveException("rank " + mesh.rank() + " failed in "
          + call.describe() + ": " + e, e)));
    }
  }

  private CollectiveException lost(int peer) {
    return mesh.fail(new PeerLostException(peer, "rank " + mesh.rank()
        + " lost its connection to rank " + peer + " during " + call.describe()));
  }

  /** Ends this collective (first call wins) and wakes the waiting thread. Event loop only. */
  void finish(CollectiveException e) {
    if (finished) {
      return;
    }
    failure = e;
    finished = true;
    mesh.collectiveEnded(this);
    LockSupport.unpark(waiter);
  }
}
