package io.batchwise.collective.model;

import io.batchwise.collective.transport.NettyTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay that holds every byte for a fixed time in each direction: a stand-in for a network
 * delay where the kernel has no {@code netem} qdisc (this machine's kernel has none, nor {@code
 * fq}, so neither netem's delay nor departure times can add it). Peers connect to the relay, the
 * relay connects to the target and forwards what each side sends {@code delay} after it arrived,
 * in order; a side that closes, or only ends its output (a half-close), is closed or ended on the
 * other side after the bytes before it.
 *
 * <p>Used by {@link CollectiveTimings} ({@code --relay-delay-us}): each rank puts a relay in front
 * of its listening sockets, in its own network namespace, and advertises the relay, so every
 * connection between two ranks passes through one relay and every message between them arrives
 * {@code delay} later, in either direction, as with netem on each rank's egress. What the relay
 * costs by itself (one more copy and hop) is measured with a delay of 0 and fitted apart, so that
 * the validation tests the latency term alone.
 *
 * <p>Timing: each chunk is scheduled on the channel's event loop at its arrival plus the delay;
 * the epoll transport's timer has microsecond resolution (NIO's select waits in milliseconds, so
 * delays under a millisecond need epoll). Nothing limits what the relay buffers: it is for
 * benchmarks, not for untrusted peers.
 */
public final class DelayRelay implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel server;
  private final HoldLog holds;

  private DelayRelay(EventLoopGroup group, Channel server, HoldLog holds) {
    this.group = group;
    this.server = server;
    this.holds = holds;
  }

  /**
   * Listens on {@code bind} (port 0: any free port) and relays every connection to {@code target}
   * with {@code delayNanos} in each direction, on one event-loop thread of its own.
   */
  public static DelayRelay start(InetSocketAddress bind, InetSocketAddress target, long delayNanos)
      throws InterruptedException {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("delay must be >= 0 ns, got " + delayNanos);
    }
    NettyTransport transport = NettyTransport.choose("auto");
    HoldLog holds = new HoldLog();
    EventLoopGroup group = transport.newGroup(1, new DefaultThreadFactory("batchwise-relay", true));
    try {
      ServerBootstrap b = new ServerBootstrap().group(group).channel(transport.serverChannel())
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.AUTO_READ, false)
          .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel inbound) {
              Bootstrap out = new Bootstrap().group(inbound.eventLoop())
                  .channel(transport.channel())
                  .option(ChannelOption.TCP_NODELAY, true)
                  .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                  .handler(new Forward(inbound, delayNanos, holds));
              out.connect(target).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                  inbound.close();
                  return;
                }
                inbound.pipeline().addLast(new Forward(f.channel(), delayNanos, holds));
                inbound.config().setAutoRead(true);
              });
            }
          });
      Channel server = b.bind(bind).sync().channel();
      return new DelayRelay(group, server, holds);
    } catch (InterruptedException | RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /** The address peers connect to. */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  /**
   * Median time the latest chunks (up to 4096) were actually held, arrival to write; NaN before
   * any. Longer than the delay asked for, by the timer's late wake-up: relays asked for 200 us held
   * 336-378 us (the latency_us of the "-relay" rows of bench/results/netns-validation.csv,
   * 2026-12-01 15:32), so a validation uses this figure as the network's latency.
   */
  public double medianHoldNanos() {
    return holds.median();
  }

  @Override
  public void close() {
    server.close();
    group.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS).syncUninterruptibly();
  }

  /** The latest hold times (a ring of 4096), written on the event loop, read by the owner. */
  private static final class HoldLog {
    private final long[] ring = new long[4096];
    private long count;

    synchronized void add(long nanos) {
      ring[(int) (count++ % ring.length)] = nanos;
    }

    synchronized double median() {
      long[] copy = Arrays.copyOf(ring, (int) Math.min(count, ring.length));
      if (copy.length == 0) {
        return Double.NaN;
      }
      Arrays.sort(copy);
      return copy[copy.length / 2];
    }
  }

  /** Writes what its channel reads to {@code peer}, {@code delayNanos} later. */
  private static final class Forward extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private final long delayNanos;
    private final HoldLog holds;

    Forward(Channel peer, long delayNanos, HoldLog holds) {
      this.peer = peer;
      this.delayNanos = delayNanos;
      this.holds = holds;
    }

    /**
     * Runs {@code action} the delay from now (at once for no delay). Both channels of a pair share
     * one event loop, and equal delays keep arrival order, so an end of stream follows the bytes
     * before it.
     */
    private void later(ChannelHandlerContext ctx, Runnable action) {
      if (delayNanos == 0) {
        action.run();
      } else {
        ctx.executor().schedule(action, delayNanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      long arrived = System.nanoTime();
      later(ctx, () -> {
        peer.writeAndFlush(msg);
        holds.add(System.nanoTime() - arrived);
      });
    }

    /** A side that finished sending (FIN): the other side's output ends after the bytes before. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (!(evt instanceof ChannelInputShutdownEvent)) {
        ctx.fireUserEventTriggered(evt);
        return;
      }
      Channel self = ctx.channel();
      later(ctx, () -> {
        if (peer instanceof DuplexChannel d && peer.isActive()) {
          d.shutdownOutput().addListener(f -> {
            if (self instanceof DuplexChannel s && s.isInputShutdown() && d.isInputShutdown()) {
              self.close();
              peer.close();
            }
          });
        } else {
          peer.close();
        }
      });
    }

    /** A side that closed: the other side is closed after the bytes before it. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      later(ctx, () -> peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
          .addListener(ChannelFutureListener.CLOSE));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
