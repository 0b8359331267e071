package io.batchwise.train.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.batchwise.collective.CollectiveConfig;
import io.batchwise.collective.CollectiveServer;
import io.batchwise.collective.Communicator;
import io.batchwise.nn.Parameter;
import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.tensor.Device;
import io.batchwise.tensor.DeviceOptions;
import io.batchwise.tensor.Devices;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The bucket plan, and the bucketed all-reduce on two ranks over Netty (float and double paths). */
class GradientBucketsTest {

  static Sequential smallNet(Device device) {
    Sequential net = DataParallelEquivalenceTest.SMALL_NET.apply(NormFactory.byName("bn"));
    net.init(device, new int[] {1, 28, 28}, new Random(3));
    return net;
  }

  @Test
  void planCutsReversedParametersIntoBucketsOfAtLeastTheCap() throws Exception {
    try (Communicator one = group(1).get(0);
        Device device = Devices.open("reference", new DeviceOptions(8, 1));
        Sequential net = smallNet(device)) {
      List<Parameter> params = net.parameters();
      int capBytes = 1024;
      GradientBuckets b = new GradientBuckets(one, params, false, capBytes);
      List<String> flat = new ArrayList<>();
      b.plan().forEach(flat::addAll);
      List<String> reversed = new ArrayList<>(params.stream().map(Parameter::name).toList());
      java.util.Collections.reverse(reversed);
      assertEquals(reversed, flat, "buckets hold the parameters once each, last layer first");
      int[] sizes = b.sizes();
      int total = 0;
      for (int i = 0; i < sizes.length; i++) {
        total += sizes[i];
        if (i < sizes.length - 1) {
          assertTrue(sizes[i] * 4 >= capBytes, "bucket " + i + " closed below the cap");
        }
      }
      assertEquals(params.stream().mapToInt(p -> p.grad().size()).sum(), total);
      assertThrows(IllegalArgumentException.class, () -> new GradientBuckets(one, params, false, 0));
    }
  }

  @Test
  void floatBucketsSumOverTwoRanks() throws Exception {
    sumOverTwoRanks("java", false);
  }

  @Test
  void doubleBucketsSumOverTwoRanks() throws Exception {
    sumOverTwoRanks("reference", true);
  }

  /** Rank r fills gradient element i of parameter k with (r+1)·(k+1) + i/1024; the sum is exact. */
  static void sumOverTwoRanks(String deviceSpec, boolean wide) throws Exception {
    List<Communicator> comms = group(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Void>> fs = new ArrayList<>();
      for (Communicator c : comms) {
        fs.add(pool.submit(() -> {
          try (Device device = Devices.open(deviceSpec, new DeviceOptions(8, 1));
              Sequential net = smallNet(device)) {
            List<Parameter> params = net.parameters();
            for (int k = 0; k < params.size(); k++) {
              params.get(k).grad().write(values(params.get(k).grad().size(), c.rank(), k));
            }
            GradientBuckets b = new GradientBuckets(c, params, wide, 2048);
            b.begin();
            assertEquals(0, b.issued());
            // Backward order: after each parameter, exactly the leading buckets whose gradients
            // are all ready have been issued.
            List<List<String>> plan = b.plan();
            java.util.Set<String> ready = new java.util.HashSet<>();
            for (int k = params.size() - 1; k >= 0; k--) {
              b.ready(List.of(params.get(k)));
              ready.add(params.get(k).name());
              int expected = 0;
              while (expected < plan.size() && ready.containsAll(plan.get(expected))) {
                expected++;
              }
              assertEquals(expected, b.issued(), "buckets issued after " + params.get(k).name());
            }
            assertEquals(b.count(), b.issued(), "every bucket issued once all gradients are ready");
            b.finish();
            for (int k = 0; k < params.size(); k++) {
              float[] got = params.get(k).grad().toFloatArray();
              float[] a = values(got.length, 0, k);
              float[] bb = values(got.length, 1, k);
              for (int i = 0; i < got.length; i++) {
                assertEquals(a[i] + bb[i], got[i], 0f, params.get(k).name() + "[" + i + "]");
              }
            }
          }
          return null;
        }));
      }
      for (Future<Void> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
      for (Communicator c : comms) {
        c.close();
      }
    }
  }

  static float[] values(int n, int rank, int k) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (rank + 1) * (k + 1) + (i % 1024) / 1024f;
    }
    return v;
  }

  /** A group of n communicators on 127.0.0.1, joined concurrently. */
  static List<Communicator> group(int n) throws Exception {
    byte[] secret = CollectiveConfig.newSecret();
    List<CollectiveServer> servers = new ArrayList<>();
    List<InetSocketAddress> endpoints = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      CollectiveConfig cfg = CollectiveConfig.builder().jobId("buckets-test").secret(secret).rank(r).size(n)
          .timeout(Duration.ofSeconds(20)).spinMicros(0).build();
      CollectiveServer s = CollectiveServer.bind(cfg, new InetSocketAddress("127.0.0.1", 0));
      servers.add(s);
      endpoints.add(s.localAddress());
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Communicator>> fs = new ArrayList<>();
      for (CollectiveServer s : servers) {
        fs.add(pool.submit(() -> s.join(endpoints)));
      }
      List<Communicator> out = new ArrayList<>();
      for (Future<Communicator> f : fs) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
