package io.batchwise.spark;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * What the tests that drive a real standalone cluster share: running the cluster scripts with a
 * time limit, free ports, scratch folders, and assembling a job jar from the class path.
 */
final class ClusterTestProcesses {
  private ClusterTestProcesses() {
  }

  /** A finished command: its exit status (124 when killed at the time limit) and its output. */
  record Run(int status, String output) {
  }

  /**
   * Runs {@code command} with {@code env} added to the environment, its output (stdout and stderr)
   * going to {@code log}; past {@code timeoutSeconds} its whole process tree is killed.
   */
  static Run run(List<String> command, Map<String, String> env, Path log, long timeoutSeconds)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    int status;
    if (p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      status = p.exitValue();
    } else {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      status = 124;
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    if (status == 124) {
      output += "\n(killed after " + timeoutSeconds + " s)";
    }
    return new Run(status, output);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path f : (Iterable<Path>) all.sorted((a, b) -> b.compareTo(a))::iterator) {
        Files.deleteIfExists(f);
      }
    }
  }

  /**
   * Adds a class-path entry to a job jar: every file of a class directory, or every entry of a
   * jar except its META-INF. The first copy of a name wins ({@code seen}).
   */
  static void addToJar(JarOutputStream out, Path entry, Set<String> seen) throws IOException {
    if (Files.isDirectory(entry)) {
      try (Stream<Path> files = Files.walk(entry)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          String name = entry.relativize(f).toString().replace(File.separatorChar, '/');
          if (seen.add(name)) {
            out.putNextEntry(new JarEntry(name));
            Files.copy(f, out);
            out.closeEntry();
          }
        }
      }
      return;
    }
    try (JarFile in = new JarFile(entry.toFile())) {
      for (JarEntry e : (Iterable<JarEntry>) in.stream()::iterator) {
        if (!e.isDirectory() && !e.getName().startsWith("META-INF/") && seen.add(e.getName())) {
          out.putNextEntry(new JarEntry(e.getName()));
          in.getInputStream(e).transferTo(out);
          out.closeEntry();
        }
      }
    }
  }
}
