package io.batchwise.collective.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.wire.WireFormat.DType;
import io.batchwise.collective.wire.WireFormat.Header;
import io.batchwise.collective.wire.WireFormat.Op;
import io.batchwise.collective.wire.WireFormat.Type;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

  private static ByteBuf frame(Header h, byte[] payload) {
    ByteBuf b = Unpooled.buffer();
    WireFormat.writeHeader(b, h);
    b.writeBytes(payload);
    return b;
  }

  private static Header data(int payloadBytes) {
    return new Header(Type.DATA, Op.ALL_REDUCE_SUM, DType.F32, 7, 3, payloadBytes / 4,
        WireFormat.ALGORITHM_RING, payloadBytes);
  }

  private static EmbeddedChannel channel(int maxData) {
    FrameDecoder d = new FrameDecoder();
    if (maxData >= 0) {
      d.allowData(maxData);
    }
    return new EmbeddedChannel(d);
  }

  @Test
  void headerIsThirtyTwoBytesAndRoundTrips() {
    Header h = data(16);
    ByteBuf b = Unpooled.buffer();
    WireFormat.writeHeader(b, h);
    assertEquals(WireFormat.HEADER_BYTES, b.readableBytes());
    assertEquals(0x42574331, b.getInt(0));
    assertEquals(h, WireFormat.readHeader(b, 0));
  }

  @Test
  void decodesFramesSplitAcrossReadsAndBackToBack() {
    EmbeddedChannel ch = channel(1024);
    byte[] p = new byte[16];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) i;
    }
    ByteBuf two = Unpooled.buffer();
    two.writeBytes(frame(data(16), p));
    two.writeBytes(frame(data(16), p));
    // Feed one byte at a time: nothing comes out until a whole frame is there.
    int frames = 0;
    while (two.isReadable()) {
      ch.writeInbound(two.readRetainedSlice(1));
      for (Frame f; (f = ch.readInbound()) != null; ) {
        assertEquals(data(16), f.header());
        assertEquals(Unpooled.wrappedBuffer(p), f.payload());
        f.release();
        frames++;
      }
    }
    two.release();
    assertEquals(2, frames);
    assertTrue(ch.isOpen());
    assertFalse(ch.finish());
  }

  @Test
  void largeFramesStreamIntoTheirOwnBufferAcrossManyReads() {
    EmbeddedChannel ch = channel(1 << 20);
    int len = 200_000;
    byte[] p = new byte[len];
    new Random(5).nextBytes(p);
    ByteBuf all = Unpooled.buffer();
    for (int k = 0; k < 3; k++) {
      WireFormat.writeHeader(all, data(len));
      all.writeBytes(p);
    }
    WireFormat.writeHeader(all, data(8)); // then a small one in the same stream
    all.writeBytes(new byte[8]);
    int frames = 0;
    Random cut = new Random(6);
    while (all.isReadable()) {
      ch.writeInbound(all.readRetainedSlice(Math.min(all.readableBytes(), 1 + cut.nextInt(70_000))));
      for (Frame f; (f = ch.readInbound()) != null; ) {
        if (frames < 3) {
          assertEquals(Unpooled.wrappedBuffer(p), f.payload());
        } else {
          assertEquals(8, f.payload().readableBytes());
        }
        f.release();
        frames++;
      }
    }
    all.release();
    assertEquals(4, frames);
    assertFalse(ch.finish());
  }

  @Test
  void badMagicIsRefusedOnTheFirstByteAndClosesTheChannel() {
    EmbeddedChannel ch = channel(1024);
    DecoderException e = assertThrows(DecoderException.class,
        () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'})));
    assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    assertFalse(ch.isOpen());
  }

  @Test
  void badVersionTypeOpAndDtypeAreNamed() {
    String[] expected = {"version", "frame type", "collective op", "element type"};
    int[] offsets = {WireFormat.OFF_VERSION, WireFormat.OFF_TYPE, WireFormat.OFF_OP,
        WireFormat.OFF_DTYPE};
    for (int i = 0; i < offsets.length; i++) {
      ByteBuf b = frame(data(4), new byte[4]);
      b.setByte(offsets[i], 99);
      EmbeddedChannel ch = channel(1024);
      DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(b));
      assertTrue(e.getMessage().contains(expected[i]), e.getMessage());
      assertFalse(ch.isOpen());
    }
  }

  @Test
  void oversizedLengthIsRefusedBeforeThePayloadArrives() {
    EmbeddedChannel ch = channel(1024);
    ByteBuf b = Unpooled.buffer();
    WireFormat.writeHeader(b, data(1028));
    DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(b));
    assertTrue(e.getMessage().contains("payload length 1028"), e.getMessage());
    assertFalse(ch.isOpen());
    // Negative (or > 2 GB unsigned) lengths too.
    EmbeddedChannel ch2 = channel(1024);
    ByteBuf b2 = Unpooled.buffer();
    WireFormat.writeHeader(b2, new Header(Type.DATA, Op.BROADCAST, DType.F64, 1, 0, 1, 0, -8));
    assertThrows(DecoderException.class, () -> ch2.writeInbound(b2));
    // Control frames are bounded by CONTROL_MAX_PAYLOAD whatever the data bound.
    EmbeddedChannel ch3 = channel(1 << 20);
    ByteBuf b3 = Unpooled.buffer();
    WireFormat.writeHeader(b3, Header.control(Type.HELLO, WireFormat.CONTROL_MAX_PAYLOAD + 1));
    assertThrows(DecoderException.class, () -> ch3.writeInbound(b3));
  }

  @Test
  void dataBeforeTheHandshakeIsRefused() {
    EmbeddedChannel ch = channel(-1);
    DecoderException e = assertThrows(DecoderException.class,
        () -> ch.writeInbound(frame(data(4), new byte[4])));
    assertTrue(e.getMessage().contains("before the handshake"), e.getMessage());
    assertFalse(ch.isOpen());
  }

  @Test
  void encoderWritesWhatTheDecoderReads() {
    EmbeddedChannel out = new EmbeddedChannel(FrameEncoder.INSTANCE);
    Frame f = ControlCodec.encode(new ControlCodec.Welcome(3));
    assertTrue(out.writeOutbound(f));
    EmbeddedChannel in = channel(-1);
    for (ByteBuf b; (b = out.readOutbound()) != null; ) {
      in.writeInbound(b);
    }
    Frame g = in.readInbound();
    assertNotNull(g);
    assertEquals(Type.WELCOME, g.header().type());
    assertEquals(new ControlCodec.Welcome(3), ControlCodec.decode(g));
    g.release();
    f.release();
  }

  /** Allocator that records the largest single buffer requested. */
  private static final class Recording extends AbstractByteBufAllocator {
    int largest;

    Recording() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      largest = Math.max(largest, initialCapacity);
      return Unpooled.buffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      largest = Math.max(largest, initialCapacity);
      return Unpooled.directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }
  }

  /**
   * Random, truncated, mutated and oversized frames: the decoder either yields frames within the
   * bound or raises a DecoderException and closes; it never throws anything else and never asks
   * for a buffer larger than the bound or than what was actually fed to it.
   */
  @Test
  void fuzzedInputNeverCrashesOrOverAllocates() {
    Random rnd = new Random(42);
    int bound = 4096;
    for (int round = 0; round < 3000; round++) {
      Recording alloc = new Recording();
      EmbeddedChannel ch = new EmbeddedChannel();
      ch.config().setAllocator(alloc);
      FrameDecoder d = new FrameDecoder();
      d.allowData(bound);
      ch.pipeline().addLast(d);
      List<ByteBuf> inputs = new ArrayList<>();
      int fed = 0;
      int pieces = 1 + rnd.nextInt(4);
      for (int p = 0; p < pieces; p++) {
        ByteBuf b;
        switch (rnd.nextInt(4)) {
          case 0 -> {
            byte[] junk = new byte[rnd.nextInt(200)];
            rnd.nextBytes(junk);
            b = Unpooled.wrappedBuffer(junk);
          }
          case 1 -> {
            int len = rnd.nextInt(bound + 1);
            b = frame(data(len - len % 4), new byte[len - len % 4]);
            b.writerIndex(rnd.nextInt(b.writerIndex() + 1)); // truncated
          }
          case 2 -> {
            b = frame(data(64), new byte[64]);
            b.setByte(rnd.nextInt(WireFormat.HEADER_BYTES), rnd.nextInt(256)); // mutated header
          }
          default -> {
            b = Unpooled.buffer();
            WireFormat.writeHeader(b, data(64));
            b.setInt(WireFormat.OFF_LENGTH, rnd.nextInt()); // any claimed length
            b.writeBytes(new byte[rnd.nextInt(100)]);
          }
        }
        fed += b.readableBytes();
        inputs.add(b);
      }
      for (ByteBuf b : inputs) {
        if (!ch.isOpen()) {
          b.release(); // a closed connection reads nothing more
          continue;
        }
        try {
          ch.writeInbound(b);
        } catch (DecoderException expected) {
          assertFalse(ch.isOpen());
        }
        for (Frame f; (f = ch.readInbound()) != null; ) {
          assertTrue(f.header().payloadLength() <= bound);
          f.release();
        }
      }
      assertTrue(alloc.largest <= Math.max(fed, bound),
          "allocated " + alloc.largest + " bytes after being fed " + fed);
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void controlMessagesRoundTripAndForgedLengthsAreRefused() {
    byte[] nonce = new byte[ControlCodec.NONCE_BYTES];
    nonce[5] = 9;
    ControlCodec.Hello h = new ControlCodec.Hello(1, "job-ü", 3, 5, nonce);
    Frame f = ControlCodec.encode(h);
    assertEquals(Type.HELLO, f.header().type());
    ControlCodec.Hello back = (ControlCodec.Hello) ControlCodec.decode(f);
    assertEquals("job-ü", back.jobId());
    assertEquals(3, back.rank());
    assertEquals(5, back.size());
    assertEquals(nonce[5], back.nonce()[5]);
    f.release();

    ControlCodec.Abort a = new ControlCodec.Abort(ControlCodec.Abort.TIMEOUT, new int[] {2, 4},
        "slow");
    ControlCodec.Abort a2 = (ControlCodec.Abort) ControlCodec.decode(ControlCodec.encode(a));
    assertEquals("slow", a2.message());
    assertEquals(4, a2.ranks()[1]);

    // A HELLO claiming a 2 GB job id: refused without allocating it.
    ByteBuf forged = Unpooled.buffer();
    forged.writeByte(1); // protocol
    forged.writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07});
    Frame bad = new Frame(Header.control(Type.HELLO, forged.readableBytes()), forged);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ControlCodec.decode(bad));
    assertTrue(e.getMessage().contains("job id length"), e.getMessage());

    // Random payloads: only IllegalArgumentException, never anything else.
    Random rnd = new Random(7);
    for (int i = 0; i < 2000; i++) {
      byte[] junk = new byte[rnd.nextInt(80)];
      rnd.nextBytes(junk);
      Type t = new Type[] {Type.HELLO, Type.CHALLENGE, Type.RESPONSE, Type.WELCOME,
          Type.ABORT}[rnd.nextInt(5)];
      Frame j = new Frame(Header.control(t, junk.length), Unpooled.wrappedBuffer(junk));
      try {
        assertNotNull(ControlCodec.decode(j));
      } catch (IllegalArgumentException expected) {
        assertNull(null);
      }
    }
    ByteBufAllocator.DEFAULT.buffer().release();
  }
}
