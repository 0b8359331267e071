package io.batchwise.nn.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * {@link CheckpointStorage} on a local (or locally mounted) file system through java.nio.
 *
 * <p>Atomic write: the bytes go to a temporary file in the target's own directory (so the rename
 * never crosses file systems) named {@code .<name>.<random>.tmp}; the file is fsync'ed, renamed over
 * the target with {@code ATOMIC_MOVE} (POSIX {@code rename(2)}, which replaces an existing target
 * atomically), and the directory is fsync'ed so the rename itself survives a crash. Temporary names
 * start with a dot, so {@link #list} and {@link CheckpointDirectory} never mistake a write in
 * progress (or one a crash interrupted) for a checkpoint.
 *
 * <p>Locations are paths, or {@code file:} URIs.
 */
public final class LocalCheckpointStorage implements CheckpointStorage {
  /** Suffix of temporary files. */
  static final String TEMP_SUFFIX = ".tmp";
  private static final SecureRandom RANDOM = new SecureRandom();

  @Override
  public void writeAtomically(String location, BodyWriter body) throws IOException {
    Path target = path(location).toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    byte[] nonce = new byte[6];
    RANDOM.nextBytes(nonce);
    Path temp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().formatHex(nonce) + TEMP_SUFFIX);
    boolean moved = false;
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        // Not closed itself: closing it would close the channel before force().
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        body.writeTo(out);
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot write " + target + " atomically: the file system does not support"
            + " atomic rename", e);
      }
      moved = true;
      syncDirectory(dir);
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /** Makes a completed rename durable; some platforms cannot open a directory, which is harmless. */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Directories cannot be fsync'ed on every OS; the file's contents are durable already.
    }
  }

  @Override
  public byte[] readAll(String location) throws IOException {
    return Files.readAllBytes(path(location));
  }

  @Override
  public List<String> list(String directory) throws IOException {
    Path dir = path(directory);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".") && Files.isRegularFile(p)) {
          names.add(name);
        }
      }
    }
    Collections.sort(names);
    return names;
  }

  @Override
  public String resolve(String directory, String name) {
    return path(directory).resolve(name).toString();
  }

  private static Path path(String location) {
    if (location == null || location.isEmpty()) {
      throw new IllegalArgumentException("empty checkpoint location");
    }
    if (location.startsWith("file:")) {
      return Path.of(URI.create(location));
    }
    if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      throw new IllegalArgumentException("checkpoint location " + location
          + " names a remote file system; the local storage only takes paths and file: URIs");
    }
    return Path.of(location);
  }

  @Override
  public String toString() {
    return "local file system";
  }
}
