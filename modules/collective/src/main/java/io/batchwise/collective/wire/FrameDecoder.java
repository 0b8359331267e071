package io.batchwise.collective.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Decodes {@link Frame}s. Bounds checked before anything is allocated or awaited:
 * <ol>
 *   <li>magic, version, type, op and dtype are checked on the first bytes that arrive, so a stream
 *       of garbage is refused after at most a few bytes;</li>
 *   <li>the payload length is checked against the bound of its frame type before the decoder waits
 *       for the payload: CONTROL_MAX_PAYLOAD for control frames, and for DATA the bound given to
 *       {@link #allowData(int)}; DATA before that call is a violation;</li>
 *   <li>the payload is a retained slice of the bytes received (no allocation here at all).</li>
 * </ol>
 * A violation closes the channel, discards everything that follows, and raises a {@link
 * CorruptedFrameException} naming the problem (the next handler logs it).
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  private int maxDataPayload = -1;
  private boolean failed;

  /** Allows DATA frames of at most {@code maxPayload} bytes (called once authenticated). */
  public void allowData(int maxPayload) {
    if (maxPayload < 0 || maxPayload > WireFormat.HARD_MAX_PAYLOAD) {
      throw new IllegalArgumentException("data payload bound " + maxPayload + " outside [0, "
          + WireFormat.HARD_MAX_PAYLOAD + "]");
    }
    this.maxDataPayload = maxPayload;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int at = in.readerIndex();
    int readable = in.readableBytes();
    String violation = WireFormat.firstViolation(in, at, readable, maxDataPayload);
    if (violation != null) {
      failed = true;
      in.skipBytes(readable);
      ctx.close();
      throw new CorruptedFrameException(violation + "; closing " + ctx.channel().remoteAddress());
    }
    if (readable < WireFormat.HEADER_BYTES) {
      return;
    }
    WireFormat.Header header = WireFormat.readHeader(in, at);
    if (readable < WireFormat.HEADER_BYTES + header.payloadLength()) {
      return;
    }
    in.skipBytes(WireFormat.HEADER_BYTES);
    out.add(new Frame(header, in.readRetainedSlice(header.payloadLength())));
  }
}
