/**
 * The Netty side: {@link io.batchwise.collective.transport.NettyTransport} picks epoll or NIO,
 * {@link io.batchwise.collective.transport.PeerConnection} runs the mutual HMAC handshake and then
 * routes frames, {@link io.batchwise.collective.transport.Authenticator} computes the proofs, and
 * {@link io.batchwise.collective.transport.Mesh} is the communicator: one authenticated TCP
 * connection per pair of ranks (the higher rank connects to the lower), per-peer inboxes, and the
 * group's failure state.
 *
 * <p>Threads: one Netty event-loop thread per rank does all socket I/O and decoding; the calling
 * thread (or the communicator's async thread) runs the algorithm, builds frames and sums. A waiting
 * rank spins {@code spinMicros} before parking.
 */
package io.batchwise.collective.transport;
