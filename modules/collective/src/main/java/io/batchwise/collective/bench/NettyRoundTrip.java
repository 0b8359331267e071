package io.batchwise.collective.bench;

import io.batchwise.collective.transport.NettyTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The latency reference of the collective's target: one Netty round trip of a small message
 * between two JVMs on 127.0.0.1. An echo server (one process) sends back every byte it gets; the
 * client (another process) sends {@code bytes} bytes, waits for all of them to come back and sends
 * again, entirely inside its event loop (no hand-off to another thread), so the figure is the
 * transport's own round trip: two loopback hops and two event-loop wake-ups. Same transport
 * choice as the collective (epoll where it loads), TCP_NODELAY, pooled direct buffers, and the
 * collective's receive sizes on the server side (reads of up to 1 MB).
 *
 * <p>{@link #measure} starts both processes, pinned to different cores with {@code taskset} when
 * it exists and the machine has at least two (the "round trip between two cores").
 *
 * <p>{@link #streamBandwidth} is the bandwidth reference: one Netty stream between the same kind
 * of two processes, the client writing {@code bytes}-byte messages (one pooled direct buffer,
 * re-sent without copying) with at most 4 in flight, the sink acknowledging each with one byte.
 *
 * <p>Usage: {@code NettyRoundTrip [--bytes 1032] [--iters 5000]} prints both figures.
 */
public final class NettyRoundTrip {
  /** p50 and p99 in microseconds; {@code pinned}: the two processes were on different cores. */
  public record Result(int bytes, int iters, double p50Micros, double p99Micros, boolean pinned,
      String transport) {
  }

  /** One stream's bandwidth in GB/s (10^9 bytes/s), {@code count} messages of {@code bytes}. */
  public record Stream(int bytes, int count, double gbPerSecond, boolean pinned, String transport) {
  }

  private static final int STREAM_WINDOW = 4;

  private NettyRoundTrip() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--server")) {
      server(0);
      return;
    }
    if (args.length > 0 && args[0].equals("--sink")) {
      server(Integer.parseInt(args[1]));
      return;
    }
    if (args.length > 0 && args[0].equals("--stream-client")) {
      streamClient(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      return;
    }
    if (args.length > 0 && args[0].equals("--client")) {
      client(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      return;
    }
    int bytes = 1032;
    int iters = 5000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--bytes" -> bytes = Integer.parseInt(args[++i]);
        case "--iters" -> iters = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (use --bytes N --iters N)");
      }
    }
    Result r = measure(bytes, iters);
    System.out.printf(Locale.ROOT, "Netty round trip of %d bytes (%s, %s): p50 %.1f us, p99 %.1f"
        + " us%n", r.bytes(), r.transport(), r.pinned() ? "two cores" : "not pinned",
        r.p50Micros(), r.p99Micros());
    Stream st = streamBandwidth(4 << 20, 100);
    System.out.printf(Locale.ROOT, "One Netty stream of %d-byte messages (%s, %s): %.2f GB/s%n",
        st.bytes(), st.transport(), st.pinned() ? "two cores" : "not pinned", st.gbPerSecond());
  }

  /** Starts the echo server and the client as two JVMs and returns the client's figures. */
  public static Result measure(int bytes, int iters) throws Exception {
    if (bytes < 1 || iters < 10) {
      throw new IllegalArgumentException("need bytes >= 1 and iters >= 10, got " + bytes + ", "
          + iters);
    }
    String[] f = pair(new String[] {"--server"}, "--client", String.valueOf(bytes),
        String.valueOf(iters)).split(" ");
    return new Result(bytes, iters, Double.parseDouble(f[1]), Double.parseDouble(f[2]),
        f[4].equals("1"), f[3]);
  }

  /** Starts a sink and a stream client as two JVMs and returns the stream's bandwidth. */
  public static Stream streamBandwidth(int bytes, int count) throws Exception {
    if (bytes < 1 || count < 1) {
      throw new IllegalArgumentException("need bytes >= 1 and count >= 1, got " + bytes + ", "
          + count);
    }
    String[] f = pair(new String[] {"--sink", String.valueOf(bytes)}, "--stream-client",
        String.valueOf(bytes), String.valueOf(count)).split(" ");
    return new Stream(bytes, count, Double.parseDouble(f[1]), f[3].equals("1"), f[2]);
  }

  /**
   * Runs a server process and a client process (pinned to cores 1 and 0 where possible) and
   * returns the client's one result line with " 1" (pinned) or " 0" appended.
   */
  private static String pair(String[] serverArgs, String clientMode, String... clientArgs)
      throws Exception {
    boolean pin = new File("/usr/bin/taskset").canExecute()
        && Runtime.getRuntime().availableProcessors() >= 2;
    Process server = null;
    Process client = null;
    try {
      server = new ProcessBuilder(command(pin ? "1" : null, serverArgs))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader so = new BufferedReader(new InputStreamReader(server.getInputStream(),
          StandardCharsets.UTF_8));
      String port = so.readLine();
      if (port == null || !port.startsWith("PORT ")) {
        throw new IllegalStateException("echo server did not start: " + port);
      }
      List<String> args = new ArrayList<>(List.of(clientMode, port.substring(5)));
      args.addAll(Arrays.asList(clientArgs));
      client = new ProcessBuilder(command(pin ? "0" : null, args.toArray(new String[0])))
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      BufferedReader co = new BufferedReader(new InputStreamReader(client.getInputStream(),
          StandardCharsets.UTF_8));
      String line = co.readLine();
      if (line == null || !(line.startsWith("RTT ") || line.startsWith("STREAM "))) {
        throw new IllegalStateException("netty " + clientMode + " failed: " + line);
      }
      client.waitFor(10, TimeUnit.SECONDS);
      return line + (pin ? " 1" : " 0");
    } finally {
      if (client != null) {
        client.destroyForcibly();
      }
      if (server != null) {
        server.getOutputStream().close(); // the server exits at end of input
        if (!server.waitFor(5, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      }
    }
  }

  private static List<String> command(String cpu, String... args) {
    List<String> cmd = new ArrayList<>();
    if (cpu != null) {
      cmd.addAll(List.of("/usr/bin/taskset", "-c", cpu));
    }
    cmd.addAll(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx256m", "-cp",
        System.getProperty("java.class.path"), NettyRoundTrip.class.getName()));
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  /**
   * {@code ackBytes == 0}: echo server; otherwise a sink that answers one byte per
   * {@code ackBytes} bytes received.
   */
  private static void server(int ackBytes) throws Exception {
    NettyTransport transport = NettyTransport.choose("auto");
    EventLoopGroup group = transport.newGroup(1, r -> new Thread(r, "echo"));
    try {
      Channel ch = new ServerBootstrap().group(group).channel(transport.serverChannel())
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
          // The collective's receive sizes (Mesh): reads of up to 1 MB. Netty's default caps a
          // read at 64 KB, which here held one stream to 1.5 GB/s instead of 2.5.
          .childOption(ChannelOption.RCVBUF_ALLOCATOR,
              new AdaptiveRecvByteBufAllocator(512, 8192, 1 << 20))
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
              c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                private long received;

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                  if (ackBytes == 0) {
                    ctx.writeAndFlush(msg, ctx.voidPromise());
                    return;
                  }
                  received += ((ByteBuf) msg).readableBytes();
                  ReferenceCountUtil.release(msg);
                  while (received >= ackBytes) {
                    received -= ackBytes;
                    ctx.writeAndFlush(ctx.alloc().directBuffer(1).writeByte(1), ctx.voidPromise());
                  }
                }
              });
            }
          }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
      System.out.println("PORT " + ((InetSocketAddress) ch.localAddress()).getPort());
      System.out.flush();
      while (System.in.read() >= 0) {
        // runs until the parent closes our input
      }
      ch.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static void client(int port, int bytes, int iters) throws Exception {
    NettyTransport transport = NettyTransport.choose("auto");
    EventLoopGroup group = transport.newGroup(1, r -> new Thread(r, "ping"));
    int warmup = Math.max(200, iters / 5);
    long[] times = new long[iters];
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      Channel ch = new Bootstrap().group(group).channel(transport.channel())
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
          .handler(new ChannelInboundHandlerAdapter() {
            private int round;
            private int received;
            private long start;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
              send(ctx);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              received += ((ByteBuf) msg).readableBytes();
              ReferenceCountUtil.release(msg);
              if (received < bytes) {
                return;
              }
              long t = System.nanoTime() - start;
              if (round >= warmup) {
                times[round - warmup] = t;
              }
              round++;
              if (round == warmup + iters) {
                done.complete(null);
              } else {
                send(ctx);
              }
            }

            private void send(ChannelHandlerContext ctx) {
              received = 0;
              ByteBuf b = ctx.alloc().directBuffer(bytes);
              b.writeZero(bytes);
              start = System.nanoTime();
              ctx.writeAndFlush(b, ctx.voidPromise());
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
              done.completeExceptionally(cause);
            }
          }).connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
      done.get(120, TimeUnit.SECONDS);
      ch.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    Arrays.sort(times);
    System.out.printf(Locale.ROOT, "RTT %.1f %.1f %s%n", times[iters / 2] / 1e3,
        times[(int) (iters * 0.99)] / 1e3, transport.name());
    System.out.flush();
    System.exit(0);
  }

  private static void streamClient(int port, int bytes, int count) throws Exception {
    NettyTransport transport = NettyTransport.choose("auto");
    EventLoopGroup group = transport.newGroup(1, r -> new Thread(r, "stream"));
    int warmup = 3;
    long[] window = new long[2];
    CompletableFuture<Void> done = new CompletableFuture<>();
    ByteBuf message = PooledByteBufAllocator.DEFAULT.directBuffer(bytes);
    message.writeZero(bytes);
    try {
      Channel ch = new Bootstrap().group(group).channel(transport.channel())
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
          .handler(new ChannelInboundHandlerAdapter() {
            private int sent;
            private int acked;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
              for (int i = 0; i < STREAM_WINDOW; i++) {
                send(ctx);
              }
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              int acks = ((ByteBuf) msg).readableBytes();
              ReferenceCountUtil.release(msg);
              for (int i = 0; i < acks; i++) {
                acked++;
                if (acked == warmup) {
                  window[0] = System.nanoTime();
                }
                if (acked == warmup + count) {
                  window[1] = System.nanoTime();
                  done.complete(null);
                  return;
                }
                send(ctx);
              }
            }

            private void send(ChannelHandlerContext ctx) {
              if (sent < warmup + count) {
                sent++;
                ctx.writeAndFlush(message.retainedDuplicate(), ctx.voidPromise());
              }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
              done.completeExceptionally(cause);
            }
          }).connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
      done.get(120, TimeUnit.SECONDS);
      ch.close().sync();
    } finally {
      message.release();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    double gbps = (double) count * bytes / (window[1] - window[0]);
    System.out.printf(Locale.ROOT, "STREAM %.3f %s%n", gbps, transport.name());
    System.out.flush();
    System.exit(0);
  }
}
