package io.batchwise.nn.checkpoint;

import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.checkpoint.CheckpointException.Problem;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.Tensor;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A training checkpoint held on the host: configuration, epoch, global step, and three named
 * sections of tensors (model parameters, model state buffers, optimizer state). {@link #capture}
 * copies them from the device, {@link #write}/{@link #read} move them through a
 * {@link CheckpointStorage}, and {@link #restore} copies them back after checking every name, type
 * and shape against the model.
 *
 * <h2>File format, version 1 (all integers big-endian)</h2>
 * <table>
 *   <caption>Byte layout</caption>
 *   <tr><th>Offset</th><th>Size</th><th>Field</th></tr>
 *   <tr><td>0</td><td>8</td><td>magic {@code 89 42 57 43 4B 50 54 0A} ("\x89BWCKPT\n": the high
 *       byte and the newline expose 7-bit and text-mode transfers)</td></tr>
 *   <tr><td>8</td><td>4</td><td>format version, int32 = 1</td></tr>
 *   <tr><td>12</td><td>8</td><td>body length L, int64</td></tr>
 *   <tr><td>20</td><td>L</td><td>body:
 *     <ol>
 *       <li>config: int32 count, then count × (string key, string value), sorted by key</li>
 *       <li>epoch int64 (epochs completed), global step int64 (optimizer updates done)</li>
 *       <li>three sections in this order: parameters, state buffers, optimizer state; each an
 *           int32 count, then count × entry</li>
 *       <li>entry: string name; uint8 dtype (0 = FLOAT, 1 = DOUBLE); uint8 rank (≤ 8); rank ×
 *           int32 dimension; then the values in row-major order as IEEE-754 raw bits, float32
 *           for FLOAT and float64 for DOUBLE</li>
 *       <li>string: int32 byte length, then that many bytes of UTF-8</li>
 *     </ol></td></tr>
 *   <tr><td>20 + L</td><td>4</td><td>CRC32C (Castagnoli) of bytes [0, 20 + L), uint32</td></tr>
 * </table>
 * The file is exactly {@code 24 + L} bytes. Reading checks, in order: the magic (on the bytes
 * present, so a file cut inside the magic counts as truncated), that the file covers header and
 * trailer, the version, the size against L (shorter: truncated; longer: trailing bytes), the CRC,
 * and that the body parses to its last byte. Each failure is a {@link CheckpointException} naming the
 * location and the problem.
 *
 * <p>Names within a section are unique and keep the model's order. A whole checkpoint is built in
 * memory (a Java array, so below 2 GiB), which is ample for the models here (LeNet-BN: ~1.7 MB of
 * parameters, twice that with momentum).
 */
public final class Checkpoint {
  /** The format version this build writes and reads. */
  public static final int FORMAT_VERSION = 1;
  static final byte[] MAGIC = {(byte) 0x89, 'B', 'W', 'C', 'K', 'P', 'T', '\n'};
  static final int HEADER_BYTES = 20;
  static final int TRAILER_BYTES = 4;
  private static final int MAX_RANK = 8;
  private static final String[] SECTION_NAMES = {"parameter", "state buffer", "optimizer state"};

  private final Map<String, String> config;
  private final long epoch;
  private final long globalStep;
  private final List<Map<String, SavedTensor>> sections;
  private final String location;

  private Checkpoint(Map<String, String> config, long epoch, long globalStep,
                     List<Map<String, SavedTensor>> sections, String location) {
    this.config = Collections.unmodifiableMap(new TreeMap<>(config));
    this.epoch = epoch;
    this.globalStep = globalStep;
    this.sections = sections;
    this.location = location;
  }

  /**
   * Copies the training state from the device to the host.
   *
   * @param config free-form settings of the run (model, norm, optimizer, schedule, seed, …)
   * @param epoch epochs completed, ≥ 0
   * @param globalStep optimizer updates done, ≥ 0
   * @param parameters the model's parameters (values only; gradients are not saved)
   * @param state the model's state buffers
   * @param optimizerState the optimizer's state by name, e.g. {@code Sgd.state()}; may be empty
   */
  public static Checkpoint capture(Map<String, String> config, long epoch, long globalStep,
                                   List<Parameter> parameters, List<StateBuffer> state,
                                   Map<String, Tensor> optimizerState) {
    List<SavedTensor> p = new ArrayList<>();
    for (Parameter x : parameters) {
      p.add(SavedTensor.of(x.name(), x.value()));
    }
    List<SavedTensor> s = new ArrayList<>();
    for (StateBuffer x : state) {
      s.add(SavedTensor.of(x.name(), x.value()));
    }
    List<SavedTensor> o = new ArrayList<>();
    for (Map.Entry<String, Tensor> x : optimizerState.entrySet()) {
      o.add(SavedTensor.of(x.getKey(), x.getValue()));
    }
    return of(config, epoch, globalStep, p, s, o);
  }

  /**
   * A checkpoint from host copies (tools that convert or inspect checkpoints, tests).
   *
   * @throws IllegalArgumentException for a negative epoch or step, null config entries, or a name
   *     that appears twice in one section
   */
  public static Checkpoint of(Map<String, String> config, long epoch, long globalStep,
                              List<SavedTensor> parameters, List<SavedTensor> state,
                              List<SavedTensor> optimizerState) {
    if (epoch < 0 || globalStep < 0) {
      throw new IllegalArgumentException(
          "checkpoint epoch and step must be >= 0, got epoch " + epoch + ", step " + globalStep);
    }
    for (Map.Entry<String, String> e : config.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new IllegalArgumentException("checkpoint config has a null key or value: " + e);
      }
    }
    List<List<SavedTensor>> in = List.of(parameters, state, optimizerState);
    List<Map<String, SavedTensor>> sections = new ArrayList<>();
    for (int kind = 0; kind < 3; kind++) {
      Map<String, SavedTensor> section = new LinkedHashMap<>();
      for (SavedTensor t : in.get(kind)) {
        put(section, kind, t);
      }
      sections.add(section);
    }
    return new Checkpoint(config, epoch, globalStep, List.copyOf(sections), null);
  }

  private static void put(Map<String, SavedTensor> section, int kind, SavedTensor t) {
    if (section.putIfAbsent(t.name(), t) != null) {
      throw new IllegalArgumentException("duplicate " + SECTION_NAMES[kind] + " name " + t.name());
    }
  }

  // ------------------------------------------------------------------ accessors

  /** The run configuration, sorted by key. */
  public Map<String, String> config() {
    return config;
  }

  public long epoch() {
    return epoch;
  }

  public long globalStep() {
    return globalStep;
  }

  public Map<String, SavedTensor> parameters() {
    return Collections.unmodifiableMap(sections.get(0));
  }

  public Map<String, SavedTensor> state() {
    return Collections.unmodifiableMap(sections.get(1));
  }

  public Map<String, SavedTensor> optimizerState() {
    return Collections.unmodifiableMap(sections.get(2));
  }

  /** Where this checkpoint was read from, or null for one captured in memory. */
  public String location() {
    return location;
  }

  // ------------------------------------------------------------------ restore

  /**
   * Copies parameters, state buffers and (unless {@code optimizerState} is null) the optimizer state
   * into the given tensors. Everything is checked before anything is written: a mismatch leaves the
   * model untouched.
   *
   * @throws CheckpointException ({@link Problem#MISMATCH}) naming the first missing, unexpected, or
   *     differently shaped or typed entry
   */
  public void restore(List<Parameter> parameters, List<StateBuffer> state,
                      Map<String, Tensor> optimizerState) throws CheckpointException {
    Map<String, Tensor> p = new LinkedHashMap<>();
    parameters.forEach(x -> p.put(x.name(), x.value()));
    Map<String, Tensor> s = new LinkedHashMap<>();
    state.forEach(x -> s.put(x.name(), x.value()));
    List<Map<String, Tensor>> targets = new ArrayList<>(List.of(p, s));
    if (optimizerState != null) {
      targets.add(optimizerState);
    }
    for (int i = 0; i < targets.size(); i++) {
      check(i, targets.get(i));
    }
    for (int i = 0; i < targets.size(); i++) {
      for (Map.Entry<String, Tensor> e : targets.get(i).entrySet()) {
        sections.get(i).get(e.getKey()).copyInto(e.getValue());
      }
    }
  }

  private void check(int kind, Map<String, Tensor> model) throws CheckpointException {
    Map<String, SavedTensor> saved = sections.get(kind);
    String what = SECTION_NAMES[kind];
    for (Map.Entry<String, Tensor> e : model.entrySet()) {
      SavedTensor t = saved.get(e.getKey());
      Tensor target = e.getValue();
      if (t == null) {
        throw mismatch(what + " " + e.getKey() + " of the model is missing from the checkpoint");
      }
      if (!Arrays.equals(t.shape(), target.shape())) {
        throw mismatch(what + " " + e.getKey() + " has shape " + Arrays.toString(t.shape())
            + " in the checkpoint but " + Arrays.toString(target.shape()) + " in the model");
      }
      if (t.dtype() != target.dtype()) {
        throw mismatch(what + " " + e.getKey() + " is " + t.dtype() + " in the checkpoint but "
            + target.dtype() + " in the model");
      }
    }
    for (String name : saved.keySet()) {
      if (!model.containsKey(name)) {
        throw mismatch("the checkpoint has " + what + " " + name + ", which the model does not have");
      }
    }
  }

  private CheckpointException mismatch(String problem) {
    return new CheckpointException(location, Problem.MISMATCH,
        "checkpoint " + (location == null ? "(in memory)" : location) + " does not match the model: " + problem);
  }

  // ------------------------------------------------------------------ write

  /** Encodes this checkpoint and writes it atomically to {@code location}. */
  public void write(CheckpointStorage storage, String location) throws CheckpointException {
    byte[] bytes = encode();
    try {
      storage.writeAtomically(location, out -> out.write(bytes));
    } catch (IOException e) {
      throw new CheckpointException(location, Problem.IO,
          "cannot write checkpoint " + location + ": " + e.getMessage(), e);
    }
  }

  /** The complete file: header, body, CRC32C. */
  public byte[] encode() {
    long bodyBytes = 4 + 16;
    for (Map.Entry<String, String> e : config.entrySet()) {
      bodyBytes += stringBytes(e.getKey()) + stringBytes(e.getValue());
    }
    for (Map<String, SavedTensor> section : sections) {
      bodyBytes += 4;
      for (SavedTensor t : section.values()) {
        if (t.shape().length > MAX_RANK) {
          throw new IllegalArgumentException("cannot save " + t + ": rank above " + MAX_RANK);
        }
        bodyBytes += stringBytes(t.name()) + 2 + 4L * t.shape().length + (long) t.size() * t.dtype().bytes();
      }
    }
    long total = HEADER_BYTES + bodyBytes + TRAILER_BYTES;
    if (total > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("checkpoint of " + total + " bytes exceeds the 2 GiB limit of this format writer");
    }
    ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.BIG_ENDIAN);
    b.put(MAGIC).putInt(FORMAT_VERSION).putLong(bodyBytes);
    b.putInt(config.size());
    for (Map.Entry<String, String> e : config.entrySet()) {
      putString(b, e.getKey());
      putString(b, e.getValue());
    }
    b.putLong(epoch).putLong(globalStep);
    for (Map<String, SavedTensor> section : sections) {
      b.putInt(section.size());
      for (SavedTensor t : section.values()) {
        putString(b, t.name());
        b.put((byte) (t.dtype() == DType.FLOAT ? 0 : 1));
        int[] shape = t.shape();
        b.put((byte) shape.length);
        for (int d : shape) {
          b.putInt(d);
        }
        if (t.dtype() == DType.FLOAT) {
          // ByteBuffer.putFloat stores the raw bits, so NaN payloads survive (DataOutput would not).
          b.asFloatBuffer().put(t.floats());
          b.position(b.position() + 4 * t.floats().length);
        } else {
          b.asDoubleBuffer().put(t.doubles());
          b.position(b.position() + 8 * t.doubles().length);
        }
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    if (b.hasRemaining()) {
      throw new IllegalStateException("checkpoint size computed wrong: " + b.remaining() + " bytes left");
    }
    return b.array();
  }

  private static long stringBytes(String s) {
    return 4L + s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static void putString(ByteBuffer b, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    b.putInt(utf8.length).put(utf8);
  }

  // ------------------------------------------------------------------ read

  /**
   * Reads and validates the checkpoint at {@code location}.
   *
   * @throws CheckpointException naming the location and the problem (missing, not a checkpoint,
   *     unsupported version, truncated, corrupt, I/O error)
   */
  public static Checkpoint read(CheckpointStorage storage, String location) throws CheckpointException {
    byte[] bytes;
    try {
      bytes = storage.readAll(location);
    } catch (NoSuchFileException | FileNotFoundException e) {
      throw new CheckpointException(location, Problem.MISSING, "checkpoint " + location + " does not exist", e);
    } catch (IOException e) {
      throw new CheckpointException(location, Problem.IO,
          "cannot read checkpoint " + location + ": " + e, e);
    }
    return decode(bytes, location);
  }

  /** Validates and parses a complete file; {@code location} only names it in errors. */
  public static Checkpoint decode(byte[] bytes, String location) throws CheckpointException {
    String where = "checkpoint " + location;
    int headLength = Math.min(bytes.length, MAGIC.length);
    // A file shorter than the magic but starting like it is a truncated checkpoint, not a stranger.
    if (!Arrays.equals(bytes, 0, headLength, MAGIC, 0, headLength)) {
      byte[] head = Arrays.copyOf(bytes, headLength);
      throw new CheckpointException(location, Problem.NOT_A_CHECKPOINT, location
          + " is not a Batchwise checkpoint: it starts with bytes " + hex(head) + ", not the magic " + hex(MAGIC));
    }
    if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
      throw new CheckpointException(location, Problem.TRUNCATED, where + " is truncated: "
          + bytes.length + " bytes, shorter than the " + (HEADER_BYTES + TRAILER_BYTES) + "-byte header and trailer");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
    b.position(MAGIC.length);
    int version = b.getInt();
    if (version != FORMAT_VERSION) {
      throw new CheckpointException(location, Problem.UNSUPPORTED_VERSION, where + " has format version "
          + Integer.toUnsignedString(version) + "; this build reads version " + FORMAT_VERSION);
    }
    long bodyBytes = b.getLong();
    long expected = HEADER_BYTES + bodyBytes + TRAILER_BYTES;
    if (bodyBytes < 0 || expected > bytes.length) {
      throw new CheckpointException(location, Problem.TRUNCATED, where + " is truncated: " + bytes.length
          + " bytes, but its header announces " + (bodyBytes < 0 ? "a negative body length" : expected + " bytes"));
    }
    if (expected < bytes.length) {
      throw new CheckpointException(location, Problem.CORRUPT, where + " is corrupt: "
          + (bytes.length - expected) + " unexpected bytes after the end announced by its header");
    }
    int end = (int) (HEADER_BYTES + bodyBytes);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, end);
    int stored = ByteBuffer.wrap(bytes, end, 4).order(ByteOrder.BIG_ENDIAN).getInt();
    if (stored != (int) crc.getValue()) {
      throw new CheckpointException(location, Problem.CORRUPT, where + " is corrupt: checksum mismatch"
          + String.format(" (stored CRC32C %08x, computed %08x)", stored, (int) crc.getValue()));
    }
    b.limit(end);
    String reading = "the config";
    try {
      int n = count(b, "config entries", location);
      Map<String, String> config = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        config.put(getString(b, location), getString(b, location));
      }
      reading = "the epoch and step";
      long epoch = b.getLong();
      long step = b.getLong();
      if (epoch < 0 || step < 0) {
        throw corrupt(location, "negative epoch " + epoch + " or step " + step);
      }
      List<Map<String, SavedTensor>> sections = new ArrayList<>();
      for (int kind = 0; kind < 3; kind++) {
        reading = "the " + SECTION_NAMES[kind] + " section";
        int entries = count(b, SECTION_NAMES[kind] + " entries", location);
        Map<String, SavedTensor> section = new LinkedHashMap<>();
        for (int i = 0; i < entries; i++) {
          SavedTensor t = getEntry(b, location);
          reading = SECTION_NAMES[kind] + " " + t.name();
          if (section.putIfAbsent(t.name(), t) != null) {
            throw corrupt(location, "duplicate " + SECTION_NAMES[kind] + " " + t.name());
          }
        }
        sections.add(section);
      }
      if (b.hasRemaining()) {
        throw corrupt(location, b.remaining() + " unread bytes at the end of the body");
      }
      return new Checkpoint(config, epoch, step, List.copyOf(sections), location);
    } catch (BufferUnderflowException e) {
      throw corrupt(location, "the body ends inside " + reading);
    }
  }

  private static SavedTensor getEntry(ByteBuffer b, String location) throws CheckpointException {
    String name = getString(b, location);
    int dtypeCode = b.get();
    if (dtypeCode != 0 && dtypeCode != 1) {
      throw corrupt(location, "entry " + name + " has unknown dtype code " + dtypeCode);
    }
    DType dtype = dtypeCode == 0 ? DType.FLOAT : DType.DOUBLE;
    int rank = b.get();
    if (rank < 0 || rank > MAX_RANK) {
      throw corrupt(location, "entry " + name + " has rank " + rank);
    }
    int[] shape = new int[rank];
    long size = 1;
    for (int i = 0; i < rank; i++) {
      shape[i] = b.getInt();
      if (shape[i] < 0) {
        throw corrupt(location, "entry " + name + " has a negative dimension");
      }
      size *= shape[i];
      // Checked against what is left before allocating, so a bad shape cannot exhaust the heap.
      if (size * dtype.bytes() > b.remaining()) {
        throw corrupt(location, "entry " + name + " of shape " + Arrays.toString(Arrays.copyOf(shape, i + 1))
            + "... needs more bytes than the body has left");
      }
    }
    if (dtype == DType.FLOAT) {
      float[] v = new float[(int) size];
      b.asFloatBuffer().get(v);
      b.position(b.position() + 4 * v.length);
      return new SavedTensor(name, dtype, shape, v, null);
    }
    double[] v = new double[(int) size];
    b.asDoubleBuffer().get(v);
    b.position(b.position() + 8 * v.length);
    return new SavedTensor(name, dtype, shape, null, v);
  }

  private static int count(ByteBuffer b, String what, String location) throws CheckpointException {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw corrupt(location, "impossible number of " + what + ": " + n);
    }
    return n;
  }

  private static String getString(ByteBuffer b, String location) throws CheckpointException {
    int n = b.getInt();
    if (n < 0 || n > b.remaining()) {
      throw corrupt(location, "a string of impossible length " + n);
    }
    byte[] utf8 = new byte[n];
    b.get(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private static CheckpointException corrupt(String location, String problem) {
    return new CheckpointException(location, Problem.CORRUPT, "checkpoint " + location + " is corrupt: " + problem);
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte x : bytes) {
      sb.append(sb.length() == 0 ? "" : " ").append(String.format("%02X", x & 0xff));
    }
    return bytes.length == 0 ? "(empty file)" : sb.toString();
  }

  @Override
  public String toString() {
    return "checkpoint" + (location == null ? "" : " " + location) + " (epoch " + epoch + ", step " + globalStep
        + ", " + sections.get(0).size() + " parameters, " + sections.get(1).size() + " state buffers, "
        + sections.get(2).size() + " optimizer tensors)";
  }
}
