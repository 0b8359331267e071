package io.batchwise.collective;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;

/** A group of n communicators in this JVM (one thread per rank), on 127.0.0.1 ephemeral ports. */
final class LocalGroup implements AutoCloseable {
  final List<Communicator> ranks = new ArrayList<>();
  final List<CollectiveServer> servers = new ArrayList<>();
  final List<InetSocketAddress> endpoints = new ArrayList<>();
  private final ExecutorService threads;

  /** TCP only: the tests of the sockets' algorithms; shared memory has its own tests. */
  static CollectiveConfig.Builder config(int size, byte[] secret) {
    return CollectiveConfig.builder().jobId("test-job").secret(secret).size(size)
        .timeout(Duration.ofSeconds(5)).spinMicros(0).sharedMemory(false);
  }

  LocalGroup(int size, Function<Integer, CollectiveConfig> configOfRank) throws Exception {
    threads = Executors.newFixedThreadPool(size);
    for (int r = 0; r < size; r++) {
      CollectiveServer s = CollectiveServer.bind(configOfRank.apply(r),
          new InetSocketAddress("127.0.0.1", 0));
      servers.add(s);
      endpoints.add(s.localAddress());
    }
    List<Future<Communicator>> joins = new ArrayList<>();
    for (CollectiveServer s : servers) {
      joins.add(threads.submit(() -> s.join(endpoints)));
    }
    for (Future<Communicator> f : joins) {
      ranks.add(f.get());
    }
  }

  LocalGroup(int size, byte[] secret, Consumer<CollectiveConfig.Builder> tweak) throws Exception {
    this(size, r -> {
      CollectiveConfig.Builder b = config(size, secret).rank(r);
      tweak.accept(b);
      return b.build();
    });
  }

  /** Runs body(rank) on every rank concurrently; returns what each returned or threw. */
  <T> List<Object> run(Function<Communicator, T> body) throws Exception {
    List<Future<T>> fs = new ArrayList<>();
    for (Communicator c : ranks) {
      fs.add(threads.submit(() -> body.apply(c)));
    }
    List<Object> out = new ArrayList<>();
    for (Future<T> f : fs) {
      try {
        out.add(f.get());
      } catch (java.util.concurrent.ExecutionException e) {
        out.add(e.getCause());
      }
    }
    return out;
  }

  @Override
  public void close() {
    for (Communicator c : ranks) {
      c.close();
    }
    threads.shutdownNow();
  }
}
