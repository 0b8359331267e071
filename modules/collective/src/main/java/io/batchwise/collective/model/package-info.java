/**
 * A latency–bandwidth (Hockney "alpha–beta") cost model of this module's collectives, fitted by
 * least squares from measurements of the real {@link io.batchwise.collective.Communicator}, and used
 * to project collective times to other networks and group sizes.
 *
 * <p>Model (Hockney 1994, "The communication challenge for MPP"; per-algorithm costs as in Thakur,
 * Rabenseifner and Gropp 2005, "Optimization of collective communication operations in MPICH"):
 * one message of n bytes between two ranks costs {@code alpha + n·beta}; an algorithm's time on p
 * ranks is {@code alpha·A(p, n) + beta·B(p, n)}, with A the messages and B the bytes on its critical
 * path ({@link io.batchwise.collective.model.Algorithm}). alpha and beta are fitted per algorithm,
 * because each path through the software has its own per-message and per-byte overheads (the
 * ring's per-byte cost includes the add, the broadcast's only a copy).
 *
 * <p>Projection to a network of one-way latency L and link rate R (bytes/s):
 * {@code alpha' = alpha + L}, {@code beta' = beta + 1/R} — the software costs measured here add to
 * the wire's, a conservative composition (a perfect pipeline of copy and wire would give
 * {@code max(beta, 1/R)}); the namespace validation ({@code bench/scaling/netns.sh}) shows how well
 * it holds.
 *
 * <ul>
 *   <li>{@link io.batchwise.collective.model.Algorithm}: A and B per algorithm.</li>
 *   <li>{@link io.batchwise.collective.model.AlphaBeta}: one fitted pair, prediction, projection.</li>
 *   <li>{@link io.batchwise.collective.model.AlphaBetaFit}: the weighted least-squares fit.</li>
 *   <li>{@link io.batchwise.collective.model.CollectiveModel}: the three fitted pairs plus the
 *       communicator's algorithm choice; read and written as a small CSV.</li>
 *   <li>{@link io.batchwise.collective.model.CollectiveTimings}: measures groups of rank processes
 *       (optionally each inside its own network namespace), fits, compares with a model.</li>
 * </ul>
 */
package io.batchwise.collective.model;
