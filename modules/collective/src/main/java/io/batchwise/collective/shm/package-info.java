/**
 * Collectives through shared memory for ranks on one host: {@link
 * io.batchwise.collective.shm.SharedSegment} is the mapped file and its byte layout (one table),
 * {@link io.batchwise.collective.shm.SharedMemoryCollectives} runs all-reduce, broadcast and
 * barrier on it in rounds, and {@link io.batchwise.collective.shm.GroupState} is what they ask the
 * TCP mesh while they wait (a lost rank, an abort).
 *
 * <p>Why: on one host the TCP path pays for every byte twice in the kernel (a copy into the
 * socket, a copy out) and for every hop with a thread hand-off; the shared segment needs one copy
 * in, the sums, and one copy out, and a rank sees its peers' arrival by reading a counter.
 * Measured side by side on 2 cores (4 rank JVMs, {@code bench/results/collective.json} of
 * 2026-12-01 11:35): a 4 MB all-reduce took 2.3 ms against 29.2 ms by the TCP ring, and the 2C+1
 * all-reduce for C = 64 26 us against 245 us.
 *
 * <p>Lifecycle, owned by {@link io.batchwise.collective.transport.Mesh}: (1) the TCP mesh connects
 * and authenticates; (2) rank 0 creates the segment (mode 0600, random name) and broadcasts its
 * token over TCP; (3) every rank maps it and checks its header; (4) an all-reduce counts the ranks
 * that did, and only a unanimous group switches to shared memory; (5) rank 0 unlinks the file, so
 * it disappears with the last mapping whatever happens to the processes; (6) collectives run on the
 * segment, while the mesh stays connected to report lost ranks and aborts.
 */
package io.batchwise.collective.shm;
