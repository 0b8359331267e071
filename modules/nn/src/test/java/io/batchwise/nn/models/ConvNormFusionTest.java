package io.batchwise.nn.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.StateBuffer;
import io.batchwise.nn.layers.ChannelFusedInput;
import io.batchwise.nn.layers.Conv2d;
import io.batchwise.nn.layers.Identity;
import io.batchwise.nn.layers.ReLU;
import io.batchwise.nn.layers.Scratch;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.BatchNorm;
import io.batchwise.nn.norm.ModelWalk;
import io.batchwise.nn.norm.NormConversion;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.testing.TestDevices;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Conv2d → BatchNorm linking ({@link ChannelFusedInput}): which pairs a Sequential links, the
 * hand-over contract, and that a linked model computes exactly what the unlinked one does, on the
 * reference device and on OpenCL (where the fused kernels must match the separate ones bit for bit).
 */
class ConvNormFusionTest {

  /** Every linked pair of a model, as "conv>norm", through nested Sequentials and residuals. */
  static List<String> pairs(Layer l) {
    List<String> out = new ArrayList<>();
    for (Sequential s : ModelWalk.sequentials(l)) {
      out.addAll(s.linkedPairs());
    }
    return out;
  }

  @Test
  void linksEachBiasFreeConvolutionToTheBatchNormRightAfterIt() {
    try (Sequential bn = Models.create("resnet20", NormFactory.byName("bn"));
         Sequential sync = Models.create("resnet20", NormFactory.byName("syncbn"));
         Sequential gn = Models.create("resnet20", NormFactory.byName("gn"))) {
      // The stem, two per basic block (9 blocks), and the two projection shortcuts.
      assertEquals(21, pairs(bn).size(), pairs(bn).toString());
      assertEquals(21, pairs(sync).size());
      assertEquals(0, pairs(gn).size(), "GroupNorm computes no batch moments: nothing to link");
      NormConversion.convNormFusion(bn, false);
      assertEquals(0, pairs(bn).size());
      NormConversion.convNormFusion(bn, true);
      assertEquals(21, pairs(bn).size());
    }
    Sequential withBias = new Sequential()
        .add("conv", new Conv2d(4, 3, 1, 1, true))
        .add("bn", new BatchNorm(4))
        .add("relu", new ReLU())
        .add("conv2", new Conv2d(4, 3, 1, 1, false))
        .add("bn2", new BatchNorm(4));
    assertEquals(List.of("conv2>bn2"), withBias.linkedPairs(), "a bias is added after the permute");
    withBias.replace("bn2", new Identity());
    assertEquals(List.of(), withBias.linkedPairs());
  }

  @Test
  void aLinkedBatchNormLeavesItsInputGradientToTheConvolutionOnce() {
    try (Device device = TestDevices.reference()) {
      BatchNorm bn = new BatchNorm(3);
      bn.init(device, new int[] {3, 4, 4}, new Random(1));
      bn.linkProducer(true);
      assertNull(bn.momentsRequest(Mode.EVAL), "evaluation uses the running statistics");
      ChannelFusedInput.MomentsRequest req = bn.momentsRequest(Mode.TRAIN);
      assertNotNull(req);
      assertSame(bn.runningMean(), req.shift(), "the sums are taken about the running mean");
      try (Tensor x = device.allocate(2, 3, 4, 4); Tensor dy = device.allocate(2, 3, 4, 4)) {
        Random r = new Random(2);
        double[] v = new double[x.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = r.nextGaussian();
        }
        x.write(v);
        dy.write(v);
        // Without sums from a producer, local BatchNorm runs its one-launch kernels and writes dx.
        bn.forward(x, Mode.TRAIN);
        assertNull(bn.takeGradient(bn.backward(dy)));
        // As the convolution does: the sums come with x.
        device.ops().channelMoments(x, 2, 3, 16, req.shift(), req.sums());
        bn.momentsWritten(x);
        bn.forward(x, Mode.TRAIN);
        Tensor dx = bn.backward(dy);
        assertNull(bn.takeGradient(dy), "only the tensor backward returned");
        ChannelFusedInput.AffineGradient map = bn.takeGradient(dx);
        assertNotNull(map);
        assertSame(dy, map.dy());
        assertSame(x, map.x());
        assertNull(bn.takeGradient(dx), "taken once");
        bn.linkProducer(false);
        device.ops().channelMoments(x, 2, 3, 16, req.shift(), req.sums());
        bn.momentsWritten(x);
        bn.forward(x, Mode.TRAIN);
        assertNull(bn.takeGradient(bn.backward(dy)), "unlinked, backward writes dx itself");
        assertNull(bn.momentsRequest(Mode.TRAIN));
      }
      bn.close();
    }
  }

