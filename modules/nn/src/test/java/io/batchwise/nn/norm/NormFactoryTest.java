package io.batchwise.nn.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.nn.Layer;
import io.batchwise.nn.layers.Identity;
import org.junit.jupiter.api.Test;

class NormFactoryTest {
  @Test
  void knownNames() {
    assertTrue(NormFactory.names().containsAll(java.util.List.of("bn", "none")));
    Layer bn = NormFactory.byName("bn").create(8);
    assertInstanceOf(BatchNorm.class, bn);
    assertEquals(BatchNorm.Options.PYTORCH, ((BatchNorm) bn).options());
    assertEquals(BatchNorm.Options.KERAS, ((BatchNorm) NormFactory.byName("BN-Keras").create(8)).options());
    assertInstanceOf(Identity.class, NormFactory.byName("none").create(8));
    // Each call makes a new layer.
    NormFactory f = NormFactory.byName("bn");
    assertTrue(f.create(4) != f.create(4));
  }

  @Test
  void unknownNameListsTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NormFactory.byName("batchnorm"));
    assertTrue(e.getMessage().contains("'batchnorm'") && e.getMessage().contains("bn")
        && e.getMessage().contains("none"), e.getMessage());
  }
}
