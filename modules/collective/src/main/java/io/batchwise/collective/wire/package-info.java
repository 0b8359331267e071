/**
 * The bytes on the wire: {@link io.batchwise.collective.wire.WireFormat} holds the frame layout (one
 * table, one class), {@link io.batchwise.collective.wire.FrameDecoder} and
 * {@link io.batchwise.collective.wire.FrameEncoder} are its Netty codecs, and
 * {@link io.batchwise.collective.wire.ControlCodec} encodes the handshake and abort messages with
 * Kryo. Nothing here knows about peers, ranks' state or algorithms.
 */
package io.batchwise.collective.wire;
