package io.batchwise.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Parameter;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.optim.Sgd;
import io.batchwise.nn.optim.SgdConfig;
import io.batchwise.nn.schedule.LearningRateSchedule;
import io.batchwise.nn.schedule.ScheduleParser;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.jvm.JavaDevice;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loss, optimizer, schedule and checkpoint together on the float Java device: softmax regression
 * trained for 10 steps straight must end bit-identical to 4 steps, a checkpoint, a fresh process
 * (new model and optimizer) restoring it, and 6 more steps.
 */
class ResumeTest {
  private static final int N = 8;
  private static final int F = 5;
  private static final int K = 3;
  private static final int STEPS = 10;
  private static final SgdConfig SGD = new SgdConfig(0.9, true, 0.01, false);

  @TempDir
  Path dir;

  private final Device device = new JavaDevice(new DeviceOptions(1, 1), 1);
  private final Tensor x;
  private final Tensor y;
  private final LearningRateSchedule schedule = ScheduleParser.parse("warmup:2+cosine:0.1", 0.5, STEPS, 5);

  ResumeTest() {
    Random rng = new Random(11);
    float[] xs = new float[N * F];
    float[] ys = new float[N];
    for (int i = 0; i < N; i++) {
      ys[i] = i % K;
      for (int j = 0; j < F; j++) {
        xs[i * F + j] = (float) rng.nextGaussian() + (j == i % K ? 1.5f : 0f);
      }
    }
    x = device.upload(xs, N, F);
    y = device.upload(ys, N);
  }

  @AfterEach
  void close() {
    device.close();
  }

  /** logits = X·W + b; a fresh instance per "process", initialized from its own seed. */
  private final class Model implements AutoCloseable {
    final Parameter w;
    final Parameter b;
    final Tensor logits = device.allocate(N, K);
    final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(device);
    final Sgd sgd;

    Model(long seed) {
      Random rng = new Random(seed);
      float[] init = new float[F * K];
      for (int i = 0; i < init.length; i++) {
        init[i] = (float) rng.nextGaussian() * 0.1f;
      }
      w = new Parameter("fc.weight", device.upload(init, F, K), device.zeros(F, K), Parameter.Kind.WEIGHT);
      b = new Parameter("fc.bias", device.zeros(K), device.zeros(K), Parameter.Kind.BIAS);
      sgd = new Sgd(List.of(w, b), SGD);
    }

    /** One training step at global step {@code t}; returns the mean loss before the update. */
    double step(long t) {
      device.ops().gemm(false, false, N, K, F, 1f, x, 0, w.value(), 0, 0f, logits, 0);
      device.ops().addChannelBias(logits, N, K, 1, b.value());
      double mean = loss.forward(logits, y) / N;
      Tensor dlogits = loss.backwardForGlobalBatch(N);
      device.ops().gemm(true, false, F, K, N, 1f, x, 0, dlogits, 0, 0f, w.grad(), 0);
      device.ops().channelSum(dlogits, N, K, 1, 0f, b.grad());
      sgd.step(schedule.lr(t));
      return mean;
    }

    @Override
    public void close() {
      sgd.close();
      loss.close();
      logits.close();
      w.value().close();
      w.grad().close();
      b.value().close();
      b.grad().close();
    }
  }

  @Test
  void resumingFromACheckpointContinuesBitIdentically() throws Exception {
    float[] straightW;
    float[] straightB;
    try (Model m = new Model(1)) {
      double first = m.step(0);
      double last = first;
      for (long t = 1; t < STEPS; t++) {
        last = m.step(t);
      }
      assertTrue(last < 0.5 * first, "training lowers the loss: " + first + " -> " + last);
      straightW = m.w.value().toFloatArray();
      straightB = m.b.value().toFloatArray();
    }

    CheckpointDirectory checkpoints = new CheckpointDirectory(new LocalCheckpointStorage(), dir.toString());
    try (Model m = new Model(1)) {
      for (long t = 0; t < 4; t++) {
        m.step(t);
      }
      Map<String, String> config = SGD.toMap();
      checkpoints.write(Checkpoint.capture(config, 1, 4, m.sgd.parameters(), List.of(), m.sgd.state()));
    }

    try (Model resumed = new Model(99)) {
      Checkpoint c = checkpoints.newestValid().orElseThrow().checkpoint();
      assertEquals("true", c.config().get("sgd.nesterov"));
      c.restore(resumed.sgd.parameters(), List.of(), resumed.sgd.state());
      for (long t = c.globalStep(); t < STEPS; t++) {
        resumed.step(t);
      }
      assertArrayEquals(straightW, resumed.w.value().toFloatArray());
      assertArrayEquals(straightB, resumed.b.value().toFloatArray());
    }

    // Without the optimizer state the continuation differs: the velocities really are carried.
    try (Model noMomentum = new Model(99)) {
      Checkpoint c = checkpoints.newestValid().orElseThrow().checkpoint();
      c.restore(noMomentum.sgd.parameters(), List.of(), null);
      for (long t = c.globalStep(); t < STEPS; t++) {
        noMomentum.step(t);
      }
      assertFalse(java.util.Arrays.equals(straightW, noMomentum.w.value().toFloatArray()));
    }
  }
}
