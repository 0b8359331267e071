package io.batchwise.collective.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuAffinityTest {
  @Test
  void parsesTheKernelsCpuListFormat() {
    assertEquals(0b1L, CpuAffinity.parseList("0"));
    assertEquals(0b11L, CpuAffinity.parseList("0-1"));
    assertEquals(0b1101_0000_0001L, CpuAffinity.parseList("0,8,10-11"));
    assertEquals(1L << 63, CpuAffinity.parseList("63"));
    // Unknown rather than wrong: beyond 64 CPUs, malformed, empty.
    assertEquals(0, CpuAffinity.parseList("64"));
    assertEquals(0, CpuAffinity.parseList("3-1"));
    assertEquals(0, CpuAffinity.parseList("a"));
    assertEquals(0, CpuAffinity.parseList(""));
    assertEquals(0, CpuAffinity.parseList("1,,2"));
  }

  @Test
  void thisProcessHasAtLeastOneAllowedCpuOnLinux() {
    long m = CpuAffinity.allowedMask();
    if (System.getProperty("os.name").toLowerCase().contains("linux")
        && Runtime.getRuntime().availableProcessors() <= 64) {
      assertTrue(Long.bitCount(m) >= 1, "mask " + Long.toBinaryString(m));
    }
  }

  @Test
  void eachRankHasACoreOnlyWhenAMatchingExists() {
    // Pinned to distinct cores; unpinned with enough cores; one JVM's threads share one mask.
    assertTrue(CpuAffinity.eachRankHasACore(new long[] {0b01, 0b10}));
    assertTrue(CpuAffinity.eachRankHasACore(new long[] {0b11, 0b11}));
    assertTrue(CpuAffinity.eachRankHasACore(new long[] {0b11, 0b01}));
    // More ranks than cores, two pinned to one core, an unknown mask.
    assertFalse(CpuAffinity.eachRankHasACore(new long[] {0b11, 0b11, 0b11}));
    assertFalse(CpuAffinity.eachRankHasACore(new long[] {0b01, 0b10, 0b01, 0b10}));
    assertFalse(CpuAffinity.eachRankHasACore(new long[] {0b01, 0b01}));
    assertFalse(CpuAffinity.eachRankHasACore(new long[] {0b11, 0}));
    // The greedy order matters: the rank with one choice goes first.
    assertTrue(CpuAffinity.eachRankHasACore(new long[] {0b011, 0b001, 0b110}));
  }
}
