package io.batchwise.collective.shm;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;

/**
 * The memory that the ranks of a group on one host share: one file in a memory file system
 * ({@code /dev/shm}), created by rank 0 with owner-only permissions, mapped by every rank, and
 * unlinked as soon as every rank has mapped it (so nothing is left behind, whatever happens to the
 * processes later). Its name carries a random 64-bit token that rank 0 sends to the others over
 * the authenticated connections; the header repeats the token, so a rank that opens the file proves
 * it reached the same file (a rank on another host finds no such file and the group stays on TCP).
 *
 * <p>Byte layout (native byte order for the counters, little-endian for the slots' elements, as on
 * the wire):
 * <pre>
 * offset                 bytes   field
 * 0                      8       magic "BWSHM001" (ASCII, as a little-endian long)
 * 8                      8       token (random; also in the file name)
 * 16                     4       ranks W
 * 20                     4       slot bytes S (a multiple of 64)
 * 24                     232     reserved (zero)
 * 256 + 256 j            256     control block of rank j, written only by rank j:
 *   + 0                  8         arrived: the last round whose input rank j has written
 *   + 64                 8         reduced: the last round whose slice rank j has summed
 *   + 128 + 32 p         32        the call of rank j's latest round of parity p: sequence (8),
 *                                  op (4), dtype (4), count (4), aux (4), reserved (8)
 *   + 192                8         CPUs rank j may run on (bit i: CPU i; 0: unknown), written
 *                                  once at set-up
 * D = roundUp(256 + 256 W, 4096)
 * D + (p W + j) S        S       slot of rank j for rounds of parity p (p = round mod 2)
 * </pre>
 * The two counters of a rank sit on cache lines of their own: the owner stores them with release
 * semantics after the data they announce, the others load them with acquire semantics.
 */
public final class SharedSegment {
  /** "BWSHM001" read as a little-endian long. */
  static final long MAGIC = 0x313030_4d48535742L;
  static final int HEADER_BYTES = 256;
  static final int CONTROL_BYTES = 256;
  static final int ARRIVED = 0;
  static final int REDUCED = 64;
  static final int CALLS = 128;
  static final int CALL_BYTES = 32;
  static final int CPUS = 192;
  /** Segments above this size are refused: one mapping holds at most 2 GB. */
  static final long MAX_BYTES = 1L << 30;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private final Path path;
  private final MappedByteBuffer map;
  private final int ranks;
  private final int slotBytes;
  private final long token;
  private final int dataOffset;

  private SharedSegment(Path path, MappedByteBuffer map, int ranks, int slotBytes, long token) {
    this.path = path;
    this.map = map;
    this.ranks = ranks;
    this.slotBytes = slotBytes;
    this.token = token;
    this.dataOffset = dataOffset(ranks);
  }

  static int dataOffset(int ranks) {
    return (HEADER_BYTES + CONTROL_BYTES * ranks + 4095) & ~4095;
  }

  /** Total bytes of a segment for {@code ranks} ranks with slots of {@code slotBytes}. */
  public static long bytes(int ranks, int slotBytes) {
    return dataOffset(ranks) + 2L * ranks * slotBytes;
  }

  /** The file name of the segment with this token. */
  public static String fileName(long token) {
    return "batchwise-" + HexFormat.of().toHexDigits(token);
  }

  /**
   * Creates (exclusively, mode 0600) and maps a new segment in {@code dir}.
   *
   * @throws IOException when the directory is missing or not writable, the file exists, or the
   *     memory cannot be mapped
   * @throws IllegalArgumentException when the layout would exceed {@value #MAX_BYTES} bytes
   */
  public static SharedSegment create(Path dir, int ranks, int slotBytes, long token)
      throws IOException {
    check(ranks, slotBytes);
    Path path = dir.resolve(fileName(token));
    long total = bytes(ranks, slotBytes);
    long free = Files.getFileStore(dir).getUsableSpace();
    if (free < total) {
      throw new IOException(dir + " has " + free + " bytes free, a segment for " + ranks
          + " ranks with " + slotBytes + " B slots needs " + total);
    }
    MappedByteBuffer map;
    try (FileChannel ch = FileChannel.open(path,
        java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      allocate(ch, total);
      map = ch.map(FileChannel.MapMode.READ_WRITE, 0, total);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(path);
      throw e;
    }
    map.order(ByteOrder.LITTLE_ENDIAN);
    map.putLong(8, token);
    map.putInt(16, ranks);
    map.putInt(20, slotBytes);
    // The magic last: a reader that sees it sees the rest.
    LONGS.setRelease(map, 0, ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? MAGIC
        : Long.reverseBytes(MAGIC));
    return new SharedSegment(path, map, ranks, slotBytes, token);
  }

  /**
   * Maps the segment rank 0 created with {@code token} and checks its header: magic, token and
   * rank count; the slot size is taken from the header.
   *
   * @throws IOException when the file is missing (another host) or its header does not match
   */
  public static SharedSegment open(Path dir, int ranks, long token) throws IOException {
    Path path = dir.resolve(fileName(token));
    MappedByteBuffer map;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      long size = ch.size();
      if (size < HEADER_BYTES || size > MAX_BYTES + dataOffset(ranks)) {
        throw new IOException(path + " has " + size + " bytes: not a segment of " + ranks
            + " ranks");
      }
      map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
    }
    map.order(ByteOrder.LITTLE_ENDIAN);
    long magic = map.getLong(0);
    if (magic != MAGIC || map.getLong(8) != token || map.getInt(16) != ranks) {
      throw new IOException(path + " is not the segment of this group (magic "
          + Long.toHexString(magic) + ", token " + Long.toHexString(map.getLong(8)) + ", ranks "
          + map.getInt(16) + ")");
    }
    int slot = map.getInt(20);
    if (slot < 64 || slot % 64 != 0 || bytes(ranks, slot) != map.capacity()) {
      throw new IOException(path + ": slot size " + slot + " does not match its length "
          + map.capacity());
    }
    return new SharedSegment(path, map, ranks, slot, token);
  }

