package io.batchwise.collective;

import io.batchwise.collective.wire.WireFormat;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a rank needs to join a group. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@code jobId}, {@code secret}: the per-job identity. Peers prove knowledge of the secret to
 *       each other (HMAC-SHA256 over fresh nonces, job id and both ranks) before any data.</li>
 *   <li>{@code rank} in [0, size); {@code endpoints}: host:port of every rank, index = rank (may be
 *       empty when the server is bound first with {@link CollectiveServer#bind} and the list is
 *       handed to {@link CollectiveServer#join} later).</li>
 *   <li>{@code timeout}: how long a collective, or the set-up, waits for a peer (default 60 s).</li>
 *   <li>{@code handshakeTimeout}: how long a new connection has to authenticate before it is
 *       closed (default 10 s, at most {@code timeout}).</li>
 *   <li>{@code smallMessageMaxBytes}: all-reduces of at most this many bytes use recursive
 *       doubling (latency-bound), larger ones the ring (bandwidth-bound). Must agree on all ranks
 *       (checked on the first frame).</li>
 *   <li>{@code directMaxBytes}, {@code directMaxRanks}: all-reduces of at most this many bytes in
 *       groups of at most this many ranks use the one-round direct exchange (every rank sends
 *       to every other and sums in rank order) instead of recursive doubling; 0 turns it off. Must
 *       agree on all ranks (checked on the first frame).</li>
 *   <li>{@code chunkBytes}: size of one DATA frame's payload in the ring and in broadcast: the unit
 *       of pipelining. Must agree on all ranks.</li>
 *   <li>{@code spinMicros}: how long a waiting thread busy-polls before parking (on the event
 *       loop: the caller waiting for the collective's end; on the caller: each receive). Spinning
 *       saves a thread wake-up (about 25 us on this kind of machine) but burns a core that other
 *       ranks on the same cores may need.</li>
 *   <li>{@code transport}: {@code auto} (epoll where it loads, else NIO), {@code epoll}, {@code nio}.</li>
 *   <li>{@code onEventLoop} (default true) and {@code eventLoopMaxBytes} (default 64 KB): run
 *       the steps of collectives of at most that many bytes on the rank's Netty event-loop
 *       thread, which adds a frame and sends the next one as soon as it reads one; larger ones,
 *       and all with {@code onEventLoop=false}, run on the calling thread, which is woken for
 *       every frame and hands every send back to the event loop. Small messages are bound by
 *       those thread hops; large ones by CPU, where summing on the calling thread while the event
 *       loop reads and writes the sockets overlaps the two (measured: a 4 MB ring at 2 ranks took
 *       25-28 ms on the event loop, 14-17 ms on the calling thread, same CPU). Ranks may differ
 *       in these settings: the bytes on the wire are the same.</li>
 *   <li>{@code tls} (default false): encrypt every connection with TLS (Netty's SslHandler, JDK
 *       provider; each rank makes a self-signed EC certificate at start with keytool). The HMAC
 *       handshake runs inside TLS and is bound to the server's certificate, which is what
 *       authenticates the peers. Must agree on all ranks.</li>
 *   <li>{@code sharedMemory} (default true): when every rank of the group can map one file in
 *       {@code sharedMemoryDir} (default {@code /dev/shm}), i.e. the group is on one host, the
 *       collectives run through that shared memory ({@link
 *       io.batchwise.collective.shm.SharedMemoryCollectives}) instead of the sockets; the TCP
 *       mesh stays connected and is still what notices a lost or aborting rank. The group agrees
 *       on it at set-up (rank 0 creates the file, every rank votes), so ranks may differ in it:
 *       one rank with false keeps the whole group on TCP. TLS does not cover shared memory,
 *       which only processes of the same user on the same host can map.</li>
 *   <li>{@code sharedSlotBytes} (default 4 MB): bytes of one rank's slot; larger collectives run
 *       in rounds of this size. The segment holds 2 slots per rank. Rank 0's value is used.</li>
 *   <li>{@code sharedDirectMaxBytes} (default {@value #DEFAULT_SHARED_DIRECT_MAX_BYTES}): shared
 *       all-reduces of at most this many bytes per round are summed whole by every rank (one
 *       synchronization), larger ones are reduce-scattered and gathered (two). Must agree on
 *       all ranks (a disagreement is reported as a mismatch).</li>
 *   <li>{@code yieldMicros} (default 2000): in shared memory, a waiting rank busy-polls for
 *       {@code spinMicros}, then yields its core between polls until {@code yieldMicros}, then
 *       parks 50 us between polls.</li>
 * </ul>
 */
public final class CollectiveConfig {
  /**
   * Default switch point between recursive doubling and the ring: 32 KB. From CollectiveBench (one
   * JVM per rank on loopback) on a 2-core machine heavily shared with other jobs (load 20-35), so
   * only rough: in two of three runs at 4 ranks recursive doubling won at 4 and 16 KB (e.g. 608
   * vs 1131 us, 811 vs 2207 us) and the ring from 64 KB (2554 vs 4241 us); the third run favoured
   * recursive doubling up to 1 MB. At 2 ranks both move the same bytes and stayed within noise up
   * to 64 KB, the ring winning from 256 KB. Re-measure on an idle or target machine.
   */
  public static final int DEFAULT_SMALL_MESSAGE_MAX_BYTES = 32 << 10;
  public static final int DEFAULT_CHUNK_BYTES = 256 << 10;
  /**
   * Default bound of the direct exchange: 0, off. Measured side by side (4 rank JVMs on loopback,
   * 2 cores, load average 12-14, 2C+1 doubles with C = 64, both on the event loop, p50 of 3000
   * calls after a warm-up round): recursive doubling 242-261 us and 270-290 us of CPU per call
   * summed over the ranks, the direct exchange 285-309 us and 360-390 us. On a machine with fewer
   * cores than ranks the CPU of the extra frames costs more than the round it saves; with a
   * core per rank (or across machines, where a round costs a network hop) try 8 KB.
   */
  public static final int DEFAULT_DIRECT_MAX_BYTES = 0;
  public static final int DEFAULT_DIRECT_MAX_RANKS = 8;
  public static final int DEFAULT_EVENT_LOOP_MAX_BYTES = 64 << 10;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /**
   * Default slot: 4 MB, so that a 4 MB all-reduce is one round. Smaller slots were slower: a 4 MB
   * all-reduce at 4 ranks on 2 cores took 3.0 and 3.2 ms (medians) with 4 MB slots, 5.2 and 5.3
   * with 1 MB, 4.6 with 512 KB (CollectiveBench with -Dbatchwise.shared.slotBytes, alternating,
   * 2026-12-01 11:24; 20 untimed calls per size then, so JIT compilation is in all of them).
   */
  public static final int DEFAULT_SHARED_SLOT_BYTES = 4 << 20;
  /**
   * Default bound of the one-synchronization path: 16 KB, chosen, not measured: it covers SyncBN's
   * 2C+1 doubles up to C = 1023, where every rank summing the whole vector costs microseconds.
   */
  public static final int DEFAULT_SHARED_DIRECT_MAX_BYTES = 16 << 10;
  public static final int DEFAULT_YIELD_MICROS = 2000;
  /**
   * Default time an accepted connection has to complete the HMAC handshake: 10 s. It bounds how
   * long a stranger can hold one of the {@code 64} pending-handshake slots; on a heavily loaded
   * machine (load average above 30 on 2 cores) honest peers were seen to miss it, hence
   * {@link Builder#handshakeTimeout}.
   */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private final String jobId;
  private final byte[] secret;
  private final int rank;
  private final int size;
  private final List<InetSocketAddress> endpoints;
  private final Duration timeout;
  private final Duration handshakeTimeout;
  private final int smallMessageMaxBytes;
  private final int chunkBytes;
  private final int directMaxBytes;
  private final int directMaxRanks;
  private final int spinMicros;
  private final String transport;
  private final boolean onEventLoop;
  private final int eventLoopMaxBytes;
  private final boolean tls;
  private final boolean sharedMemory;
  private final String sharedMemoryDir;
  private final int sharedSlotBytes;
  private final int sharedDirectMaxBytes;
  private final int yieldMicros;

  private CollectiveConfig(Builder b) {
    this.jobId = Objects.requireNonNull(b.jobId, "jobId");
    if (jobId.isEmpty() || jobId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 256) {
      throw new IllegalArgumentException("jobId must have 1 to 256 UTF-8 bytes: '" + jobId + "'");
    }
    Objects.requireNonNull(b.secret, "secret");
    if (b.secret.length < 16) {
      throw new IllegalArgumentException("secret must have at least 16 bytes, has "
          + b.secret.length + " (use CollectiveConfig.newSecret())");
    }
    this.secret = b.secret.clone();
    this.endpoints = List.copyOf(b.endpoints);
    this.size = b.size > 0 ? b.size : endpoints.size();
    if (size < 1) {
      throw new IllegalArgumentException("group size must be >= 1 (give size or endpoints)");
    }
    if (!endpoints.isEmpty() && endpoints.size() != size) {
      throw new IllegalArgumentException(endpoints.size() + " endpoints for a group of " + size);
    }
    if (b.rank < 0 || b.rank >= size) {
      throw new IllegalArgumentException("rank " + b.rank + " outside [0, " + size + ")");
    }
    this.rank = b.rank;
    if (b.timeout.isNegative() || b.timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + b.timeout);
    }
    this.timeout = b.timeout;
    if (b.handshakeTimeout.isNegative() || b.handshakeTimeout.isZero()) {
      throw new IllegalArgumentException("handshakeTimeout must be positive: " + b.handshakeTimeout);
    }
    this.handshakeTimeout = b.handshakeTimeout;
    if (b.smallMessageMaxBytes < 0) {
      throw new IllegalArgumentException("smallMessageMaxBytes must be >= 0");
    }
    this.smallMessageMaxBytes = b.smallMessageMaxBytes;
    if (b.chunkBytes < 64 || b.chunkBytes > WireFormat.HARD_MAX_PAYLOAD) {
      throw new IllegalArgumentException("chunkBytes " + b.chunkBytes + " outside [64, "
          + WireFormat.HARD_MAX_PAYLOAD + "]");
    }
    this.chunkBytes = b.chunkBytes & ~7;
    if (b.directMaxBytes < 0 || b.directMaxRanks < 0) {
      throw new IllegalArgumentException("directMaxBytes and directMaxRanks must be >= 0");
    }
    // The direct exchange sends the whole vector in one frame.
    this.directMaxBytes = Math.min(b.directMaxBytes, this.chunkBytes);
    this.directMaxRanks = b.directMaxRanks;
    if (b.spinMicros < 0) {
      throw new IllegalArgumentException("spinMicros must be >= 0");
    }
    this.spinMicros = b.spinMicros;
    if (!List.of("auto", "epoll", "nio").contains(b.transport)) {
      throw new IllegalArgumentException("transport must be auto, epoll or nio: " + b.transport);
    }
    this.transport = b.transport;
    this.onEventLoop = b.onEventLoop;
    if (b.eventLoopMaxBytes < 0) {
      throw new IllegalArgumentException("eventLoopMaxBytes must be >= 0");
    }
    this.eventLoopMaxBytes = b.eventLoopMaxBytes;
    this.tls = b.tls;
    this.sharedMemory = b.sharedMemory;
    this.sharedMemoryDir = Objects.requireNonNull(b.sharedMemoryDir, "sharedMemoryDir");
    if (b.sharedSlotBytes < 64 || b.sharedSlotBytes > (256 << 20)) {
      throw new IllegalArgumentException("sharedSlotBytes " + b.sharedSlotBytes
          + " outside [64, 256 MB]");
    }
    this.sharedSlotBytes = b.sharedSlotBytes & ~63;
    if (b.sharedDirectMaxBytes < 0) {
      throw new IllegalArgumentException("sharedDirectMaxBytes must be >= 0");
    }
    this.sharedDirectMaxBytes = b.sharedDirectMaxBytes;
    if (b.yieldMicros < 0) {
      throw new IllegalArgumentException("yieldMicros must be >= 0");
    }
    this.yieldMicros = b.yieldMicros;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** 32 random bytes from a SecureRandom: a fresh per-job secret. */
  public static byte[] newSecret() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }

  /** Parses "host:port". */
  public static InetSocketAddress parseEndpoint(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("endpoint must be host:port: '" + hostPort + "'");
    }
    return new InetSocketAddress(hostPort.substring(0, colon),
        Integer.parseInt(hostPort.substring(colon + 1)));
  }

  public String jobId() {
    return jobId;
  }

  public byte[] secret() {
    return secret.clone();
  }

  public int rank() {
    return rank;
  }

  public int size() {
    return size;
  }

  public List<InetSocketAddress> endpoints() {
    return endpoints;
  }

  public Duration timeout() {
    return timeout;
  }

  /**
   * How long an accepted or opened connection has to complete the handshake (at most
   * {@link #timeout()}, which also bounds joining); see {@link #DEFAULT_HANDSHAKE_TIMEOUT}.
   */
  public Duration handshakeTimeout() {
    return handshakeTimeout.compareTo(timeout) < 0 ? handshakeTimeout : timeout;
  }

  public int smallMessageMaxBytes() {
    return smallMessageMaxBytes;
  }

  public int chunkBytes() {
    return chunkBytes;
  }

  public int directMaxBytes() {
    return directMaxBytes;
  }

  public int directMaxRanks() {
    return directMaxRanks;
  }

  public int spinMicros() {
    return spinMicros;
  }

  public String transport() {
    return transport;
  }

  public boolean onEventLoop() {
    return onEventLoop;
  }

  public int eventLoopMaxBytes() {
    return eventLoopMaxBytes;
  }

  public boolean tls() {
    return tls;
  }

  /** A copy of this config with the endpoint list replaced. */
  public boolean sharedMemory() {
    return sharedMemory;
  }

  public String sharedMemoryDir() {
    return sharedMemoryDir;
  }

  public int sharedSlotBytes() {
    return sharedSlotBytes;
  }

  public int sharedDirectMaxBytes() {
    return sharedDirectMaxBytes;
  }

  public int yieldMicros() {
    return yieldMicros;
  }

  public CollectiveConfig withEndpoints(List<InetSocketAddress> newEndpoints) {
    Builder b = toBuilder();
    b.endpoints = List.copyOf(newEndpoints);
    return b.build();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.jobId = jobId;
    b.secret = secret.clone();
    b.rank = rank;
    b.size = size;
    b.endpoints = endpoints;
    b.timeout = timeout;
    b.handshakeTimeout = handshakeTimeout;
    b.smallMessageMaxBytes = smallMessageMaxBytes;
    b.chunkBytes = chunkBytes;
    b.directMaxBytes = directMaxBytes;
    b.directMaxRanks = directMaxRanks;
    b.spinMicros = spinMicros;
    b.transport = transport;
    b.onEventLoop = onEventLoop;
    b.eventLoopMaxBytes = eventLoopMaxBytes;
    b.tls = tls;
    b.sharedMemory = sharedMemory;
    b.sharedMemoryDir = sharedMemoryDir;
    b.sharedSlotBytes = sharedSlotBytes;
    b.sharedDirectMaxBytes = sharedDirectMaxBytes;
    b.yieldMicros = yieldMicros;
    return b;
  }

  @Override
  public String toString() {
    return "CollectiveConfig[job " + jobId + ", rank " + rank + "/" + size + ", timeout " + timeout + ", handshake " + handshakeTimeout()
        + ", small<=" + smallMessageMaxBytes + " B, chunk " + chunkBytes + " B, spin "
        + spinMicros + " us, " + transport + (onEventLoop ? ", on event loop up to " + eventLoopMaxBytes + " B" : ", on caller")
        + (tls ? ", tls" : "") + (sharedMemory ? ", shared memory in " + sharedMemoryDir
        + " (slots " + sharedSlotBytes + " B, direct<=" + sharedDirectMaxBytes + " B, yield "
        + yieldMicros + " us)" : ", no shared memory") + "]";
  }

  /** Builder of {@link CollectiveConfig}. */
  public static final class Builder {
    private String jobId;
    private byte[] secret;
    private int rank = -1;
    private int size = -1;
    private List<InetSocketAddress> endpoints = List.of();
    private Duration timeout = DEFAULT_TIMEOUT;
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    private int smallMessageMaxBytes = DEFAULT_SMALL_MESSAGE_MAX_BYTES;
    private int chunkBytes = DEFAULT_CHUNK_BYTES;
    private int directMaxBytes = DEFAULT_DIRECT_MAX_BYTES;
    private int directMaxRanks = DEFAULT_DIRECT_MAX_RANKS;
    // 0: measured at 4 ranks on 2 cores, spinning 20 us before parking made the 2C+1
    // all-reduce slower (p50 381 vs 261 us) and cost more CPU (500 vs 310 us per call).
    private int spinMicros = 0;
    private String transport = "auto";
    private boolean onEventLoop = true;
    private int eventLoopMaxBytes = DEFAULT_EVENT_LOOP_MAX_BYTES;
    private boolean tls;
    private boolean sharedMemory = true;
    private String sharedMemoryDir = "/dev/shm";
    private int sharedSlotBytes = DEFAULT_SHARED_SLOT_BYTES;
    private int sharedDirectMaxBytes = DEFAULT_SHARED_DIRECT_MAX_BYTES;
    private int yieldMicros = DEFAULT_YIELD_MICROS;

    public Builder jobId(String v) {
      jobId = v;
      return this;
    }

    public Builder secret(byte[] v) {
      secret = v.clone();
      return this;
    }

    public Builder rank(int v) {
      rank = v;
      return this;
    }

    public Builder size(int v) {
      size = v;
      return this;
    }

    public Builder endpoints(List<InetSocketAddress> v) {
      endpoints = List.copyOf(v);
      return this;
    }

    public Builder timeout(Duration v) {
      timeout = Objects.requireNonNull(v);
      return this;
    }

    /** See {@link CollectiveConfig#handshakeTimeout()}; must be positive. */
    public Builder handshakeTimeout(Duration v) {
      handshakeTimeout = Objects.requireNonNull(v);
      return this;
    }

    public Builder smallMessageMaxBytes(int v) {
      smallMessageMaxBytes = v;
      return this;
    }

    public Builder chunkBytes(int v) {
      chunkBytes = v;
      return this;
    }

    public Builder directMaxBytes(int v) {
      directMaxBytes = v;
      return this;
    }

    public Builder directMaxRanks(int v) {
      directMaxRanks = v;
      return this;
    }

    public Builder spinMicros(int v) {
      spinMicros = v;
      return this;
    }

    public Builder transport(String v) {
      transport = Objects.requireNonNull(v);
      return this;
    }

    public Builder onEventLoop(boolean v) {
      onEventLoop = v;
      return this;
    }

    public Builder eventLoopMaxBytes(int v) {
      eventLoopMaxBytes = v;
      return this;
    }

    public Builder tls(boolean v) {
      tls = v;
      return this;
    }

    /** See {@link CollectiveConfig#sharedMemory()}. */
    public Builder sharedMemory(boolean v) {
      sharedMemory = v;
      return this;
    }

    public Builder sharedMemoryDir(String v) {
      sharedMemoryDir = Objects.requireNonNull(v);
      return this;
    }

    public Builder sharedSlotBytes(int v) {
      sharedSlotBytes = v;
      return this;
    }

    public Builder sharedDirectMaxBytes(int v) {
      sharedDirectMaxBytes = v;
      return this;
    }

    public Builder yieldMicros(int v) {
      yieldMicros = v;
      return this;
    }

    public CollectiveConfig build() {
      return new CollectiveConfig(this);
    }
  }
}
