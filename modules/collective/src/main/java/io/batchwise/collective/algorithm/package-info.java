/**
 * Collective algorithms written against {@link io.batchwise.collective.algorithm.Call} (one
 * collective's view of the links to the peers) and {@link io.batchwise.collective.algorithm.Vec}
 * (the elements: arrays or NIO buffers, float or double). No Netty channel appears here, so the
 * algorithms run the same over sockets and in tests.
 *
 * <p>An algorithm only plans: it returns a rank's {@link io.batchwise.collective.algorithm.Schedule}
 * (send this range to that peer, add the next frame from that peer into this range, ...), which
 * the caller's thread ({@code Schedule.run}) or the transport's event loop executes step by step.
 * Algorithms: {@link io.batchwise.collective.algorithm.DirectAllReduce} (one round, tiny
 * messages), {@link io.batchwise.collective.algorithm.RecursiveDoubling} (log2 n rounds, small
 * messages), {@link io.batchwise.collective.algorithm.Ring} (reduce-scatter + all-gather,
 * pipelined by chunks, received buffers summed in place and forwarded; Patarasuk and Yuan 2009),
 * {@link io.batchwise.collective.algorithm.BinomialBroadcast}.
 *
 * <p>Determinism: each output element is summed on exactly one rank in a fixed order, or on every
 * rank by the same pairwise combinations (lower rank's operand first; IEEE addition of two
 * operands is commutative, so both sides of a pair get the same bits), or on every rank by the
 * same expression in rank order (direct exchange), then copied.
 */
package io.batchwise.collective.algorithm;