  /**
   * Writes zeros over the whole file, so that its memory is taken now: a file only extended to its
   * length would take its pages on first touch, and a memory file system that is full then (a
   * container's /dev/shm is often 64 MB) answers a touch with SIGBUS, in the middle of a collective.
   * Written, a full file system is an IOException here, and the group stays on TCP.
   */
  private static void allocate(FileChannel ch, long total) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
    long at = 0;
    while (at < total) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), total - at));
      while (zeros.hasRemaining()) {
        at += ch.write(zeros, at);
      }
    }
  }

  private static void check(int ranks, int slotBytes) {
    if (ranks < 1) {
      throw new IllegalArgumentException("ranks must be >= 1: " + ranks);
    }
    if (slotBytes < 64 || slotBytes % 64 != 0) {
      throw new IllegalArgumentException("slot bytes must be a positive multiple of 64: "
          + slotBytes);
    }
    if (bytes(ranks, slotBytes) > MAX_BYTES) {
      throw new IllegalArgumentException(ranks + " ranks with " + slotBytes
          + " B slots need " + bytes(ranks, slotBytes) + " B of shared memory, more than "
          + MAX_BYTES);
    }
  }

  /**
   * Unmaps this rank's view now instead of when the garbage collector finds it (a job that forms a
   * group per stage would otherwise hold segments in /dev/shm until a collection). The caller
   * guarantees that nothing touches the segment any more: any access after this crashes the JVM.
   * Returns false when the JVM does not offer it (the mapping then goes with the collector).
   */
  boolean unmap() {
    try {
      java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      ((sun.misc.Unsafe) f.get(null)).invokeCleaner(map);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** Removes the file; the mappings stay valid until every rank drops them. */
  public void unlink() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      System.getLogger(SharedSegment.class.getName()).log(System.Logger.Level.WARNING,
          "could not remove " + path + ": " + e.getMessage());
    }
  }

  public Path path() {
    return path;
  }

  public int ranks() {
    return ranks;
  }

  public int slotBytes() {
    return slotBytes;
  }

  public long token() {
    return token;
  }

  private int control(int rank) {
    return HEADER_BYTES + CONTROL_BYTES * rank;
  }

  /** Rank j's arrived counter (acquire). */
  long arrived(int rank) {
    return (long) LONGS.getAcquire(map, control(rank) + ARRIVED);
  }

  /** Rank j's reduced counter (acquire). */
  long reduced(int rank) {
    return (long) LONGS.getAcquire(map, control(rank) + REDUCED);
  }

  void setArrived(int rank, long round) {
    LONGS.setRelease(map, control(rank) + ARRIVED, round);
  }

  void setReduced(int rank, long round) {
    LONGS.setRelease(map, control(rank) + REDUCED, round);
  }

  /** Publishes the CPUs this process may run on as rank j's (set-up, before the group's vote). */
  public void publishAllowedCpus(int rank) {
    setCpus(rank, CpuAffinity.allowedMask());
  }

  void setCpus(int rank, long mask) {
    LONGS.setRelease(map, control(rank) + CPUS, mask);
  }

  long cpus(int rank) {
    return (long) LONGS.getAcquire(map, control(rank) + CPUS);
  }

  /** Writes this rank's call for rounds of parity {@code p} (before its arrived counter). */
  void writeCall(int rank, int p, long sequence, int op, int dtype, int count, int aux) {
    int o = control(rank) + CALLS + CALL_BYTES * p;
    map.putLong(o, sequence);
    map.putInt(o + 8, op);
    map.putInt(o + 12, dtype);
    map.putInt(o + 16, count);
    map.putInt(o + 20, aux);
  }

  long callSequence(int rank, int p) {
    return map.getLong(control(rank) + CALLS + CALL_BYTES * p);
  }

  int callField(int rank, int p, int field) {
    return map.getInt(control(rank) + CALLS + CALL_BYTES * p + 8 + 4 * field);
  }

  /** A little-endian view of slot (p, j): position 0, capacity {@link #slotBytes()}. */
  ByteBuffer slot(int p, int rank) {
    int o = dataOffset + (p * ranks + rank) * slotBytes;
    return map.slice(o, slotBytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public String toString() {
    return "SharedSegment[" + path + ", " + ranks + " ranks, " + slotBytes + " B slots]";
  }
}
