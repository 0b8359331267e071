/**
 * A group communicator over Netty: all-reduce (sum), broadcast and barrier among {@code size}
 * ranks, each a process (or a thread) with an endpoint. Knows nothing of Spark or of neural nets.
 *
 * <p>Conventions:
 * <ul>
 *   <li>Every rank issues the same collectives in the same order, with the same element type and
 *       length (and the same root for broadcast). A violation is detected on the first frame and
 *       raises {@link io.batchwise.collective.CollectiveMismatchException} naming both calls.</li>
 *   <li>Results are bit-identical on every rank: each element's sum is computed once, in a fixed
 *       order, and copied to the others.</li>
 *   <li>Any failure (peer lost, timeout, mismatch) breaks the communicator: every later call throws
 *       the same exception, and the peers are told with an ABORT frame so they fail fast too.</li>
 * </ul>
 *
 * <p>Sub-packages: {@code wire} (frame format, codecs, Kryo control messages), {@code algorithm}
 * (recursive doubling, ring, binomial broadcast over an abstract link), {@code transport} (Netty
 * channels, authentication, the mesh of peers).
 */
package io.batchwise.collective;
