package io.batchwise.nn.norm;

import static io.batchwise.nn.norm.SyncBatchNormTest.data;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Layer;
import io.batchwise.nn.Mode;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NormConversionTest {

  /** lenet-bn on the reference device after one TRAIN step, with non-trivial γ, β. */
  static Sequential trainedLenet(Device d, Tensor x) {
    Sequential m = Models.create("lenet-bn", NormFactory.byName("bn"));
    m.init(d, Models.inputShape(), new Random(5));
    for (BatchNorm bn : ModelWalk.leaves(m, BatchNorm.class)) {
      int c = bn.gamma().value().size();
      bn.gamma().value().write(data(c, c, 1, 0.2));
      bn.beta().value().write(data(c + 1, c, 0, 0.2));
    }
    m.forward(x, Mode.TRAIN);
    return m;
  }


  @Test
  void frozenConversionKeepsTheTrainedEvalFunction() {
    try (Device d = io.batchwise.nn.testing.TestDevices.reference()) {
      Tensor x = d.allocate(3, 1, 28, 28).write(data(1, 3 * 784, 0, 1));
      Sequential m = trainedLenet(d, x);
      double[] eval = m.forward(x, Mode.EVAL).toDoubleArray();
      List<String> stateNames = m.state().stream().map(s -> s.name()).toList();
      assertEquals(2, NormConversion.convert(m, "frozenbn", NormContext.DEFAULT));
      assertInstanceOf(FrozenBatchNorm.class, m.get("bn1"));
      assertArrayEquals(eval, m.forward(x, Mode.TRAIN).toDoubleArray(), 1e-12);
      // The BatchNorm tensor names survive as state (checkpoint keys carry over).
      for (String n : stateNames) {
        assertTrue(m.state().stream().anyMatch(s -> s.name().equals(n)), n);
      }
      m.close();
    }
  }

  @Test
  void syncBnConversionKeepsParametersAndBehaviour() {
    try (Device d = io.batchwise.nn.testing.TestDevices.reference()) {
      Tensor x = d.allocate(3, 1, 28, 28).write(data(1, 3 * 784, 0, 1));
      Sequential a = trainedLenet(d, x);
      Sequential b = trainedLenet(d, x);
      assertEquals(2, NormConversion.convert(b, "syncbn", NormContext.DEFAULT));
      assertEquals(2, NormConversion.bindReducer(b, StatisticsReducer.LOCAL));
      List<Parameter> pa = a.parameters();
      List<Parameter> pb = b.parameters();
      assertEquals(pa.stream().map(Parameter::name).toList(), pb.stream().map(Parameter::name).toList());
      for (int i = 0; i < pa.size(); i++) {
        assertArrayEquals(pa.get(i).value().toDoubleArray(), pb.get(i).value().toDoubleArray(), pa.get(i).name());
      }
      assertArrayEquals(a.forward(x, Mode.TRAIN).toDoubleArray(), b.forward(x, Mode.TRAIN).toDoubleArray());
      // BatchRenorm and GroupNorm keep γ, β.
      assertEquals(2, NormConversion.convert(b, "brn", NormContext.DEFAULT));
      assertArrayEquals(((BatchNorm) a.get("bn2")).gamma().value().toDoubleArray(),
          ((BatchRenorm) b.get("bn2")).gamma().value().toDoubleArray());
      assertEquals(0, NormConversion.convert(b, "gn", NormContext.DEFAULT), "no BatchNorm left");
      Sequential c = trainedLenet(d, x);
      assertEquals(2, NormConversion.convert(c, "gn", NormContext.DEFAULT));
      GroupNorm gn = (GroupNorm) c.get("bn2");
      assertEquals(25, gn.groups());
      assertArrayEquals(((BatchNorm) a.get("bn2")).gamma().value().toDoubleArray(), gn.gamma().value().toDoubleArray());
      c.forward(x, Mode.TRAIN);
      a.close();
      b.close();
      c.close();
    }
  }

  @Test
  void convertsEveryNormOfAnUninitializedResnet() {
    Sequential m = Models.create("resnet20", NormFactory.byName("bn"));
    assertEquals(21, NormConversion.convert(m, "ghostbn", NormContext.DEFAULT.withVirtualBatch(8)));
    assertEquals(21, ModelWalk.leaves(m, GhostBatchNorm.class).size());
    assertTrue(ModelWalk.leaves(m, BatchNorm.class).isEmpty());
    assertEquals(8, ModelWalk.leaves(m, GhostBatchNorm.class).get(0).virtualBatch());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NormConversion.convert(m, "batchnorm", NormContext.DEFAULT));
    assertTrue(e.getMessage().contains("frozenbn"), e.getMessage());
  }

  @Test
  void everyFamilyNameMakesItsLayer() {
    assertTrue(NormFactory.names().containsAll(
        List.of("bn", "syncbn", "brn", "gn", "ln", "in", "frozenbn", "ghostbn")), NormFactory.names().toString());
    Object[][] want = {
        {"syncbn", SyncBatchNorm.class}, {"brn", BatchRenorm.class}, {"gn", GroupNorm.class},
        {"ln", LayerNorm.class}, {"in", InstanceNorm.class}, {"frozenbn", FrozenBatchNorm.class},
        {"ghostbn", GhostBatchNorm.class},
    };
    for (Object[] w : want) {
      assertInstanceOf((Class<?>) w[1], NormFactory.byName((String) w[0]).create(16), (String) w[0]);
    }
    StatisticsReducer r = v -> { };
    NormContext ctx = NormContext.DEFAULT.withReducer(r).withGroups(4).withVirtualBatch(4);
    assertSame(r, ((SyncBatchNorm) NormFactory.byName("syncbn", ctx).create(8)).reducer());
    assertSame(r, ((SyncBatchNorm) NormFactory.byName("syncbn", ctx).create(8)).reducer());
    assertEquals(4, ((GhostBatchNorm) NormFactory.byName("GhostBN", ctx).create(8)).virtualBatch());
    assertSame(StatisticsReducer.LOCAL, ((SyncBatchNorm) NormFactory.byName("syncbn").create(8)).reducer());
    assertThrows(IllegalArgumentException.class, () -> NormFactory.byName("gn", null));
    // Every name builds a working model.
    try (Device d = io.batchwise.nn.testing.TestDevices.reference()) {
      Tensor x = d.allocate(2, 1, 28, 28).write(data(2, 2 * 784, 0, 1));
      for (String name : List.of("syncbn", "brn", "gn", "ln", "in", "frozenbn", "ghostbn")) {
        try (Sequential m = Models.create("lenet-bn", NormFactory.byName(name, ctx))) {
          m.init(d, Models.inputShape(), new Random(1));
          Tensor y = m.forward(x, Mode.TRAIN);
          assertEquals(20, y.size(), name);
          assertTrue(Arrays.stream(y.toDoubleArray()).allMatch(Double::isFinite), name);
          Tensor dy = d.allocate(2, 10).write(data(3, 20, 0, 1));
          m.backward(dy);
          dy.close();
        }
      }
    }
  }
}
