package io.batchwise.train.distributed;

import java.io.Serializable;
import java.util.LinkedHashMap;

/**
 * What one rank reports after {@link RankWorker#preciseBn}: the model's state buffers (running
 * statistics) after the pass, by name in model order (identical on every rank: the statistics are
 * merged across workers), how many values per channel each BatchNorm layer's statistics came from,
 * the training samples the pass used over all workers, and this rank's wall time.
 */
public record PreciseBnReport(int rank, LinkedHashMap<String, float[]> state, long[] countsPerLayer,
    long samples, long nanos, long stateChecksum) implements Serializable {
}
