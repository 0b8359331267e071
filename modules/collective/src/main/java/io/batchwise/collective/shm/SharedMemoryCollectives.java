package io.batchwise.collective.shm;

import io.batchwise.collective.CollectiveException;
import io.batchwise.collective.CollectiveMismatchException;
import io.batchwise.collective.CollectiveTimeoutException;
import io.batchwise.collective.PeerLostException;
import io.batchwise.collective.algorithm.Call;
import io.batchwise.collective.algorithm.Vec;
import io.batchwise.collective.wire.WireFormat;
import io.batchwise.collective.wire.WireFormat.DType;
import io.batchwise.collective.wire.WireFormat.Op;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * All-reduce, broadcast and barrier among ranks on one host through a {@link SharedSegment}: no
 * socket, no event-loop thread, no kernel copy; each rank writes its input into its slot once and
 * reads what it needs from the others' slots.
 *
 * <p>A collective runs as one or more <em>rounds</em> (one per {@code slotBytes} of data); round
 * t uses the slots of parity t mod 2. In round t of an all-reduce of m elements, rank r:
 * <ol>
 *   <li>writes its m elements into slot (p, r), its call into control block r, then sets
 *       arrived[r] = t;</li>
 *   <li>waits for arrived[j] >= t of every j and checks that j's call is the same as its own;</li>
 *   <li><em>small</em> (at most {@code directMaxBytes}): sums all m elements over the W slots in
 *       rank order, ((x_0 + x_1) + x_2) + ..., into its own vector. Done: one synchronization;</li>
 *   <li><em>otherwise</em> (reduce-scatter, then gather): sums slice r of the m elements (slices of
 *       whole 64-byte lines) over the W slots in rank order into slice r of its own slot, sets
 *       reduced[r] = t, waits for reduced[j] >= t of every j and copies slice j out of slot (p, j)
 *       for every j.</li>
 * </ol>
 *
 * <p>Invariants:
 * <ol>
 *   <li>Every element of the result is computed once by one expression in rank order (small: the
 *       same expression on every rank), so every rank ends with the same bits.</li>
 *   <li>Slot (p, r) is written in round t only after every rank arrived at round t - 1, which
 *       each did after it finished reading round t - 2, the last round that used the slot: two
 *       sets of slots make one synchronization per round enough.</li>
 *   <li>Control block r is written only by rank r; counters only grow; a rank's call for parity p
 *       is written before its arrived counter is released, and is not overwritten before every
 *       rank arrived at the next round, so it is what a reader that saw arrived[r] >= t reads.</li>
 *   <li>A rank that waits checks, besides the counters, the TCP mesh (a rank that died has lost
 *       its connections, an aborting rank sent ABORT) and the call's deadline: no wait is without
 *       an end. A peer that closed after its last round is not lost for rounds it completed.</li>
 * </ol>
 *
 * <p>Waiting: busy-poll for {@code spinNanos} (for all of {@code yieldNanos} when every rank can
 * have a CPU of its own, judged from the CPUs each rank may run on: see {@link CpuAffinity}), then
 * {@link Thread#yield()} until {@code yieldNanos}, then park 50 us at a time. Yielding matters
 * where ranks outnumber cores: the rank being waited for usually gets the core without a timer
 * wake-up in between; with a core per rank it costs a system call per poll and returns at once.
 * Parking bounds what a waiting rank takes from the others when yielding does not hand the core
 * over (the scheduler prefers a yielding thread that has used less than its share of the core).
 * Measured (resnet20, 4 workers on 2 cores, 2026-12-01): a doorbell that let waiters sleep until
 * woken over a Unix socket made no difference beside this, within a noise of +-20% between runs,
 * so it was dropped.
 *
 * <p>Rounds that move more than {@code directMaxBytes} per rank on ranks that share cores skip the
 * spinning and yielding and park 100 us at a time: the rank waited for has megabytes to copy or
 * sum and needs the core now. Measured (4 rank JVMs, 2 cores, 4 MB all-reduce, median of 40,
 * 2026-12-01, two runs each): yielding 7.1-8.0 ms, parking 50 us 5.1-5.3 ms, 150 us 5.0 ms,
 * 10 us with 1 us of timer slack 6.1-6.5 ms (the many wake-ups preempt the rank that works).
 * (Those runs timed 40 calls after 20 untimed ones, so JIT compilation still took part of them;
 * with 150 untimed calls the same 4 MB all-reduce takes 1.6-2.3 ms.)
 *
 * <p>Slices are owned: rank r sums slice r. A schedule in which ranks took chunks from a shared
 * ticket counter, so that a rank with a core sums while its core-mate waits for one, was measured
 * against it (4 ranks, 2 cores, 4 MB, warmed up, alternating in one session, 2026-12-01): 2.13 and
 * 2.16 ms against 1.79 and 1.61 ms. Its timelines showed why: a rank preempted while it holds a
 * chunk stalls every rank, as an owner's slice does, and the ticket counter adds a shared line.
 *
 * <p>Not thread-safe: the communicator runs one collective at a time.
 */
public final class SharedMemoryCollectives implements AutoCloseable {
  private static final int BLOCK = 4096;
  /** Slices of the reduce-scatter start on 64-byte lines, so no two ranks write one line. */
  private static final int LINE = 64;
  private static final long PARK_NANOS = 50_000;
  private static final long BULK_PARK_NANOS = 100_000;

  private final SharedSegment seg;
  private final int rank;
  private final int size;
  private final GroupState group;
  private final long spinNanos;
  private final long yieldNanos;
  /** Whether each rank can have a core of its own: then waits busy-poll instead of yielding. */
  private final boolean dedicatedCores;
  /**
   * Rank j may run on a CPU this rank may run on (from the masks published at set-up; an unknown
   * mask counts as shared). False for every j when each rank can have a core of its own.
   */
  private final boolean[] sharesCpu;
  private final int directMaxBytes;
  /** Wrappers of the slots ([parity][rank]), for the vector's bulk copies. */
  private final ByteBuf[][] slots;
  private final FloatBuffer[][] floats;
  private final DoubleBuffer[][] doubles;
  /** This rank's sums of a small all-reduce, before they go to the vector. */
  private final ByteBuf result;
  /** Views of {@link #result} for the sums of a small all-reduce. */
  private final FloatBuffer resultFloats;
  private final DoubleBuffer resultDoubles;
  private final float[] accF = new float[BLOCK];
  private final float[] inF = new float[BLOCK];
  private final double[] accD = new double[BLOCK / 2];
  private final double[] inD = new double[BLOCK / 2];
  private long round;
  /**
   * Whether the current round moves more than {@code directMaxBytes} per rank on ranks that share
   * cores: its waits then park at once, so that the rank being waited for, which has a copy or a
   * sum of that size to finish, gets the core (see the class comment).
   */
  private boolean bulk;
  /** Set by {@link #close}; a waiting collective then ends with an exception. */
  private volatile boolean closed;
  /** Collectives running now (at most one, plus a racing close). */
  private final java.util.concurrent.atomic.AtomicInteger inFlight =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * @param directMaxBytes all-reduces of at most this many bytes per round are summed whole by
   *     every rank (one synchronization); must agree on all ranks (a disagreement is reported as a
   *     mismatch)
   */
  public SharedMemoryCollectives(SharedSegment seg, int rank, GroupState group, long spinNanos,
      long yieldNanos, int directMaxBytes) {
    this.seg = seg;
    this.rank = rank;
    this.size = seg.ranks();
    this.group = group;
    long[] masks = new long[size];
    for (int j = 0; j < size; j++) {
      masks[j] = seg.cpus(j);
    }
    this.dedicatedCores = CpuAffinity.eachRankHasACore(masks);
    this.sharesCpu = new boolean[size];
    for (int j = 0; j < size; j++) {
      sharesCpu[j] = j != rank && !dedicatedCores
          && (masks[j] == 0 || masks[rank] == 0 || (masks[j] & masks[rank]) != 0);
    }
    this.yieldNanos = Math.max(spinNanos, yieldNanos);
    this.spinNanos = dedicatedCores ? this.yieldNanos : spinNanos;
    this.directMaxBytes = Math.min(directMaxBytes, seg.slotBytes());
    this.slots = new ByteBuf[2][size];
    this.floats = new FloatBuffer[2][size];
    this.doubles = new DoubleBuffer[2][size];
    for (int p = 0; p < 2; p++) {
      for (int j = 0; j < size; j++) {
        ByteBuffer b = seg.slot(p, j);
        slots[p][j] = Unpooled.wrappedBuffer(b.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        floats[p][j] = b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        doubles[p][j] = b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
      }
    }
    this.result = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(Math.max(8,
        this.directMaxBytes)).order(ByteOrder.LITTLE_ENDIAN));
    this.resultFloats = result.nioBuffer(0, result.capacity()).order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer();
    this.resultDoubles = result.nioBuffer(0, result.capacity()).order(ByteOrder.LITTLE_ENDIAN)
        .asDoubleBuffer();
  }

  /**
   * Whether every rank of the group can have a CPU of its own (from the CPUs each published at
   * set-up); waits then busy-poll for the whole of {@code yieldMicros} instead of yielding.
   */
  public boolean dedicatedCores() {
    return dedicatedCores;
  }

  /** Elements of {@code dtype} per round. */
  private int perRound(DType dtype) {
    return seg.slotBytes() / dtype.bytes;
  }

  private static int rounds(int n, int perRound) {
    return n == 0 ? 1 : (int) (((long) n + perRound - 1) / perRound);
  }

  /** In-place sum of {@code v} over the group; {@code c} names the call in errors. */
  public void allReduce(Call c, Vec v) {
    enter(c);
    try {
      allReduceRounds(c, v);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private void enter(Call c) {
    inFlight.incrementAndGet();
    if (closed) {
      inFlight.decrementAndGet();
      throw new CollectiveException("rank " + rank + ": communicator closed before " + c.describe());
    }
  }

  private void allReduceRounds(Call c, Vec v) {
    int k = rounds(v.length(), perRound(v.dtype()));
    for (int i = 0; i < k; i++) {
      completeRound(c, v, arriveRound(c, v, i));
    }
  }

  /**
   * The first half of an all-reduce that fits in one round: writes this rank's data and arrives.
   * Until {@link #finishAllReduce} the caller runs no other collective here.
   *
   * @throws IllegalArgumentException if {@code v} needs more than one round ({@link #oneRound})
   */
  public Round startAllReduce(Call c, Vec v) {
    if (!oneRound(v)) {
      throw new IllegalArgumentException("a split all-reduce must fit one round of "
          + seg.slotBytes() + " bytes; " + c.describe() + " does not");
    }
    enter(c);
    try {
      return arriveRound(c, v, 0);
    } catch (RuntimeException e) {
      inFlight.decrementAndGet();
      throw e;
    }
  }

  /** The second half: waits for the others, sums, and leaves the sum in {@code v}. */
  public void finishAllReduce(Call c, Vec v, Round r) {
    try {
      completeRound(c, v, r);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /**
   * Whether waiting in round {@code r} now would leave this rank's CPU idle: some rank has not
   * arrived, and none of those that have not may run on this rank's CPUs (so that computing here
   * takes no time from them). With a core per rank that is "some rank has not arrived"; where
   * ranks share cores, a rank that waits for its core-mate lends it the core by waiting. Never blocks.
   */
  public boolean waitWouldIdle(Round r) {
    boolean missing = false;
    for (int j = 0; j < size; j++) {
      if (j != rank && seg.arrived(j) < r.t()) {
        if (sharesCpu[j]) {
          return false;
        }
        missing = true;
      }
    }
    return missing;
  }

  /** Whether an all-reduce of {@code v} takes one round (so it can be split in two halves). */
  public boolean oneRound(Vec v) {
    return rounds(v.length(), perRound(v.dtype())) == 1;
  }

  /** One round of an all-reduce in progress: its elements [base, base + m), number and parity. */
  public record Round(int base, int m, long t, int p, boolean whole) {}

  private Round arriveRound(Call c, Vec v, int i) {
    int n = v.length();
    DType dt = v.dtype();
    int per = perRound(dt);
    int base = (int) Math.min((long) i * per, n);
    int m = Math.min(per, n - base);
    long t = ++round;
    int p = (int) (t & 1);
    boolean whole = (long) m * dt.bytes <= directMaxBytes;
    bulk = !dedicatedCores && !whole;
    if (m > 0) {
      v.write(slots[p][rank].clear(), base, m);
    }
    arrive(c, Op.ALL_REDUCE_SUM, dt, n, WireFormat.ALGORITHM_SHARED_MEMORY, t, p);
    return new Round(base, m, t, p, whole);
  }

  private void completeRound(Call c, Vec v, Round r) {
    DType dt = v.dtype();
    int m = r.m();
    int p = r.p();
    long t = r.t();
    awaitArrived(c, Op.ALL_REDUCE_SUM, dt, v.length(), WireFormat.ALGORITHM_SHARED_MEMORY, t, p);
    if (m == 0) {
      return;
    }
    if (r.whole()) {
      if (dt == DType.F32) {
        sum(p, 0, m, resultFloats, 0);
      } else {
        sum(p, 0, m, resultDoubles, 0);
      }
      result.setIndex(0, m * dt.bytes);
      v.copy(result, r.base(), m);
      return;
    }
    int slice = slice(m, dt);
    int lo = Math.min(m, rank * slice);
    int hi = Math.min(m, lo + slice);
    if (dt == DType.F32) {
      sum(p, lo, hi - lo, floats[p][rank], lo);
    } else {
      sum(p, lo, hi - lo, doubles[p][rank], lo);
    }
    seg.setReduced(rank, t);
    awaitReduced(c, t);
    for (int j = 0; j < size; j++) {
      int jl = Math.min(m, j * slice);
      int jh = Math.min(m, jl + slice);
      if (jh > jl) {
        ByteBuf s = slots[p][j];
        s.setIndex(jl * dt.bytes, jh * dt.bytes);
        v.copy(s, r.base() + jl, jh - jl);
      }
    }
  }

  /** Elements per rank's slice of m: whole 64-byte lines. */
  private int slice(int m, DType dt) {
    int perLine = LINE / dt.bytes;
    int s = (m + size - 1) / size;
    return (s + perLine - 1) / perLine * perLine;
  }

  /** Copies {@code root}'s vector into every rank's. */
  public void broadcast(Call c, Vec v, int root) {
    enter(c);
    try {
      broadcastRounds(c, v, root);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private void broadcastRounds(Call c, Vec v, int root) {
    int n = v.length();
    DType dt = v.dtype();
    int per = perRound(dt);
    int k = rounds(n, per);
    for (int i = 0; i < k; i++) {
      int base = (int) Math.min((long) i * per, n);
      int m = Math.min(per, n - base);
      long t = ++round;
      int p = (int) (t & 1);
      bulk = !dedicatedCores && (long) m * dt.bytes > directMaxBytes;
      if (rank == root && m > 0) {
        v.write(slots[p][rank].clear(), base, m);
      }
      arrive(c, Op.BROADCAST, dt, n, root, t, p);
      awaitArrived(c, Op.BROADCAST, dt, n, root, t, p);
      if (rank != root && m > 0) {
        ByteBuf s = slots[p][root];
        s.setIndex(0, m * dt.bytes);
        v.copy(s, base, m);
      }
    }
  }

  /** Returns once every rank has entered. */
  public void barrier(Call c) {
    enter(c);
    try {
      long t = ++round;
      int p = (int) (t & 1);
      bulk = false;
      arrive(c, Op.BARRIER, DType.F32, 0, 0, t, p);
      awaitArrived(c, Op.BARRIER, DType.F32, 0, 0, t, p);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /**
   * Ends this rank's use of the segment: a collective still waiting ends with an exception, and
   * once none runs (waiting at most a second) the mapping is released at once.
   */
  @Override
  public void close() {
    closed = true;
    long end = System.nanoTime() + 1_000_000_000L;
    while (inFlight.get() > 0 && System.nanoTime() < end) {
      LockSupport.parkNanos(1_000_000);
    }
    if (inFlight.get() == 0) {
      seg.unmap();
    }
  }

  private void arrive(Call c, Op op, DType dt, int count, int aux, long t, int p) {
    seg.writeCall(rank, p, c.sequence(), op.code, dt.code, count, aux);
    seg.setArrived(rank, t);
  }

  /**
   * out[at + i] = ((x_0[from + i] + x_1[from + i]) + x_2[from + i]) + ... for i in [0, n), x_j
   * being slot (p, j). Absolute indices only: no views are made per call.
   */
  private void sum(int p, int from, int n, FloatBuffer out, int at) {
    for (int done = 0; done < n; done += BLOCK) {
      int m = Math.min(BLOCK, n - done);
      int o = from + done;
      floats[p][0].get(o, accF, 0, m);
      for (int j = 1; j < size; j++) {
        floats[p][j].get(o, inF, 0, m);
        for (int i = 0; i < m; i++) {
          accF[i] = accF[i] + inF[i];
        }
      }
      out.put(at + done, accF, 0, m);
    }
  }

  private void sum(int p, int from, int n, DoubleBuffer out, int at) {
    int block = accD.length;
    for (int done = 0; done < n; done += block) {
      int m = Math.min(block, n - done);
      int o = from + done;
      doubles[p][0].get(o, accD, 0, m);
      for (int j = 1; j < size; j++) {
        doubles[p][j].get(o, inD, 0, m);
        for (int i = 0; i < m; i++) {
          accD[i] = accD[i] + inD[i];
        }
      }
      out.put(at + done, accD, 0, m);
    }
  }

  private void awaitArrived(Call c, Op op, DType dt, int count, int aux, long t, int p) {
    for (int j = 0; j < size; j++) {
      if (j == rank) {
        continue;
      }
      if (seg.arrived(j) < t) {
        await(c, j, t, false);
      }
      long seq = seg.callSequence(j, p);
      int jop = seg.callField(j, p, 0);
      int jdt = seg.callField(j, p, 1);
      int jcount = seg.callField(j, p, 2);
      int jaux = seg.callField(j, p, 3);
      if (seq != c.sequence() || jop != op.code || jdt != dt.code || jcount != count
          || jaux != aux) {
        Op o = Op.of(jop);
        DType d = DType.of(jdt);
        String theirs = o == null || d == null ? "an unknown call (op " + jop + ", dtype " + jdt
            + ")" : WireFormat.describe(o, d, jcount, seq, jaux);
        throw group.fail(new CollectiveMismatchException("rank " + rank + " called "
            + WireFormat.describe(op, dt, count, c.sequence(), aux) + " but rank " + j
            + " called " + theirs));
      }
    }
  }

  private void awaitReduced(Call c, long t) {
    for (int j = 0; j < size; j++) {
      if (j != rank && seg.reduced(j) < t) {
        await(c, j, t, true);
      }
    }
  }

  private long counter(int j, boolean reduced) {
    return reduced ? seg.reduced(j) : seg.arrived(j);
  }

  /** Waits until rank j's counter reaches t, or the group breaks, j is lost or time is up. */
  private void await(Call c, int j, long t, boolean reduced) {
    long start = System.nanoTime();
    long now = start;
    int polls = 0;
    while (counter(j, reduced) < t) {
      long waited = now - start;
      if (bulk) {
        LockSupport.parkNanos(this, BULK_PARK_NANOS);
      } else if (waited < spinNanos) {
        Thread.onSpinWait();
      } else if (waited < yieldNanos) {
        Thread.yield();
      } else {
        LockSupport.parkNanos(this, PARK_NANOS);
      }
      if ((++polls & 15) != 0 && waited < spinNanos) {
        continue;
      }
      now = System.nanoTime();
      if (closed) {
        throw new CollectiveException("rank " + rank + ": communicator closed during "
            + c.describe());
      }
      var broken = group.brokenBy();
      if (broken != null) {
        throw broken;
      }
      if (group.isLost(j) && counter(j, reduced) < t) {
        throw group.fail(new PeerLostException(j, "rank " + rank + " lost its connection to rank "
            + j + " during " + c.describe() + " (shared memory)"));
      }
      if (now >= c.deadlineNanos() && counter(j, reduced) < t) {
        int[] silent = behind(t, reduced);
        throw group.fail(new CollectiveTimeoutException(silent, "rank " + rank + " timed out in "
            + c.describe() + " (shared memory, round " + t + ") waiting for rank " + j
            + "; ranks that have not " + (reduced ? "summed their slice" : "arrived") + ": "
            + Arrays.toString(silent)));
      }
    }
  }

  private int[] behind(long t, boolean reduced) {
    List<Integer> out = new ArrayList<>();
    for (int j = 0; j < size; j++) {
      if (j != rank && counter(j, reduced) < t) {
        out.add(j);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
