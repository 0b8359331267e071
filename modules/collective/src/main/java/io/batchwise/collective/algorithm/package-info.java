/**
 * Collective algorithms written against {@link io.batchwise.collective.algorithm.Call} (one
 * collective's view of the links to the peers) and {@link io.batchwise.collective.algorithm.Vec}
 * (the elements: arrays or NIO buffers, float or double). No Netty channel appears here, so the
 * algorithms run the same over sockets and in tests.
 *
 * <p>Determinism: each output element is summed on exactly one rank in a fixed order, or on every
 * rank by the same pairwise combinations (lower rank's operand first; IEEE addition of two
 * operands is commutative, so both sides of a pair get the same bits), then copied.
 */
package io.batchwise.collective.algorithm;
