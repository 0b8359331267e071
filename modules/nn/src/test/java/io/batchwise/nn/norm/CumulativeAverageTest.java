package io.batchwise.nn.norm;

import static io.batchwise.nn.norm.SyncBatchNormTest.data;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.batchwise.nn.Mode;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cumulative-average alternative to the EMA (PyTorch momentum = None). */
class CumulativeAverageTest {
  @Test
  void runningStatisticsAreThePlainMeanOfTheBatchStatistics() {
    try (Device d = SyncBatchNormTest.smallDevice();
         SyncBatchNorm bn = new SyncBatchNorm(2, BatchNorm.Options.PYTORCH_CUMULATIVE, StatisticsReducer.LOCAL)) {
      bn.init(d, new int[] {2}, new Random(1));
      double[] sumMean = new double[2];
      double[] sumVar = new double[2];
      int batches = 4;
      for (int b = 0; b < batches; b++) {
        int n = 3 + b;
        double[] x = data(b, n * 2, 2 * b, 1 + b);
        for (int c = 0; c < 2; c++) {
          double m = 0;
          for (int i = 0; i < n; i++) {
            m += x[i * 2 + c];
          }
          m /= n;
          double q = 0;
          for (int i = 0; i < n; i++) {
            q += (x[i * 2 + c] - m) * (x[i * 2 + c] - m);
          }
          sumMean[c] += m;
          sumVar[c] += q / (n - 1);
        }
        Tensor t = d.allocate(n, 2).write(x);
        bn.forward(t, Mode.TRAIN);
        t.close();
      }
      double[] rm = bn.runningMean().toDoubleArray();
      double[] rv = bn.runningVar().toDoubleArray();
      for (int c = 0; c < 2; c++) {
        assertEquals(sumMean[c] / batches, rm[c], 1e-12);
        assertEquals(sumVar[c] / batches, rv[c], 1e-12);
      }
      assertEquals("num_batches_tracked", bn.state().get(2).name());
      assertArrayEquals(new double[] {batches}, bn.state().get(2).value().toDoubleArray());
      // A PreciseBN pass leaves the counter alone too.
      try (PreciseBn p = PreciseBn.begin(bn)) {
        p.forward(d.allocate(3, 2).write(data(9, 6, 0, 1)));
      }
      assertArrayEquals(new double[] {batches}, bn.state().get(2).value().toDoubleArray());
    }
    assertThrows(IllegalArgumentException.class,
        () -> new GhostBatchNorm(2, 4, BatchNorm.Options.PYTORCH_CUMULATIVE));
    assertThrows(IllegalStateException.class, () -> BatchNorm.Options.PYTORCH_CUMULATIVE.newWeight());
  }
}
