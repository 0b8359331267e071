package io.batchwise.collective;

import io.batchwise.collective.transport.Mesh;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A rank's server, bound before the group's endpoint list is known: bind (port 0 for an ephemeral
 * port), publish {@link #localAddress()} (e.g. through Spark's {@code BarrierTaskContext
 * .allGather}), then {@link #join} with everybody's endpoints.
 */
public final class CollectiveServer implements AutoCloseable {
  private final Mesh mesh;
  private boolean joined;

  private CollectiveServer(Mesh mesh) {
    this.mesh = mesh;
  }

  /** Binds the server of rank {@code config.rank()} on {@code bindAddress}. */
  public static CollectiveServer bind(CollectiveConfig config, InetSocketAddress bindAddress) {
    return new CollectiveServer(Mesh.bind(config, bindAddress));
  }

  public InetSocketAddress localAddress() {
    return mesh.localAddress();
  }

  /**
   * Connects to and authenticates with every peer ({@code endpoints.get(i)} is rank i's), waiting
   * at most the configured timeout; on failure this server is closed.
   */
  public Communicator join(List<InetSocketAddress> endpoints) {
    if (joined) {
      throw new IllegalStateException("already joined");
    }
    joined = true;
    return mesh.join(endpoints);
  }

  /** Closes the server (only needed when {@link #join} was never called or failed). */
  @Override
  public void close() {
    mesh.close();
  }
}
