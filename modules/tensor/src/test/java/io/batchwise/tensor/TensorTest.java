package io.batchwise.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.tensor.jvm.JavaDevice;
import io.batchwise.tensor.reference.ReferenceDevice;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Tensor handles on the two plain-Java devices: views, slices, lifecycle and host transfers. */
class TensorTest {
  private static final DeviceOptions SMALL = new DeviceOptions(1, 1);

  static Stream<Device> devices() {
    return Stream.of(new ReferenceDevice(SMALL), new JavaDevice(SMALL, 2));
  }

  @ParameterizedTest
  @MethodSource("devices")
  void floatRoundTrip(Device device) {
    try (device) {
      float[] values = {1.5f, -2.25f, 3.1415927f, Float.MIN_VALUE, -0f, 1e30f};
      Tensor t = device.upload(values, 2, 3);
      assertArrayEquals(values, t.toFloatArray());
      double[] widened = t.toDoubleArray();
      for (int i = 0; i < values.length; i++) {
        assertEquals(values[i], widened[i]);
      }
      float[] part = new float[4];
      t.read(2, part, 1, 3);
      assertArrayEquals(new float[] {0f, 3.1415927f, Float.MIN_VALUE, -0f}, part);
      t.write(1, new float[] {9f, 8f}, 0, 2);
      assertArrayEquals(new float[] {1.5f, 9f, 8f, Float.MIN_VALUE, -0f, 1e30f}, t.toFloatArray());
    }
  }

  @ParameterizedTest
  @MethodSource("devices")
  void doubleRoundTrip(Device device) {
    try (device) {
      double[] values = {0.1, -1e-300, Math.PI, 1e300};
      Tensor t = device.allocate(DType.DOUBLE, 4);
      t.write(values);
      assertArrayEquals(values, t.toDoubleArray(), "DOUBLE tensors keep full precision");
      float[] narrowed = t.toFloatArray();
      assertEquals((float) Math.PI, narrowed[2]);
    }
  }

  @ParameterizedTest
  @MethodSource("devices")
  void floatTensorsTakeDoublesAtTheirDevicePrecision(Device device) {
    try (device) {
      Tensor t = device.allocate(1);
      t.write(new double[] {0.1});
      double stored = t.toDoubleArray()[0];
      if (device.kind() == Device.Kind.REFERENCE) {
        assertEquals(0.1, stored, 0.0, "the reference stores FLOAT tensors as doubles");
      } else {
        assertEquals((double) 0.1f, stored, 0.0, "float devices round to float");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("devices")
  void viewsAndSlicesShareMemoryWithinBounds(Device device) {
    try (device) {
      Tensor t = device.upload(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
      Tensor v = t.view(3, 2);
      assertArrayEquals(new int[] {3, 2}, v.shape());
      assertFalse(v.isOwner());
      Tensor s = t.slice(2, 2, 2);
      assertArrayEquals(new float[] {2, 3, 4, 5}, s.toFloatArray());
      s.write(new float[] {20, 30, 40, 50});
      assertArrayEquals(new float[] {0, 1, 20, 30, 40, 50}, v.toFloatArray());
      Tensor empty = t.slice(6, 0);
      assertEquals(0, empty.size());

      assertThrows(IllegalArgumentException.class, () -> t.view(4, 2));
      assertThrows(IndexOutOfBoundsException.class, () -> t.slice(5, 2));
      assertThrows(IndexOutOfBoundsException.class, () -> t.slice(-1, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> t.read(4, new float[3], 0, 3));
      assertThrows(IndexOutOfBoundsException.class, () -> t.write(-1, new float[1], 0, 1));
      assertThrows(IllegalArgumentException.class, () -> t.write(new float[5]));
      assertThrows(IllegalArgumentException.class, () -> Tensor.sizeOf(2, -1));
      assertThrows(IllegalArgumentException.class, () -> Tensor.sizeOf(1 << 16, 1 << 16));
    }
  }

  @ParameterizedTest
  @MethodSource("devices")
  void closingReturnsMemoryAndLaterUseFails(Device device) {
    try (device) {
      long before = device.usedFloats();
      Tensor t = device.zeros(100);
      Tensor v = t.view(10, 10);
      assertTrue(device.usedFloats() >= before + 100);
      v.close();
      assertFalse(t.isClosed(), "closing a view leaves its owner open");
      assertEquals(0f, t.toFloatArray()[99]);
      t.close();
      t.close(); // closing twice is harmless
      assertEquals(before, device.usedFloats());
      assertTrue(v.isClosed());
      IllegalStateException e = assertThrows(IllegalStateException.class, t::offset);
      assertTrue(e.getMessage().contains("after close"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> v.view(100));
      assertThrows(IllegalStateException.class, () -> device.ops().fill(v, 1f));
    }
  }

  @ParameterizedTest
  @MethodSource("devices")
  void exhaustingTheArenaNamesIt(Device device) {
    try (device) {
      DeviceMemoryException e = assertThrows(DeviceMemoryException.class, () -> device.allocate(1 << 20));
      assertTrue(e.getMessage().contains("float arena"), e.getMessage());
    }
  }
}
