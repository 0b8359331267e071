package io.batchwise.spark;

import io.batchwise.collective.CollectiveConfig;
import io.batchwise.collective.CollectiveServer;
import io.batchwise.collective.Communicator;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;

/**
 * The collective group of one barrier stage, seen from one of its tasks: made by {@link #join}
 * inside the task, it holds a connected, authenticated {@link Communicator} whose rank is the
 * task's partition id.
 *
 * <p>Rendezvous, in order:
 * <ol>
 *   <li>check the stage has exactly W = {@code spec.size()} tasks;</li>
 *   <li>bind the collective server on an ephemeral port of the executor's host;</li>
 *   <li>{@code allGather("rank@host:port")}: every task learns every endpoint (Spark returns the
 *       messages in partition order; we still check each rank appears exactly once);</li>
 *   <li>connect to every peer and authenticate with the job's secret (HMAC handshake of the
 *       collective module), under the job id extended by stage id and attempt number.</li>
 * </ol>
 *
 * <p>End a successful task with {@link #finish()} (a collective barrier, so no rank closes its
 * connections while a peer still receives from it), then {@link #close()} (always, e.g. in
 * try-with-resources).
 */
public final class BarrierGroup implements AutoCloseable {
  private final Communicator communicator;
  private final List<InetSocketAddress> endpoints;

  private BarrierGroup(Communicator communicator, List<InetSocketAddress> endpoints) {
    this.communicator = communicator;
    this.endpoints = endpoints;
  }

  /** Forms the group of the current barrier task (see the class comment). */
  public static BarrierGroup join(BarrierTaskContext ctx, GroupSpec spec) {
    int tasks = ctx.getTaskInfos().length;
    if (tasks != spec.size()) {
      throw new IllegalStateException("the barrier stage has " + tasks + " tasks but the group "
          + spec.jobId() + " expects " + spec.size() + " ranks (one partition per rank)");
    }
    int rank = ctx.partitionId();
    String attempt = "stage-" + ctx.stageId() + "." + ctx.stageAttemptNumber();
    CollectiveConfig config = spec.configFor(rank, attempt);
    String host = spec.bindHost() != null ? spec.bindHost() : executorHost();
    CollectiveServer server = CollectiveServer.bind(config, new InetSocketAddress(host, 0));
    try {
      InetSocketAddress local = server.localAddress();
      String mine = rank + "@" + host + ":" + local.getPort();
      String[] all = ctx.allGather(mine);
      List<InetSocketAddress> endpoints = endpointsByRank(all, spec.size());
      Communicator c = server.join(endpoints);
      return new BarrierGroup(c, endpoints);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * Parses the gathered "rank@host:port" messages into the endpoint list, index = rank.
   *
   * @throws IllegalStateException when a rank is missing, repeated or out of range
   */
  static List<InetSocketAddress> endpointsByRank(String[] messages, int size) {
    if (messages.length != size) {
      throw new IllegalStateException("rendezvous gathered " + messages.length
          + " endpoints for a group of " + size);
    }
    InetSocketAddress[] byRank = new InetSocketAddress[size];
    for (String m : messages) {
      int at = m.indexOf('@');
      int r;
      try {
        r = Integer.parseInt(m.substring(0, Math.max(at, 0)));
      } catch (NumberFormatException e) {
        throw new IllegalStateException("malformed rendezvous message '" + m
            + "' (expected rank@host:port)");
      }
      if (r < 0 || r >= size) {
        throw new IllegalStateException("rendezvous message '" + m + "' has rank outside [0, "
            + size + ")");
      }
      if (byRank[r] != null) {
        throw new IllegalStateException("rank " + r + " appeared twice in the rendezvous: "
            + byRank[r] + " and " + m.substring(at + 1));
      }
      byRank[r] = CollectiveConfig.parseEndpoint(m.substring(at + 1));
    }
    List<InetSocketAddress> out = new ArrayList<>(size);
    Collections.addAll(out, byRank);
    return List.copyOf(out);
  }

  /** The host this executor advertises to the cluster (honours SPARK_LOCAL_IP). */
  private static String executorHost() {
    SparkEnv env = SparkEnv.get();
    if (env == null) {
      throw new IllegalStateException("no SparkEnv: BarrierGroup.join runs inside a Spark task");
    }
    return env.blockManager().blockManagerId().host();
  }

  public Communicator communicator() {
    return communicator;
  }

  public int rank() {
    return communicator.rank();
  }

  public int size() {
    return communicator.size();
  }

  /** Every rank's collective endpoint, index = rank. */
  public List<InetSocketAddress> endpoints() {
    return endpoints;
  }

  /** A collective barrier: after it no peer will send this rank anything more. */
  public void finish() {
    communicator.barrier();
  }

  @Override
  public void close() {
    communicator.close();
  }
}
