package io.batchwise.tensor.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device listing and spec parsing of {@link Devices}; the OpenCL parts need an OpenCL device. */
class OpenClDevicesTest {
  private static final DeviceOptions SMALL = new DeviceOptions(4, 1);

  @Test
  void listNamesEveryKindOfDevice() {
    List<String> lines = Devices.list();
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("java")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("reference")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("opencl")), lines.toString());
  }

  @Test
  void unknownSpecsAreRejectedWithTheValidOnes() {
    for (String spec : new String[] {"gpu", "opencl:x", "", "cuda:0"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Devices.open(spec, SMALL));
      assertTrue(e.getMessage().contains("auto") && e.getMessage().contains("reference"),
          e.getMessage());
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Devices.open("opencl:99", SMALL));
    assertTrue(e.getMessage().contains("99"), e.getMessage());
  }

  @Test
  void referenceSpecOpensTheReferenceDevice() {
    try (Device d = Devices.open("reference", SMALL)) {
      assertEquals(Device.Kind.REFERENCE, d.kind());
    }
  }

  @Test
  void autoPrefersOpenClAndIndexedSpecsWork() {
    assumeTrue(!Devices.openClDevices().isEmpty(), "no OpenCL device: " + Devices.openClProblem());
    assertTrue(Devices.list().get(0).startsWith("opencl:0"), Devices.list().toString());
    try (Device auto = Devices.open("auto", SMALL)) {
      assertEquals(Device.Kind.OPENCL, auto.kind());
      System.err.println("auto opened " + auto);
    }
    try (Device d = Devices.open(" OpenCL:0 ", SMALL)) {
      assertEquals("opencl:0", d.name());
      assertTrue(d.description().contains(Devices.openClDevices().get(0).getName()),
          d.description());
    }
  }
}
