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
 *   <li>a frame that is already complete in the received bytes becomes a retained slice of them
 *       (no copy); a larger one that is still arriving ({@code payloadLength >=
 *       STREAM_THRESHOLD}, so only DATA from an authenticated peer) gets a buffer of exactly its
 *       validated length, and later bytes are copied straight into it. Why: otherwise every
 *       socket read re-copies the partial frame into a grown accumulation buffer (measured: about
 *       4x the CPU of one copy with 256 KB chunks and 64 KB reads).</li>
 * </ol>
 * A violation closes the channel, discards everything that follows, and raises a {@link
 * CorruptedFrameException} naming the problem (the next handler logs it).
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  /** Payloads at least this large stream into their own buffer instead of accumulating. */
  static final int STREAM_THRESHOLD = 16 << 10;
  private int maxDataPayload = -1;
  private boolean failed;
  private WireFormat.Header pendingHeader;
  private ByteBuf pendingPayload;

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
    if (pendingPayload != null) {
      pendingPayload.writeBytes(in, Math.min(in.readableBytes(), pendingPayload.writableBytes()));
      if (!pendingPayload.isWritable()) {
        out.add(new Frame(pendingHeader, pendingPayload));
        pendingPayload = null;
        pendingHeader = null;
      }
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
    if (readable >= WireFormat.HEADER_BYTES + header.payloadLength()) {
      in.skipBytes(WireFormat.HEADER_BYTES);
      out.add(new Frame(header, in.readRetainedSlice(header.payloadLength())));
    } else if (header.payloadLength() >= STREAM_THRESHOLD) {
      in.skipBytes(WireFormat.HEADER_BYTES);
      pendingHeader = header;
      pendingPayload = ctx.alloc().directBuffer(header.payloadLength(), header.payloadLength());
      pendingPayload.writeBytes(in, in.readableBytes());
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (pendingPayload != null) {
      pendingPayload.release();
      pendingPayload = null;
    }
  }
}
