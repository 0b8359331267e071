/**
 * The Netty side: {@link io.batchwise.collective.transport.NettyTransport} picks epoll or NIO,
 * {@link io.batchwise.collective.transport.PeerConnection} runs the mutual HMAC handshake and then
 * routes frames, {@link io.batchwise.collective.transport.Authenticator} computes the proofs, and
 * {@link io.batchwise.collective.transport.Mesh} is the communicator: one authenticated TCP
 * connection per pair of ranks (the higher rank connects to the lower), per-peer inboxes, and the
 * group's failure state.
 *
 * <p>Threads: one Netty event-loop thread per rank does all socket I/O and decoding, and by default
 * ({@code onEventLoop}, messages up to {@code eventLoopMaxBytes}) also executes the collective's
 * schedule ({@link
 * io.batchwise.collective.transport.LoopCollective}): a frame is summed and the next one written
 * by the thread that read it. The calling thread (or the communicator's async thread) starts the
 * collective and waits for it, spinning {@code spinMicros} before parking. Larger messages (and all
 * with {@code onEventLoop=false}) run on the calling thread, woken for every frame and handing
 * every send to the event loop: two thread hops per hop, but summing overlaps socket I/O.
 *
 * <p>A group whose ranks are all on one host runs its collectives through shared memory instead
 * ({@link io.batchwise.collective.shm}); the mesh then carries only the set-up and the failure
 * news.
 */
package io.batchwise.collective.transport;
