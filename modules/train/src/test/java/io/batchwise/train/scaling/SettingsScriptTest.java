package io.batchwise.train.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/scaling/settings.sh on tiny settings: two worker settings, one round, lenet-bn; the runs and
 * the summary with each setting's ratio to the first.
 */
class SettingsScriptTest {
  private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().getParent()
      .resolve("bench/scaling/settings.sh");

  @Test
  void comparesSettingsRoundByRound(@TempDir Path out) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "--classpath",
        System.getProperty("java.class.path"), "--out", out.toString(), "--rounds", "1", "--model", "lenet-bn",
        "--steps", "3", "--warmup", "1", "", "--bucket-kb 16");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("BATCHWISE_JVM_OPTS", "-Xmx512m -XX:+UseG1GC -Djava.awt.headless=true");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), log);
    assertEquals(0, p.exitValue(), log);
    List<String> runs = Files.readAllLines(out.resolve("settings-runs.csv"));
    assertEquals(3, runs.size(), String.join("\n", runs));
    assertTrue(runs.get(1).startsWith("1,defaults,") && runs.get(2).startsWith("1,--bucket-kb 16,"),
        String.join("\n", runs));
    for (String r : runs.subList(1, runs.size())) {
      String[] f = r.split(",");
      assertTrue(Double.parseDouble(f[2]) > 0 && Double.parseDouble(f[3]) > 0, r);
    }
    String md = Files.readString(out.resolve("settings.md"));
    assertTrue(md.contains("| `defaults` |") && md.contains("| 1.000 |") && md.contains("| `--bucket-kb 16` |"), md);
  }

  @Test
  void refusesASingleSetting(@TempDir Path out) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "--classpath", "x", "--out", out.toString(),
        "--yield-micros 50");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(1, p.exitValue(), log);
    assertTrue(log.contains("at least two settings"), log);
  }
}
