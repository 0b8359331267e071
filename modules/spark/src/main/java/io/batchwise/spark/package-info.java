/**
 * The Spark side of Batchwise: a barrier stage of W tasks becomes an authenticated collective
 * group, and the driver checks before submitting that the cluster can run W tasks at once.
 *
 * <p>Conventions:
 * <ul>
 *   <li>Rank = the barrier task's partition id, in [0, W). The stage's RDD has exactly W
 *       partitions, one task per rank.</li>
 *   <li>The driver makes one {@link io.batchwise.spark.GroupSpec} per job: a fresh 32-byte secret
 *       from {@link java.security.SecureRandom} travels to the tasks in the task closure (Spark
 *       encrypts it in transit only when {@code spark.network.crypto.enabled} is set; the secret
 *       guards the collective's own connections against strangers, not Spark's RPC). The
 *       collective's job id adds the stage id and attempt, so peers of a failed attempt can never
 *       join a retry.</li>
 *   <li>Every task binds its collective server on an ephemeral port of its executor's advertised
 *       host, publishes "rank@host:port" through {@code BarrierTaskContext.allGather}, orders the
 *       endpoints by rank and connects.</li>
 *   <li>Too few task slots for W barrier tasks is a clear error on the driver before anything is
 *       submitted ({@link io.batchwise.spark.SlotCheck}); Spark itself would re-check every
 *       {@code spark.scheduler.barrier.maxConcurrentTasksCheck.interval} (15 s) and fail the job
 *       after {@code ...maxConcurrentTasksCheck.maxFailures} (40) checks, i.e. after 10 minutes.</li>
 * </ul>
 */
package io.batchwise.spark;
