package io.batchwise.nn.checkpoint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A directory of per-epoch checkpoints named {@code epoch-<E>.ckpt}, where E is the number of epochs
 * completed (no zero padding; ordering is numeric, not by name or modification time, which remote
 * file systems do not keep reliably).
 *
 * <p>{@link #newestValid()} is what {@code --resume} uses: it tries the checkpoints from the highest
 * epoch down and returns the first that reads and validates, skipping (with a warning) any that is
 * truncated, corrupt or unreadable — for example the checkpoint a crash interrupted on a file system
 * whose rename is not atomic.
 */
public final class CheckpointDirectory {
  private static final System.Logger LOG = System.getLogger(CheckpointDirectory.class.getName());
  private static final Pattern NAME = Pattern.compile("epoch-(\\d{1,18})\\.ckpt");

  private final CheckpointStorage storage;
  private final String directory;

  public CheckpointDirectory(CheckpointStorage storage, String directory) {
    if (storage == null || directory == null || directory.isEmpty()) {
      throw new IllegalArgumentException("a checkpoint directory needs a storage and a non-empty location");
    }
    this.storage = storage;
    this.directory = directory;
  }

  /** The file name of the checkpoint taken after {@code epoch} completed epochs. */
  public static String fileName(long epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    return "epoch-" + epoch + ".ckpt";
  }

  /** The location of the checkpoint for {@code epoch} inside this directory. */
  public String locationOf(long epoch) {
    return storage.resolve(directory, fileName(epoch));
  }

  /** Writes {@code checkpoint} atomically as {@code epoch-<checkpoint.epoch()>.ckpt}; returns its location. */
  public String write(Checkpoint checkpoint) throws CheckpointException {
    String location = locationOf(checkpoint.epoch());
    checkpoint.write(storage, location);
    return location;
  }

  /**
   * Epochs that have a checkpoint file in this directory, highest first (files are not read).
   *
   * @throws CheckpointException ({@code IO}) if the directory cannot be listed
   */
  public List<Long> epochs() throws CheckpointException {
    List<String> names;
    try {
      names = storage.list(directory);
    } catch (IOException e) {
      throw new CheckpointException(directory, CheckpointException.Problem.IO,
          "cannot list checkpoint directory " + directory + ": " + e, e);
    }
    List<Long> epochs = new ArrayList<>();
    for (String name : names) {
      Matcher m = NAME.matcher(name);
      if (m.matches()) {
        epochs.add(Long.parseLong(m.group(1)));
      }
    }
    epochs.sort(Comparator.reverseOrder());
    return epochs;
  }

  /** The newest checkpoint that reads and validates, and the ones skipped on the way. */
  public record Found(Checkpoint checkpoint, List<CheckpointException> skipped) {
  }

  /**
   * The checkpoint with the highest epoch that is valid, or empty if there is none (no directory,
   * no checkpoint, or only invalid ones). Each skipped file is logged as a warning and listed in
   * {@link Found#skipped()}.
   */
  public Optional<Found> newestValid() throws CheckpointException {
    List<CheckpointException> skipped = new ArrayList<>();
    for (long epoch : epochs()) {
      String location = locationOf(epoch);
      try {
        return Optional.of(new Found(Checkpoint.read(storage, location), List.copyOf(skipped)));
      } catch (CheckpointException e) {
        LOG.log(System.Logger.Level.WARNING, "skipping " + e.getMessage());
        skipped.add(e);
      }
    }
    if (!skipped.isEmpty()) {
      LOG.log(System.Logger.Level.WARNING, "no valid checkpoint in " + directory + ": all "
          + skipped.size() + " checkpoints there were skipped");
    }
    return Optional.empty();
  }

  public String directory() {
    return directory;
  }

  @Override
  public String toString() {
    return directory + " (" + storage + ")";
  }
}
