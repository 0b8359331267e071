package io.batchwise.collective.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One decoded (or to-be-encoded) frame: a header and its payload. The payload is reference
 * counted; whoever takes a Frame out of a pipeline calls {@link #release()} once done.
 */
public final class Frame {
  private final WireFormat.Header header;
  private final ByteBuf payload;

  public Frame(WireFormat.Header header, ByteBuf payload) {
    if (header.payloadLength() != payload.readableBytes()) {
      throw new IllegalArgumentException("header says " + header.payloadLength()
          + " payload bytes, payload has " + payload.readableBytes());
    }
    this.header = header;
    this.payload = payload;
  }

  /** A control frame around an encoded control message. */
  public static Frame control(WireFormat.Type type, byte[] payload) {
    return new Frame(WireFormat.Header.control(type, payload.length),
        Unpooled.wrappedBuffer(payload));
  }

  public WireFormat.Header header() {
    return header;
  }

  public ByteBuf payload() {
    return payload;
  }

  public void release() {
    payload.release();
  }

  @Override
  public String toString() {
    return header.toString();
  }
}
