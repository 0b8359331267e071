package io.batchwise.spark;

import io.batchwise.collective.CollectiveConfig;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * What the driver tells every barrier task about the collective group it is to form: the group
 * size W, the per-job identity (job id + secret) and the collective's settings. Serializable: it
 * travels in the task closure. Make one per job with {@link #create}.
 *
 * <p>{@code bindHost} is where tasks bind their collective server; null (the default) means the
 * executor's advertised host (the block manager's host, which honours SPARK_LOCAL_IP).
 */
public final class GroupSpec implements Serializable {
  private static final long serialVersionUID = 3L;

  private final String jobId;
  private final byte[] secret;
  private final int size;
  private final long timeoutMillis;
  private final String bindHost;
  private final long handshakeMillis;
  private final boolean sharedMemory;

  private GroupSpec(String jobId, byte[] secret, int size, long timeoutMillis, String bindHost,
      long handshakeMillis, boolean sharedMemory) {
    this.jobId = jobId;
    this.secret = secret;
    this.size = size;
    this.timeoutMillis = timeoutMillis;
    this.bindHost = bindHost;
    this.handshakeMillis = handshakeMillis;
    this.sharedMemory = sharedMemory;
  }

  /**
   * A group of {@code size} ranks with a fresh random secret and a job id made of {@code name}
   * and a random UUID; {@code timeout} bounds the set-up and every collective.
   */
  public static GroupSpec create(String name, int size, Duration timeout) {
    Objects.requireNonNull(name, "name");
    if (size < 1) {
      throw new IllegalArgumentException("group size must be >= 1, got " + size);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    String jobId = name + "-" + UUID.randomUUID();
    return new GroupSpec(jobId, CollectiveConfig.newSecret(), size, timeout.toMillis(), null,
        CollectiveConfig.DEFAULT_HANDSHAKE_TIMEOUT.toMillis(), true);
  }

  /** A copy that binds the task servers on {@code host} (e.g. "0.0.0.0" is not allowed: peers
   * need an address they can dial). */
  public GroupSpec withBindHost(String host) {
    if (host == null || host.isBlank() || host.equals("0.0.0.0")) {
      throw new IllegalArgumentException("bind host must be an address peers can reach: " + host);
    }
    return new GroupSpec(jobId, secret, size, timeoutMillis, host, handshakeMillis,
        sharedMemory);
  }

  /**
   * A copy whose connections get {@code timeout} to authenticate (default
   * {@link CollectiveConfig#DEFAULT_HANDSHAKE_TIMEOUT}; raise it on heavily loaded machines).
   */
  public GroupSpec withHandshakeTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("handshake timeout must be positive: " + timeout);
    }
    return new GroupSpec(jobId, secret, size, timeoutMillis, bindHost, timeout.toMillis(),
        sharedMemory);
  }

  /**
   * A copy whose ranks may ({@code true}, the default) or may not use shared memory when they
   * are on one host ({@link CollectiveConfig#sharedMemory()}).
   */
  public GroupSpec withSharedMemory(boolean enabled) {
    return new GroupSpec(jobId, secret, size, timeoutMillis, bindHost, handshakeMillis, enabled);
  }

  public boolean sharedMemory() {
    return sharedMemory;
  }

  public Duration handshakeTimeout() {
    return Duration.ofMillis(handshakeMillis);
  }

  public String jobId() {
    return jobId;
  }

  public int size() {
    return size;
  }

  public Duration timeout() {
    return Duration.ofMillis(timeoutMillis);
  }

  /** The configured bind host, or null for the executor's advertised host. */
  public String bindHost() {
    return bindHost;
  }

  /** The collective configuration of {@code rank} in the stage attempt {@code attemptTag}. */
  CollectiveConfig configFor(int rank, String attemptTag) {
    return CollectiveConfig.builder()
        .jobId(jobId + "/" + attemptTag)
        .secret(secret)
        .rank(rank)
        .size(size)
        .timeout(timeout())
        .handshakeTimeout(handshakeTimeout())
        .sharedMemory(sharedMemory)
        .build();
  }

  @Override
  public String toString() {
    // Never the secret.
    return "GroupSpec[" + jobId + ", " + size + " ranks, timeout " + timeout() + "]";
  }
}
