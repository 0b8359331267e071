package io.batchwise.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.loss.SoftmaxCrossEntropy;
import io.batchwise.nn.models.Models;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Tensor;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The whole point of SyncBN, end to end: lenet with syncbn on W workers (uneven batches, one empty)
 * computes the same loss and, summed over workers, the same parameter gradients and running
 * statistics as lenet with bn on one device over the concatenated batch.
 */
class SyncModelTest {
  static final int[] BATCHES = {3, 0, 2};
  static final int TOTAL = 5;

  record Result(double loss, List<double[]> grads, List<double[]> state) {
  }

  static Result step(String norm, StatisticsReducer reducer, int from, int n) {
    try (Device d = new ReferenceDevice(new DeviceOptions(16, 1));
         Sequential m = Models.create("lenet-bn", NormFactory.byName(norm, NormContext.DEFAULT.withReducer(reducer)));
         SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(d)) {
      m.init(d, Models.inputShape(), new Random(4));
      double[] xAll = SyncBatchNormTest.data(21, TOTAL * 784, 0, 1);
      double[] yAll = {3, 1, 4, 1, 5};
      Tensor x = d.allocate(n, 1, 28, 28).write(Arrays.copyOfRange(xAll, from * 784, (from + n) * 784));
      Tensor y = d.allocate(n).write(Arrays.copyOfRange(yAll, from, from + n));
      double l = loss.forward(m.forward(x, Mode.TRAIN), y);
      m.backward(loss.backwardForGlobalBatch(TOTAL));
      List<double[]> grads = new ArrayList<>();
      for (Parameter p : m.parameters()) {
        grads.add(p.grad().toDoubleArray());
      }
      List<double[]> state = m.state().stream().map(s -> s.value().toDoubleArray()).toList();
      return new Result(l, grads, state);
    }
  }

  @Test
  void syncLenetOnWorkersEqualsLenetOnTheConcatenatedBatch() {
    Result ref = step("bn", StatisticsReducer.LOCAL, 0, TOTAL);
    StatisticsReducer[] red = InProcessReducer.partition(BATCHES.length, BATCHES.length);
    List<Result> rs = Workers.run(BATCHES.length, r -> {
      int from = 0;
      for (int i = 0; i < r; i++) {
        from += BATCHES[i];
      }
      return step("syncbn", red[r], from, BATCHES[r]);
    });
    assertEquals(ref.loss(), rs.stream().mapToDouble(Result::loss).sum(), 1e-10 * Math.abs(ref.loss()));
    for (int p = 0; p < ref.grads().size(); p++) {
      double[] want = ref.grads().get(p);
      double[] sum = new double[want.length];
      for (Result r : rs) {
        for (int i = 0; i < sum.length; i++) {
          sum[i] += r.grads().get(p)[i];
        }
      }
      double scale = Arrays.stream(want).map(Math::abs).max().orElse(1);
      for (int i = 0; i < sum.length; i++) {
        assertEquals(want[i], sum[i], 1e-9 * scale, "parameter " + p + " element " + i);
      }
    }
    for (Result r : rs) {
      for (int s = 0; s < ref.state().size(); s++) {
        double[] want = ref.state().get(s);
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], r.state().get(s)[i], 1e-12 * (1 + Math.abs(want[i])), "state " + s);
        }
      }
    }
  }
}
