package io.batchwise.train.study;

import io.batchwise.nn.layers.Sequential;
import io.batchwise.nn.models.Models;
import io.batchwise.nn.norm.NormContext;
import io.batchwise.nn.norm.NormFactory;
import io.batchwise.nn.norm.RenormSchedule;
import io.batchwise.nn.optim.SgdConfig;
import java.util.Random;

/** Shared building blocks of the experiments: models by study name, learning-rate scaling, seeds. */
final class Runs {
  private Runs() {}

  /** Reference learning rate of lenet-bn at global batch 64 (TrainConfig.DEFAULTS). */
  static final double BASE_LR = 0.1;
  static final int BASE_BATCH = 64;
  /** GroupNorm groups for lenet-bn's 20 and 50 channels: 5 groups of 4 and of 10 channels. */
  static final int GN_GROUPS = 5;
  static final SgdConfig SGD = new SgdConfig(0.9, false, 5e-4, false);

  /** Linear scaling rule (Goyal et al. 2017): lr = 0.1 · globalBatch / 64. */
  static double scaledLr(int globalBatch) {
    return BASE_LR * globalBatch / BASE_BATCH;
  }

  /**
   * Batch Renorm's rmax/dmax ramp stretched over a short run (Ioffe 2017 relaxes them after 5k of
   * 130k+ steps): rmax 1 → 3 from 5% to 50% of the training forwards, dmax 0 → 5 from 5% to 30%.
   */
  static RenormSchedule renormFor(long totalForwards) {
    long a = Math.max(1, totalForwards / 20);
    return new RenormSchedule(3, a, Math.max(a, totalForwards / 2), 5, a, Math.max(a, totalForwards * 3 / 10));
  }

  /**
   * lenet-bn with the normalization the study calls {@code kind}: {@code syncbn} (BatchNorm over the
   * global batch), {@code bn} (per-worker BN: GhostBatchNorm with virtual batch {@code perWorker}),
   * {@code brn} (Batch Renorm, local statistics), {@code gn}, initialized with {@code seed}.
   */
  static Sequential lenet(StudyContext ctx, String kind, int perWorker, long totalForwards, long seed) {
    NormContext nc = NormContext.DEFAULT.withGroups(GN_GROUPS).withVirtualBatch(Math.max(2, perWorker))
        .withRenormSchedule(renormFor(totalForwards));
    NormFactory f = switch (kind) {
      case "syncbn" -> NormFactory.byName("bn");
      case "bn" -> NormFactory.byName("ghostbn", nc);
      case "brn" -> NormFactory.byName("brn", nc);
      case "gn" -> NormFactory.byName("gn", nc);
      default -> throw new IllegalArgumentException("unknown study norm " + kind);
    };
    Sequential net = Models.create("lenet-bn", f);
    net.init(ctx.device(), Models.inputShape(), new Random(seed));
    return net;
  }

  /** Whether kind needs one forward per worker (no single-forward equivalent on one device). */
  static boolean perWorkerForwards(String kind) {
    return kind.equals("brn");
  }

  static String describe(String kind) {
    return switch (kind) {
      case "syncbn" -> "SyncBN (BatchNorm over the global batch)";
      case "bn" -> "per-worker BN (GhostBatchNorm, ghost = per-worker batch)";
      case "brn" -> "per-worker Batch Renorm (one forward per worker)";
      case "gn" -> "GroupNorm (" + GN_GROUPS + " groups)";
      default -> kind;
    };
  }

  /** A seed for run {@code salt} of experiment {@code id}, recorded with the run. */
  static long seed(StudyContext ctx, int id, int salt) {
    return ctx.seed() + 1000L * id + salt;
  }

}
