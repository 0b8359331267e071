package io.batchwise.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.data.SyntheticDataset;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The models are built for the data's sample shape at init (Fashion-MNIST's 1×28×28, CIFAR-10's
 * 3×32×32, a table's CxHxW), and {@link Catalog#checkInput} names the shapes a model cannot take.
 */
class CatalogTest {
  @Test
  void bothModelsBuildForFashionMnistAndCifarShapes() {
    try (Device device = Devices.open("java", new DeviceOptions(64, 1))) {
      for (String model : Catalog.models()) {
        for (int[] shape : new int[][] {{1, 28, 28}, {3, 32, 32}}) {
          try (Sequential net = Catalog.newModel(model, "bn")) {
            int[] out = net.init(device, shape.clone(), new Random(1));
            assertArrayEquals(new int[] {10}, out, model + " on " + shape[0] + "x" + shape[1]);
          }
        }
      }
    }
  }

  @Test
  void checkInputNamesTheModelAndTheShape() throws UsageException {
    Catalog.checkInput("lenet-bn", data(3, 32, 10));
    Catalog.checkInput("lenet-bn", data(1, 16, 10));
    Catalog.checkInput("resnet20", data(1, 8, 10));
    UsageException small = assertThrows(UsageException.class,
        () -> Catalog.checkInput("lenet-bn", data(1, 15, 10)));
    assertTrue(small.getMessage().contains("model lenet-bn cannot take input of shape 1x15x15"),
        small.getMessage());
    UsageException classes = assertThrows(UsageException.class,
        () -> Catalog.checkInput("resnet20", data(1, 28, 12)));
    assertTrue(classes.getMessage().contains("has 10 outputs") &&
        classes.getMessage().contains("12 classes"), classes.getMessage());
  }

  private static SyntheticDataset data(int channels, int side, int classes) {
    return new SyntheticDataset("d", 4, new int[] {channels, side, side}, classes, 1f, 1);
  }
}
