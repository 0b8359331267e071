package io.batchwise.collective.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Encodes {@link Frame}s: a freshly written header buffer followed by the payload itself (retained,
 * not copied). DATA frames on the hot path skip this encoder: they are built as one pooled direct
 * buffer (header and elements) and written as a {@link ByteBuf}, which passes through untouched.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
  public static final FrameEncoder INSTANCE = new FrameEncoder();

  @Override
  protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
    ByteBuf header = ctx.alloc().buffer(WireFormat.HEADER_BYTES);
    WireFormat.writeHeader(header, frame.header());
    out.add(header);
    out.add(frame.payload().retain());
  }
}