  @Test
  void linkedModelsComputeWhatUnlinkedOnesDoOnTheReferenceDevice() {
    try (Device device = TestDevices.reference()) {
      for (String norm : new String[] {"bn", "syncbn"}) {
        assertLinkedEqualsUnlinked(device, "resnet20", norm, 0);
        assertLinkedEqualsUnlinked(device, "lenet-bn", norm, 0);
      }
    }
  }

  /**
   * On OpenCL the linked pair takes other kernels (the fused permutes, and the host arithmetic in
   * place of the one-launch local BatchNorm) whose results are defined to be bit-identical.
   */
  @Test
  void linkedModelsMatchUnlinkedOnesBitForBitOnOpenCl() {
    String[] why = new String[1];
    Device device = TestDevices.openFloat("opencl", why);
    if (device == null) {
      System.err.println("WARNING: ConvNormFusionTest OpenCL check skipped: " + why[0]);
      return;
    }
    try {
      for (String norm : new String[] {"bn", "syncbn"}) {
        assertLinkedEqualsUnlinked(device, "resnet20", norm, 0);
        assertLinkedEqualsUnlinked(device, "lenet-bn", norm, 0);
      }
    } finally {
      Scratch.release(device);
      device.close();
    }
  }

  /**
   * Two identically seeded models, linked and unlinked, three forward/backward passes in training
   * mode (the running mean, the shift of the sums, moves between them): equal outputs, input
   * gradients, parameter gradients and running statistics, within {@code tol} (0: bit for bit).
   * SyncBN is bound to a reducer that adds nothing, which keeps it on the group path.
   */
  static void assertLinkedEqualsUnlinked(Device device, String model, String norm, double tol) {
    try (Sequential a = Models.create(model, NormFactory.byName(norm));
         Sequential b = Models.create(model, NormFactory.byName(norm))) {
      NormConversion.convNormFusion(b, false);
      a.init(device, Models.inputShape(), new Random(5));
      b.init(device, Models.inputShape(), new Random(5));
      if (norm.equals("syncbn")) {
        NormConversion.bindReducer(a, sums -> { });
        NormConversion.bindReducer(b, sums -> { });
      }
      Random r = new Random(6);
      int n = 3;
      double[] xv = new double[n * 28 * 28];
      double[] gv = new double[n * 10];
      for (int step = 0; step < 3; step++) {
        for (int i = 0; i < xv.length; i++) {
          xv[i] = r.nextGaussian() + 0.5;
        }
        for (int i = 0; i < gv.length; i++) {
          gv[i] = r.nextGaussian();
        }
        try (Tensor x = device.allocate(n, 1, 28, 28).write(xv); Tensor dy = device.allocate(n, 10).write(gv)) {
          String at = model + "/" + norm + " on " + device.name() + ", pass " + step + ": ";
          assertArrayEquals(b.forward(x, Mode.TRAIN).toDoubleArray(), a.forward(x, Mode.TRAIN).toDoubleArray(),
              tol, at + "output");
          assertArrayEquals(b.backward(dy).toDoubleArray(), a.backward(dy).toDoubleArray(), tol,
              at + "input gradient");
          List<Parameter> pa = a.parameters();
          List<Parameter> pb = b.parameters();
          for (int i = 0; i < pa.size(); i++) {
            assertArrayEquals(pb.get(i).grad().toDoubleArray(), pa.get(i).grad().toDoubleArray(), tol,
                at + pa.get(i).name() + " gradient");
          }
          List<StateBuffer> sa = a.state();
          List<StateBuffer> sb = b.state();
          for (int i = 0; i < sa.size(); i++) {
            assertArrayEquals(sb.get(i).value().toDoubleArray(), sa.get(i).value().toDoubleArray(), tol,
                at + sa.get(i).name());
          }
        }
      }
      assertTrue(pairs(a).size() > 0 && pairs(b).isEmpty());
    }
  }
}
