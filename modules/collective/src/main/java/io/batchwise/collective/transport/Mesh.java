package io.batchwise.collective.transport;

import io.batchwise.collective.CollectiveConfig;
import io.batchwise.collective.CollectiveException;
import io.batchwise.collective.CollectiveMismatchException;
import io.batchwise.collective.CollectiveTimeoutException;
import io.batchwise.collective.Communicator;
import io.batchwise.collective.PeerLostException;
import io.batchwise.collective.algorithm.BinomialBroadcast;
import io.batchwise.collective.algorithm.Call;
import io.batchwise.collective.algorithm.DirectAllReduce;
import io.batchwise.collective.algorithm.Links;
import io.batchwise.collective.algorithm.RecursiveDoubling;
import io.batchwise.collective.algorithm.Ring;
import io.batchwise.collective.algorithm.Schedule;
import io.batchwise.collective.algorithm.Vec;
import io.batchwise.collective.shm.GroupState;
import io.batchwise.collective.shm.SharedMemoryCollectives;
import io.batchwise.collective.shm.SharedSegment;
import io.batchwise.collective.wire.ControlCodec;
import io.batchwise.collective.wire.ControlCodec.Abort;
import io.batchwise.collective.wire.Frame;
import io.batchwise.collective.wire.FrameDecoder;
import io.batchwise.collective.wire.FrameEncoder;
import io.batchwise.collective.wire.WireFormat;
import io.batchwise.collective.wire.WireFormat.Op;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The communicator: a full mesh of authenticated connections (rank i connects to every j < i and
 * accepts from every j > i), one inbox per peer, and the group's failure state. When the whole
 * group agrees at set-up (all ranks on one host, {@link CollectiveConfig#sharedMemory()}), the
 * collectives run through {@link SharedMemoryCollectives} instead, and the connections only carry
 * the set-up, ABORT frames and the news of a lost rank.
 *
 * <p>Invariants:
 * <ol>
 *   <li>At most one collective runs at a time; it runs on the caller's thread or on the async
 *       thread, in issue order, and numbers itself with the next sequence number.</li>
 *   <li>Frames from one peer arrive in the order sent (one TCP connection), so the next frame in a
 *       peer's inbox is the next one the running algorithm expects from it, or a mismatch.</li>
 *   <li>{@code broken} is set once (first failure wins) and never cleared; the rank that detects a
 *       failure sends ABORT to every live peer, which sets theirs.</li>
 *   <li>A lost peer's queued frames are still delivered: a peer that finished and closed does not
 *       fail a collective that only needs data it already sent.</li>
 * </ol>
 */
public final class Mesh implements Communicator, Links, GroupState {
  private static final System.Logger LOG = System.getLogger(Mesh.class.getName());

  private final CollectiveConfig config;
  private final int rank;
  private final int size;
  private final Authenticator authenticator;
  private final NettyTransport transport;
  private final EventLoopGroup group;
  /** The group's one event-loop thread: all socket I/O, and collectives in event-loop mode. */
  private final EventLoop loop;
  /** The collective running on the event loop, or null. Read and written on the event loop only. */
  private LoopCollective active;
  private final Channel server;
  /** TLS contexts and this rank's certificate fingerprint when {@code tls}, else null. */
  private final io.netty.handler.ssl.SslContext tlsServer;
  private final io.netty.handler.ssl.SslContext tlsClient;
  private final byte[] tlsFingerprint;
  private final AtomicReferenceArray<Channel> channels;
  private final AtomicIntegerArray lost;
  /** Orders collective issue (sync and async); never taken by the event loop. */
  private final Object issueLock = new Object();
  private final String[] connectProblems;
  private final ConcurrentLinkedQueue<Frame>[] inboxes;
  private final AtomicLongArray lastHeard;
  private final long spinNanos;
  private final long timeoutNanos;
  private final int maxDataPayload;
  /** Connections accepted but not yet authenticated (bounded, so floods cannot pile up). */
  private final java.util.concurrent.atomic.AtomicInteger pendingHandshakes =
      new java.util.concurrent.atomic.AtomicInteger();
  static final int MAX_PENDING_HANDSHAKES = 64;
  private volatile CollectiveException broken;
  private volatile Thread waiter;
  private volatile boolean closing;
  /** Set when the first collective starts; from then on a lost connection is never replaced. */
  private volatile boolean started;
  private long sequence;
  /** A split all-reduce ({@link #startAllReduceSum}) was started and not finished. */
  private volatile boolean splitOpen;
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
  private volatile ExecutorService asyncThread;
  /** The collectives through shared memory, when the whole group agreed on it at set-up. */
  private SharedMemoryCollectives shared;

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Mesh(CollectiveConfig config, InetSocketAddress bindAddress) {
    this.config = config;
    this.rank = config.rank();
    this.size = config.size();
    this.authenticator = new Authenticator(config.secret(), config.jobId(), size);
    this.transport = NettyTransport.choose(config.transport());
    this.channels = new AtomicReferenceArray<>(size);
    this.lost = new AtomicIntegerArray(size);
    this.connectProblems = new String[size];
    this.inboxes = new ConcurrentLinkedQueue[size];
    for (int i = 0; i < size; i++) {
      inboxes[i] = new ConcurrentLinkedQueue<>();
    }
    this.lastHeard = new AtomicLongArray(size);
    this.spinNanos = config.spinMicros() * 1000L;
    this.timeoutNanos = config.timeout().toNanos();
    // DATA frames carry at most chunkBytes; the bound is looser (16 MB or the chunk, never above
    // the hard cap) so that a peer configured with a larger chunk is reported as a mismatch
    // instead of being cut off by the decoder.
    this.maxDataPayload = Math.min(WireFormat.HARD_MAX_PAYLOAD,
        Math.max(config.chunkBytes(), 16 << 20));
    this.group = transport.newGroup(1, r -> {
      Thread t = new Thread(r, "batchwise-collective-io-r" + rank);
      t.setDaemon(true);
      return t;
    });
    this.loop = group.next();
    if (config.tls()) {
      TlsIdentity identity;
      try {
        identity = TlsIdentity.get();
      } catch (RuntimeException e) {
        group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
        throw e;
      }
      this.tlsServer = identity.serverContext();
      this.tlsClient = TlsIdentity.clientContext();
      this.tlsFingerprint = identity.fingerprint();
    } else {
      this.tlsServer = null;
      this.tlsClient = null;
      this.tlsFingerprint = null;
    }
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(transport.serverChannel())
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, receiveSizes())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            FrameDecoder decoder = new FrameDecoder();
            if (tlsServer != null) {
              ch.pipeline().addLast(tlsServer.newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(decoder, FrameEncoder.INSTANCE,
                PeerConnection.accepted(Mesh.this, decoder));
          }
        });
    try {
      this.server = b.bind(bindAddress).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
      throw new CollectiveException("rank " + rank + " cannot listen on " + bindAddress + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Socket reads adapt between 512 B and 1 MB (Netty's default stops at 64 KB): fewer read calls
   * and decoder passes for ring chunks, small reads for small messages.
   */
  private static AdaptiveRecvByteBufAllocator receiveSizes() {
    return new AdaptiveRecvByteBufAllocator(512, 8192, 1 << 20);
  }

  /** Binds this rank's server; peers may connect (and authenticate) from now on. */
  public static Mesh bind(CollectiveConfig config, InetSocketAddress bindAddress) {
    return new Mesh(config, bindAddress);
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  /** The transport in use: "epoll" or "nio". */
  public String transportName() {
    return transport.name();
  }

  /**
   * Connects to every lower rank, waits until every higher rank has connected, all within the
   * timeout; on failure closes this rank and throws {@link CollectiveTimeoutException} naming the
   * ranks not connected and the last problem seen with each.
   */
  public Mesh join(List<InetSocketAddress> endpoints) {
    if (endpoints.size() != size) {
      throw new IllegalArgumentException(endpoints.size() + " endpoints for a group of " + size);
    }
    long deadline = System.nanoTime() + timeoutNanos;
    for (int peer = 0; peer < rank; peer++) {
      connect(peer, endpoints.get(peer), deadline, 20);
    }
    CollectiveException failure = null;
    synchronized (this) {
      while (true) {
        int[] missing = missingPeers();
        if (missing.length == 0) {
          break;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || closing) {
          StringBuilder why = new StringBuilder();
          for (int m : missing) {
            if (connectProblems[m] != null) {
              why.append("; rank ").append(m).append(": ").append(connectProblems[m]);
            }
          }
          failure = new CollectiveTimeoutException(missing, "rank " + rank + " of job '"
              + config.jobId() + "' could not connect to rank(s) " + Arrays.toString(missing)
              + " within " + config.timeout().toMillis() + " ms" + why);
          break;
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure = new CollectiveException("rank " + rank + " interrupted while connecting", e);
          break;
        }
      }
    }
    if (failure != null) {
      // Outside the monitor: close() waits for the event loop, which may need the monitor.
      close();
      throw failure;
    }
    try {
      setUpSharedMemory();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    LOG.log(Level.DEBUG, "rank {0}: group of {1} connected over {2}{3}", rank, size,
        transport.name(), shared != null ? " with shared memory" : "");
    return this;
  }

  /**
   * The group decides, with two TCP collectives (the group's #1 and #2), whether it runs on
   * shared memory: rank 0 creates the segment and broadcasts its token (or 0 when it cannot or
   * will not), every rank that wants to opens it and checks its header, and an all-reduce counts
   * the ranks that did. Only a unanimous vote switches the group over; rank 0 unlinks the file
   * after the vote either way, when every rank that could has mapped it.
   */
  private void setUpSharedMemory() {
    if (size == 1) {
      return;
    }
    Path dir = Path.of(config.sharedMemoryDir());
    SharedSegment created = null;
    // {available, token high 32 bits, token low 32 bits}: doubles hold them exactly.
    double[] offer = new double[3];
    if (rank == 0 && config.sharedMemory()) {
      long token = new java.security.SecureRandom().nextLong();
      try {
        created = SharedSegment.create(dir, size, config.sharedSlotBytes(), token);
        offer[0] = 1;
        offer[1] = token >>> 32;
        offer[2] = token & 0xffffffffL;
      } catch (java.io.IOException | RuntimeException e) {
        LOG.log(Level.INFO, "rank 0 of job ''{0}'': no shared memory in {1} ({2}); the group "
            + "uses TCP", config.jobId(), dir, e.toString());
      }
    }
    SharedSegment mine = created;
    try {
      runCollective(Op.BROADCAST, Vec.of(offer), 0);
      if (rank != 0 && offer[0] == 1 && config.sharedMemory()) {
        long token = ((long) offer[1] << 32) | (long) offer[2];
        try {
          mine = SharedSegment.open(dir, size, token);
        } catch (java.io.IOException | RuntimeException e) {
          LOG.log(Level.INFO, "rank {0} of job ''{1}'': cannot map rank 0''s shared memory "
              + "({2}); the group uses TCP", rank, config.jobId(), e.toString());
        }
      }
      if (mine != null) {
        mine.publishAllowedCpus(rank);
      }
      double[] votes = {mine != null ? 1 : 0};
      // Recursive doubling whatever the settings: ranks that disagree on them (a mismatch their
      // first collective reports) must still agree here.
      runCollective(Op.ALL_REDUCE_SUM, Vec.of(votes), WireFormat.ALGORITHM_RECURSIVE_DOUBLING);
      if (votes[0] == size) {
        shared = new SharedMemoryCollectives(mine, rank, this, spinNanos,
            config.yieldMicros() * 1000L, config.sharedDirectMaxBytes());
        LOG.log(Level.DEBUG, "rank {0}: shared memory, {1}", rank, shared.dedicatedCores()
            ? "a core per rank: waits busy-poll" : "ranks share cores: waits yield, then park");
      }
    } finally {
      if (created != null) {
        created.unlink();
      }
    }
  }

  @Override
  public boolean usesSharedMemory() {
    return shared != null;
  }

  @Override
  public boolean ranksHaveCoresOfTheirOwn() {
    SharedMemoryCollectives s = shared;
    return s != null && s.dedicatedCores();
  }

  private int[] missingPeers() {
    List<Integer> m = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      // A peer whose connection was lost during set-up counts as missing: it may reconnect.
      if (i != rank && (channels.get(i) == null || lost.get(i) != 0)) {
        m.add(i);
      }
    }
    return m.stream().mapToInt(Integer::intValue).toArray();
  }

  private void connect(int peer, InetSocketAddress address, long deadline, long delayMillis) {
    if (closing || System.nanoTime() > deadline) {
      return;
    }
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(transport.channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .option(ChannelOption.RCVBUF_ALLOCATOR, receiveSizes())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            FrameDecoder decoder = new FrameDecoder();
            if (tlsClient != null) {
              ch.pipeline().addLast(tlsClient.newHandler(ch.alloc(), address.getHostString(),
                  address.getPort()));
            }
            ch.pipeline().addLast(decoder, FrameEncoder.INSTANCE,
                PeerConnection.connecting(Mesh.this, decoder, peer));
          }
        });
    ChannelFuture f = b.connect(address);
    f.addListener(done -> {
      if (!done.isSuccess()) {
        connectProblem(peer, "connect to " + address + ": " + done.cause().getMessage());
      }
      // Retry (with backoff) until registered: the peer may not listen yet, or it may have
      // refused the handshake; the deadline bounds it.
      Runnable retry = () -> {
        if (!closing && !isRegistered(peer)) {
          connect(peer, address, deadline, Math.min(1000, delayMillis * 2));
        }
      };
      if (done.isSuccess()) {
        f.channel().closeFuture().addListener(c -> {
          if (!isRegistered(peer) && !closing) {
            group.schedule(retry, delayMillis, TimeUnit.MILLISECONDS);
          }
        });
      } else if (!closing) {
        group.schedule(retry, delayMillis, TimeUnit.MILLISECONDS);
      }
    });
  }

  private boolean isRegistered(int peer) {
    return channels.get(peer) != null;
  }

  synchronized void connectProblem(int peer, String why) {
    if (peer >= 0 && peer < size) {
      connectProblems[peer] = why;
    }
  }

  /** Called by an authenticated connection. False when that rank is already connected. */
  synchronized boolean register(int peer, Channel channel) {
    if (closing) {
      return false;
    }
    Channel old = channels.get(peer);
    if (old != null) {
      // A connection that was registered here and then lost before any collective started
      // (e.g. the peer gave up on its side of a slow handshake and retried) is replaced: no frame
      // of the group can have travelled on it. Once a collective started, a lost peer stays lost.
      if (started || lost.get(peer) == 0 || old.isActive()) {
        return false;
      }
      for (Frame f; (f = inboxes[peer].poll()) != null; ) {
        f.release();
      }
      lost.set(peer, 0);
    }
    channels.set(peer, channel);
    notifyAll();
    return true;
  }

  void deliver(int peer, Frame frame) {
    lastHeard.set(peer, frame.header().sequence());
    inboxes[peer].offer(frame);
    resumeOrWake();
  }

  /**
   * After a frame, a lost connection or an abort: resumes the collective running on the event loop
   * (we are on it: every caller is a channel handler), or wakes the thread running one.
   */
  private void resumeOrWake() {
    LoopCollective a = loop.inEventLoop() ? active : null;
    if (a != null) {
      a.advance();
    } else {
      wake();
    }
  }

  void peerLost(int peer, Channel channel) {
    if (channels.get(peer) != channel) {
      return;
    }
    lost.set(peer, 1);
    if (!closing) {
      LOG.log(Level.DEBUG, "rank {0}: connection to rank {1} lost", rank, peer);
    }
    resumeOrWake();
  }

  void remoteAbort(int from, Abort a) {
    int subject = a.ranks().length > 0 ? a.ranks()[0] : from;
    String msg = "rank " + from + " aborted the group: " + a.message();
    CollectiveException e = switch (a.kind()) {
      case Abort.PEER_LOST -> new PeerLostException(subject, msg);
      case Abort.TIMEOUT -> new CollectiveTimeoutException(a.ranks(), msg);
      case Abort.MISMATCH -> new CollectiveMismatchException(msg);
      default -> new CollectiveException(msg);
    };
    synchronized (this) {
      if (broken == null) {
        broken = e;
      }
    }
    resumeOrWake();
  }

  // ---- for LoopCollective (event loop) --------------------------------------------------------

  @Override
  public CollectiveException brokenBy() {
    return broken;
  }

  Frame poll(int peer) {
    return inboxes[peer].poll();
  }

  boolean hasFrame(int peer) {
    return !inboxes[peer].isEmpty();
  }

  @Override
  public boolean isLost(int peer) {
    return lost.get(peer) != 0;
  }

  void collectiveEnded(LoopCollective c) {
    if (active == c) {
      active = null;
    }
  }

  private void wake() {
    Thread t = waiter;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  // ---- Links -------------------------------------------------------------------------------

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  String jobId() {
    return config.jobId();
  }

  /** SHA-256 of this rank's TLS certificate (only with {@code tls}). */
  byte[] tlsFingerprint() {
    return tlsFingerprint.clone();
  }

  Authenticator authenticator() {
    return authenticator;
  }

  int maxDataPayload() {
    return maxDataPayload;
  }

  /** Counts an accepted connection into the handshake; false when too many are pending. */
  boolean admitHandshake() {
    if (pendingHandshakes.incrementAndGet() > MAX_PENDING_HANDSHAKES) {
      pendingHandshakes.decrementAndGet();
      return false;
    }
    return true;
  }

  void handshakeEnded() {
    pendingHandshakes.decrementAndGet();
  }

  long handshakeMillis() {
    return Math.max(1, config.handshakeTimeout().toMillis());
  }

  @Override
  public ByteBufAllocator alloc() {
    return PooledByteBufAllocator.DEFAULT;
  }

  @Override
  public void send(int peer, ByteBuf frame) {
    Channel ch = lost.get(peer) != 0 ? null : channels.get(peer);
    if (ch == null) {
      frame.release();
      throw fail(new PeerLostException(peer, "rank " + rank + " cannot send to rank " + peer
          + ": connection lost"));
    }
    ch.writeAndFlush(frame, ch.voidPromise());
  }

  @Override
  public Frame receive(int peer, long deadlineNanos, Call call) {
    waiter = Thread.currentThread();
    long spinEnd = System.nanoTime() + spinNanos;
    ConcurrentLinkedQueue<Frame> inbox = inboxes[peer];
    while (true) {
      CollectiveException b = broken;
      if (b != null) {
        throw b;
      }
      Frame f = inbox.poll();
      if (f != null) {
        return f;
      }
      if (lost.get(peer) != 0) {
        f = inbox.poll();
        if (f != null) {
          return f;
        }
        throw fail(new PeerLostException(peer, "rank " + rank + " lost its connection to rank "
            + peer + " during " + call.describe()));
      }
      long now = System.nanoTime();
      if (now >= deadlineNanos) {
        throw fail(new CollectiveTimeoutException(new int[] {peer}, "rank " + rank
            + " timed out after " + config.timeout().toMillis() + " ms in " + call.describe()
            + " waiting for rank " + peer + "; ranks with no frame of this collective: "
            + Arrays.toString(silentRanks(call))));
      }
      if (now < spinEnd) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(this, Math.min(deadlineNanos - now, 100_000_000L));
      }
    }
  }

  private int[] silentRanks(Call call) {
    long seq = call.sequence();
    List<Integer> silent = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (i != rank && lastHeard.get(i) < seq) {
        silent.add(i);
      }
    }
    return silent.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public CollectiveException fail(CollectiveException failure) {
    Channel[] tell;
    CollectiveException first;
    synchronized (this) {
      if (broken != null) {
        return broken;
      }
      broken = failure;
      first = failure;
      tell = new Channel[size];
      for (int i = 0; i < size; i++) {
        tell[i] = lost.get(i) != 0 ? null : channels.get(i);
      }
    }
    int kind = Abort.OTHER;
    int[] about = new int[0];
    if (failure instanceof PeerLostException p) {
      kind = Abort.PEER_LOST;
      about = new int[] {p.lostRank()};
    } else if (failure instanceof CollectiveTimeoutException t) {
      kind = Abort.TIMEOUT;
      about = t.silentRanks();
    } else if (failure instanceof CollectiveMismatchException) {
      kind = Abort.MISMATCH;
    }
    Abort abort = new Abort(kind, about, failure.getMessage());
    for (Channel ch : tell) {
      if (ch != null && ch.isActive()) {
        ch.writeAndFlush(ControlCodec.encode(abort), ch.voidPromise());
      }
    }
    LOG.log(Level.DEBUG, "rank {0}: group broken: {1}", rank, failure.getMessage());
    return first;
  }

  // ---- Communicator ------------------------------------------------------------------------

  private void runCollective(Op op, Vec v, int aux) {
    if (splitOpen) {
      throw new IllegalStateException("rank " + rank + ": a split all-reduce (collective #" + sequence
          + ") is still open; finish it before issuing another collective");
    }
    beginCollective();
    sequence++;
    if (shared != null) {
      int callAux = op == Op.ALL_REDUCE_SUM ? WireFormat.ALGORITHM_SHARED_MEMORY : aux;
      Call call = new Call(this, op, v.dtype(), sequence, v.length(), callAux,
          config.chunkBytes(), System.nanoTime() + timeoutNanos);
      switch (op) {
        case ALL_REDUCE_SUM -> shared.allReduce(call, v);
        case BROADCAST -> shared.broadcast(call, v, aux);
        case BARRIER -> shared.barrier(call);
        default -> throw new IllegalArgumentException("not a collective: " + op);
      }
      return;
    }
    Call call = new Call(this, op, v.dtype(), sequence, v.length(), aux, config.chunkBytes(),
        System.nanoTime() + timeoutNanos);
    Schedule plan = switch (op) {
      case ALL_REDUCE_SUM -> switch (aux) {
        case WireFormat.ALGORITHM_RING -> Ring.plan(rank, size, v.length(), call.chunkElements());
        case WireFormat.ALGORITHM_DIRECT -> DirectAllReduce.plan(rank, size, v.length(),
            call.chunkElements());
        default -> RecursiveDoubling.plan(rank, size, v.length(), call.chunkElements());
      };
      case BROADCAST -> BinomialBroadcast.plan(rank, size, v.length(), call.chunkElements(), aux);
      case BARRIER -> RecursiveDoubling.plan(rank, size, v.length(), call.chunkElements());
      default -> throw new IllegalArgumentException("not a collective: " + op);
    };
    if (plan.size() == 0) {
      return;
    }
    if (!config.onEventLoop()
        || (long) v.length() * v.dtype().bytes > config.eventLoopMaxBytes()) {
      try {
        plan.run(call, v);
      } finally {
        waiter = null;
      }
      return;
    }
    LoopCollective c = new LoopCollective(this, call, v, plan, Thread.currentThread());
    loop.execute(() -> {
      active = c;
      c.advance();
    });
    awaitOnLoop(c);
  }

  /**
   * Shared memory splits a one-round all-reduce on this thread: start writes and arrives, finish
   * waits and sums. Anything else (TCP, data over one round, async collectives still queued) runs
   * as the interface's default, on the communicator's thread.
   */
  @Override
  public Reduction startAllReduceSum(double[] data) {
    Vec v = Vec.of(data);
    SharedMemoryCollectives shm = shared;
    synchronized (issueLock) {
      if (shm != null && !splitOpen && tail.isDone() && shm.oneRound(v)) {
        beginCollective();
        sequence++;
        Call call = new Call(this, Op.ALL_REDUCE_SUM, v.dtype(), sequence, v.length(),
            WireFormat.ALGORITHM_SHARED_MEMORY, config.chunkBytes(), System.nanoTime() + timeoutNanos);
        SharedMemoryCollectives.Round round = shm.startAllReduce(call, v);
        splitOpen = true;
        return new Reduction() {
          private boolean finished;

          @Override
          public void finish() {
            if (finished) {
              throw new IllegalStateException("rank " + rank + ": " + call.describe() + " was already finished");
            }
            finished = true;
            try {
              shm.finishAllReduce(call, v, round);
            } finally {
              splitOpen = false;
            }
          }

          @Override
          public boolean waitWouldIdle() {
            return !finished && shm.waitWouldIdle(round);
          }
        };
      }
    }
    return Communicator.super.startAllReduceSum(data);
  }

  /** Checks that a collective may start (not closed, not broken, no peer lost); marks the group started. */
  private void beginCollective() {
    if (closing) {
      throw new IllegalStateException("communicator of rank " + rank + " is closed");
    }
    CollectiveException b = broken;
    if (b != null) {
      throw b;
    }
    for (int i = 0; i < size; i++) {
      if (lost.get(i) != 0 && inboxes[i].isEmpty()) {
        b = new PeerLostException(i, "rank " + rank + " lost its connection to rank " + i
            + " before collective #" + (sequence + 1));
        break;
      }
    }
    if (b != null) {
      throw fail(b);
    }
    started = true;
  }

  /**
   * Waits (spinning {@code spinMicros}, then parking) until the event loop finishes {@code c};
   * at the call's deadline takes it back from the event loop (so that the caller's data is not
   * touched any more) and throws a {@link CollectiveTimeoutException} naming the silent ranks.
   */
  private void awaitOnLoop(LoopCollective c) {
    long deadline = c.call().deadlineNanos();
    long spinEnd = System.nanoTime() + spinNanos;
    while (!c.finished) {
      long now = System.nanoTime();
      if (now >= deadline || group.isTerminated()) {
        CollectiveException timeout = group.isTerminated()
            ? new CollectiveException("communicator of rank " + rank + " closed during "
                + c.call().describe())
            : new CollectiveTimeoutException(silentRanks(c.call()), "rank " + rank
                + " timed out after " + config.timeout().toMillis() + " ms in "
                + c.call().describe() + (c.awaiting >= 0 ? " waiting for rank " + c.awaiting
                : "") + "; ranks with no frame of this collective: "
                + Arrays.toString(silentRanks(c.call())));
        if (!group.isShuttingDown()) {
          loop.submit(() -> c.finish(timeout)).awaitUninterruptibly(1000);
        }
        if (c.finished && c.failure == null) {
          return; // it finished while we took it back
        }
        throw fail(timeout);
      }
      if (now < spinEnd) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(this, Math.min(deadline - now, 100_000_000L));
      }
    }
    CollectiveException e = c.failure;
    if (e != null) {
      throw e;
    }
  }

  private int algorithmFor(Vec v) {
    long bytes = (long) v.length() * v.dtype().bytes;
    if (size <= 1 || bytes <= config.smallMessageMaxBytes()) {
      return bytes <= config.directMaxBytes() && size <= config.directMaxRanks()
          ? WireFormat.ALGORITHM_DIRECT : WireFormat.ALGORITHM_RECURSIVE_DOUBLING;
    }
    return WireFormat.ALGORITHM_RING;
  }

  /** Runs {@code op} after every earlier async collective, on this thread when none is pending. */
  private void sync(Runnable op) {
    CompletableFuture<Void> f = null;
    synchronized (issueLock) {
      if (tail.isDone()) {
        op.run();
        return;
      }
      f = enqueueLocked(() -> {
        op.run();
        return null;
      });
    }
    try {
      f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  private <T> CompletableFuture<T> enqueue(Supplier<T> op) {
    synchronized (issueLock) {
      return enqueueLocked(op);
    }
  }

  private <T> CompletableFuture<T> enqueueLocked(Supplier<T> op) {
    if (asyncThread == null) {
      asyncThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "batchwise-collective-async-r" + rank);
        t.setDaemon(true);
        return t;
      });
    }
    CompletableFuture<T> f = tail.handleAsync((x, e) -> op.get(), asyncThread);
    tail = f;
    return f;
  }

  private void allReduce(Vec v) {
    sync(() -> runCollective(Op.ALL_REDUCE_SUM, v, algorithmFor(v)));
  }

  private CompletableFuture<Void> allReduceAsync(Vec v) {
    return enqueue(() -> {
      runCollective(Op.ALL_REDUCE_SUM, v, algorithmFor(v));
      return null;
    });
  }

  private void broadcast(Vec v, int root) {
    if (root < 0 || root >= size) {
      throw new IllegalArgumentException("broadcast root " + root + " outside [0, " + size + ")");
    }
    sync(() -> runCollective(Op.BROADCAST, v, root));
  }

  @Override
  public void allReduceSum(double[] data) {
    allReduce(Vec.of(data));
  }

  @Override
  public void allReduceSum(float[] data) {
    allReduce(Vec.of(data));
  }

  @Override
  public void allReduceSum(DoubleBuffer data) {
    allReduce(Vec.of(data));
  }

  @Override
  public void allReduceSum(FloatBuffer data) {
    allReduce(Vec.of(data));
  }

  @Override
  public CompletableFuture<Void> allReduceSumAsync(float[] data) {
    return allReduceAsync(Vec.of(data));
  }

  @Override
  public CompletableFuture<Void> allReduceSumAsync(double[] data) {
    return allReduceAsync(Vec.of(data));
  }

  @Override
  public CompletableFuture<Void> allReduceSumAsync(FloatBuffer data) {
    return allReduceAsync(Vec.of(data));
  }

  @Override
  public CompletableFuture<Void> allReduceSumAsync(DoubleBuffer data) {
    return allReduceAsync(Vec.of(data));
  }

  @Override
  public void broadcast(double[] data, int root) {
    broadcast(Vec.of(data), root);
  }

  @Override
  public void broadcast(float[] data, int root) {
    broadcast(Vec.of(data), root);
  }

  @Override
  public void broadcast(FloatBuffer data, int root) {
    broadcast(Vec.of(data), root);
  }

  @Override
  public void broadcast(DoubleBuffer data, int root) {
    broadcast(Vec.of(data), root);
  }

  @Override
  public void barrier() {
    sync(() -> runCollective(Op.BARRIER, Vec.empty(), 0));
  }

  @Override
  public void close() {
    Channel[] toClose;
    ExecutorService async;
    synchronized (this) {
      if (closing) {
        return;
      }
      closing = true;
      toClose = new Channel[size];
      for (int i = 0; i < size; i++) {
        toClose[i] = channels.get(i);
      }
      async = asyncThread;
      notifyAll();
    }
    for (Channel ch : toClose) {
      if (ch != null) {
        ch.close();
      }
    }
    server.close();
    if (async != null) {
      async.shutdownNow();
    }
    group.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS).syncUninterruptibly();
    if (shared != null) {
      shared.close();
    }
    for (ConcurrentLinkedQueue<Frame> q : inboxes) {
      for (Frame f; (f = q.poll()) != null; ) {
        f.release();
      }
    }
  }

  @Override
  public String toString() {
    return "Mesh[rank " + rank + "/" + size + ", " + transport.name()
        + (tlsServer != null ? "+tls" : "") + (shared != null ? "+shared memory" : "") + ", " + localAddress() + "]";
  }
}
