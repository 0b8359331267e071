package io.batchwise.collective.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/** Netty's native epoll transport where it loads (Linux), NIO otherwise or when asked. */
public final class NettyTransport {
  private final boolean epoll;

  private NettyTransport(boolean epoll) {
    this.epoll = epoll;
  }

  /**
   * {@code auto}: epoll when available, else NIO; {@code epoll}: epoll or a clear error saying why
   * it did not load; {@code nio}: NIO.
   */
  public static NettyTransport choose(String preference) {
    switch (preference) {
      case "nio":
        return new NettyTransport(false);
      case "epoll":
        if (!Epoll.isAvailable()) {
          throw new IllegalStateException("epoll transport asked for but unavailable: "
              + Epoll.unavailabilityCause());
        }
        return new NettyTransport(true);
      case "auto":
        return new NettyTransport(Epoll.isAvailable());
      default:
        throw new IllegalArgumentException("transport must be auto, epoll or nio: " + preference);
    }
  }

  public String name() {
    return epoll ? "epoll" : "nio";
  }

  public EventLoopGroup newGroup(int threads, ThreadFactory factory) {
    return epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
  }

  public Class<? extends ServerChannel> serverChannel() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public Class<? extends Channel> channel() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
