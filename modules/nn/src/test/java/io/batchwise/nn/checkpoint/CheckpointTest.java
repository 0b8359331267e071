package io.batchwise.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.checkpoint.CheckpointException.Problem;
import io.batchwise.nn.optim.Sgd;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.tensor.DType;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  /** Floats whose bits must survive exactly: signed zeros, subnormals, extremes, infinities. */
  private static final float[] SPECIAL = {
      0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
      -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.1f, -1.2345678e-20f, 3f};

  @TempDir
  Path dir;

  private final ReferenceDevice device = new ReferenceDevice(new DeviceOptions(1, 1));
  private final CheckpointStorage storage = new LocalCheckpointStorage();

  @AfterEach
  void close() {
    device.close();
  }

  /** A tiny "model": a conv weight [2, 3, 2], a norm scale [3], and BatchNorm-like state. */
  private final class Model {
    final List<Parameter> params;
    final List<StateBuffer> state;

    Model(float seed) {
      params = List.of(
          new Parameter("conv.weight", filled(seed, 2, 3, 2), device.zeros(2, 3, 2), Parameter.Kind.WEIGHT),
          new Parameter("bn.gamma", filled(seed + 100, 3), device.zeros(3), Parameter.Kind.NORM));
      Tensor count = device.allocate(DType.DOUBLE, 2);
      count.write(new double[] {seed * 1e-300, Math.PI * seed});
      state = List.of(new StateBuffer("bn.running_mean", filled(seed + 200, 3)), new StateBuffer("bn.sums", count));
    }
  }

  private Tensor filled(float seed, int... shape) {
    float[] v = new float[Tensor.sizeOf(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = i < SPECIAL.length && seed == 1 ? SPECIAL[i] : seed + i * 0.37f;
    }
    return device.upload(v, shape);
  }

  private static Map<String, String> config() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("model", "lenet-bn");
    c.put("norm", "sync-bn");
    c.put("note", "ünïcødé ✓");
    return c;
  }

  private Path writeCheckpoint(Model m, Sgd sgd, String name) throws Exception {
    Path file = dir.resolve(name);
    Checkpoint.capture(config(), 2, 938, m.params, m.state, sgd.state()).write(storage, file.toString());
    return file;
  }

  @Test
  void roundTripIsBitExact() throws Exception {
    Model saved = new Model(1);
    try (Sgd sgd = new Sgd(saved.params, SgdConfig.DEFAULT)) {
      sgd.state().get("conv.weight.velocity").write(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -0f});
      Path file = writeCheckpoint(saved, sgd, "epoch-2.ckpt");

      Model fresh = new Model(7);
      try (Sgd sgd2 = new Sgd(fresh.params, SgdConfig.DEFAULT)) {
        Checkpoint c = Checkpoint.read(storage, file.toString());
        assertEquals(2, c.epoch());
        assertEquals(938, c.globalStep());
        assertEquals(Map.of("model", "lenet-bn", "norm", "sync-bn", "note", "ünïcødé ✓"), c.config());
        assertEquals(List.of("conv.weight", "bn.gamma"), List.copyOf(c.parameters().keySet()));
        c.restore(fresh.params, fresh.state, sgd2.state());
        for (int i = 0; i < saved.params.size(); i++) {
          assertBitsEqual(saved.params.get(i).value().toFloatArray(), fresh.params.get(i).value().toFloatArray());
        }
        assertBitsEqual(saved.state.get(0).value().toFloatArray(), fresh.state.get(0).value().toFloatArray());
        assertArrayEquals(saved.state.get(1).value().toDoubleArray(), fresh.state.get(1).value().toDoubleArray());
        assertBitsEqual(sgd.state().get("conv.weight.velocity").toFloatArray(),
            sgd2.state().get("conv.weight.velocity").toFloatArray());
      }
    }
  }

  @Test
  void hostEncodingKeepsNanPayloadsAndDoubles() throws Exception {
    float nan = Float.intBitsToFloat(0x7fc0_1234);
    double dnan = Double.longBitsToDouble(0x7ff8_0000_dead_beefL);
    SavedTensor f = new SavedTensor("x", DType.FLOAT, new int[] {1, 3}, new float[] {nan, -0f, 1e-45f}, null);
    SavedTensor d = new SavedTensor("y", DType.DOUBLE, new int[] {2}, null, new double[] {dnan, Double.MIN_VALUE});
    SavedTensor scalar = new SavedTensor("s", DType.FLOAT, new int[0], new float[] {42}, null);
    Checkpoint c = Checkpoint.of(Map.of("k", ""), 3, 7, List.of(f), List.of(d), List.of(scalar));
    Checkpoint back = Checkpoint.decode(c.encode(), "memory");
    assertEquals(0x7fc0_1234, Float.floatToRawIntBits(back.parameters().get("x").floats()[0]));
    assertBitsEqual(f.floats(), back.parameters().get("x").floats());
    assertArrayEquals(new int[] {1, 3}, back.parameters().get("x").shape());
    assertEquals(0x7ff8_0000_dead_beefL, Double.doubleToRawLongBits(back.state().get("y").doubles()[0]));
    assertEquals(Double.MIN_VALUE, back.state().get("y").doubles()[1]);
    assertArrayEquals(new int[0], back.optimizerState().get("s").shape());
    assertEquals(42f, back.optimizerState().get("s").floats()[0]);
    assertEquals(Map.of("k", ""), back.config());
    assertEquals(3, back.epoch());
    assertEquals(7, back.globalStep());
  }

  private static void assertBitsEqual(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "element " + i);
    }
  }

  // ------------------------------------------------------------------ corruption

  private Path validFile() throws Exception {
    Model m = new Model(1);
    try (Sgd sgd = new Sgd(m.params, SgdConfig.DEFAULT)) {
      return writeCheckpoint(m, sgd, "epoch-2.ckpt");
    }
  }

  private CheckpointException refused(Path file, Problem problem) {
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(storage, file.toString()));
    assertEquals(problem, e.problem(), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), "message names the file: " + e.getMessage());
    assertEquals(file.toString(), e.location());
    return e;
  }

  private static void assertStarts(String prefix, CheckpointException e, Path file) {
    assertTrue(e.getMessage().startsWith(prefix.replace("FILE", file.toString())), e.getMessage());
  }

  @Test
  void flippedByteIsAChecksumMismatch() throws Exception {
    Path file = validFile();
    byte[] b = Files.readAllBytes(file);
    for (int pos : new int[] {Checkpoint.HEADER_BYTES + 5, b.length / 2, b.length - 1}) {
      byte[] copy = b.clone();
      copy[pos] ^= 0x10;
      Files.write(file, copy);
      assertStarts("checkpoint FILE is corrupt: checksum mismatch", refused(file, Problem.CORRUPT), file);
    }
  }

  @Test
  void truncatedFilesAreRefused() throws Exception {
    Path file = validFile();
    byte[] b = Files.readAllBytes(file);
    for (int length : new int[] {b.length - 1, b.length - 100, Checkpoint.HEADER_BYTES + 3, 5, 0}) {
      Files.write(file, Arrays.copyOf(b, length));
      assertStarts("checkpoint FILE is truncated: " + length + " bytes", refused(file, Problem.TRUNCATED), file);
    }
  }

  @Test
  void trailingBytesAreRefused() throws Exception {
    Path file = validFile();
    byte[] b = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(b, b.length + 3));
    assertStarts("checkpoint FILE is corrupt: 3 unexpected bytes after the end", refused(file, Problem.CORRUPT), file);
  }

  @Test
  void wrongMagicIsNotACheckpoint() throws Exception {
    Path file = validFile();
    byte[] b = Files.readAllBytes(file);
    b[1] = 'X';
    Files.write(file, b);
    assertStarts("FILE is not a Batchwise checkpoint: it starts with bytes 89 58 57",
        refused(file, Problem.NOT_A_CHECKPOINT), file);
    Files.writeString(file, "{\"json\": true}");
    refused(file, Problem.NOT_A_CHECKPOINT);
  }

  @Test
  void otherFormatVersionIsRefused() throws Exception {
    Path file = validFile();
    byte[] b = Files.readAllBytes(file);
    ByteBuffer.wrap(b).putInt(8, 2);
    resealed(b);
    Files.write(file, b);
    assertStarts("checkpoint FILE has format version 2; this build reads version 1",
        refused(file, Problem.UNSUPPORTED_VERSION), file);
  }

  @Test
  void bodyThatDoesNotParseIsCorruptEvenWithAValidChecksum() throws Exception {
    Path file = validFile();
    byte[] b = Files.readAllBytes(file);
    ByteBuffer.wrap(b).putInt(Checkpoint.HEADER_BYTES, 1_000_000); // config entry count
    resealed(b);
    Files.write(file, b);
    assertStarts("checkpoint FILE is corrupt: impossible number of config entries: 1000000",
        refused(file, Problem.CORRUPT), file);
  }

  /** Recomputes the CRC32C trailer, as a buggy writer with a valid checksum would produce. */
  private static void resealed(byte[] b) {
    CRC32C crc = new CRC32C();
    crc.update(b, 0, b.length - 4);
    ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
  }

  @Test
  void missingFileIsRefused() {
    Path file = dir.resolve("epoch-9.ckpt");
    assertEquals("checkpoint " + file + " does not exist", refused(file, Problem.MISSING).getMessage());
  }

  // ------------------------------------------------------------------ mismatch with the model

  @Test
  void shapeNameAndTypeMismatchesAreRefusedAndLeaveTheModelUntouched() throws Exception {
    Path file = validFile();
    Checkpoint c = Checkpoint.read(storage, file.toString());
    String where = "checkpoint " + file + " does not match the model: ";

    Model other = new Model(5);
    Parameter transposed = new Parameter("conv.weight", filled(5, 3, 2, 2), device.zeros(3, 2, 2), Parameter.Kind.WEIGHT);
    List<Parameter> wrongShape = List.of(other.params.get(1), transposed);
    float[] before = other.params.get(1).value().toFloatArray();
    CheckpointException e = assertThrows(CheckpointException.class, () -> c.restore(wrongShape, other.state, null));
    assertEquals(Problem.MISMATCH, e.problem());
    assertEquals(where + "parameter conv.weight has shape [2, 3, 2] in the checkpoint but [3, 2, 2] in the model",
        e.getMessage());
    assertArrayEquals(before, other.params.get(1).value().toFloatArray(), "nothing written on mismatch");

    e = assertThrows(CheckpointException.class, () -> c.restore(other.params.subList(0, 1), other.state, null));
    assertEquals(where + "the checkpoint has parameter bn.gamma, which the model does not have", e.getMessage());

    List<StateBuffer> extra = List.of(other.state.get(0), other.state.get(1), new StateBuffer("bn.count", device.zeros(1)));
    e = assertThrows(CheckpointException.class, () -> c.restore(other.params, extra, null));
    assertEquals(where + "state buffer bn.count of the model is missing from the checkpoint", e.getMessage());

    List<StateBuffer> wrongType = List.of(other.state.get(0), new StateBuffer("bn.sums", device.zeros(2)));
    e = assertThrows(CheckpointException.class, () -> c.restore(other.params, wrongType, null));
    assertEquals(where + "state buffer bn.sums is DOUBLE in the checkpoint but FLOAT in the model", e.getMessage());

    try (Sgd plain = new Sgd(other.params.subList(0, 1), SgdConfig.DEFAULT)) {
      e = assertThrows(CheckpointException.class, () -> c.restore(other.params, other.state, plain.state()));
      assertEquals(where + "the checkpoint has optimizer state bn.gamma.velocity, which the model does not have",
          e.getMessage());
    }
    c.restore(other.params, other.state, null); // the model alone matches
  }

  @Test
  void captureRefusesDuplicateNames() {
    Model m = new Model(1);
    List<Parameter> twice = List.of(m.params.get(0), m.params.get(0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Checkpoint.capture(Map.of(), 0, 0, twice, List.of(), Map.of()));
    assertEquals("duplicate parameter name conv.weight", e.getMessage());
  }
}
