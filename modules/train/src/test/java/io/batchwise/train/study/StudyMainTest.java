package io.batchwise.train.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The study's smoke run: every experiment on tiny synthetic data, outputs present and sane. */
class StudyMainTest {

  @Test
  void smokeRunWritesEveryOutputWithSaneNumbers(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = StudyMain.run(new String[] {"--smoke", "--out", dir.toString()},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    String json = Files.readString(dir.resolve("study.json"));
    for (String id : List.of("1", "2", "3", "4", "5", "6")) {
      assertTrue(json.contains("\"id\": \"" + id + "\""), "experiment " + id + " in study.json");
    }
    assertTrue(json.contains("\"command\": \"./batchwise bench study --smoke"), "command recorded");
    assertTrue(json.contains("\"seed\": 42"), "seed recorded");
    String md = Files.readString(dir.resolve("study.md"));
    assertEquals(6, md.split("\\*\\*Direction reproduced: ", -1).length - 1, md);
    for (String csv : List.of("study-1-per-worker-batch", "study-2-precise-bn", "study-3-non-iid",
        "study-4-train-test", "study-5-landscape", "study-5-landscape-probes", "study-6-domain-shift")) {
      List<String> lines = Files.readAllLines(dir.resolve(csv + ".csv"));
      assertTrue(lines.size() >= 2, csv + " has rows");
      List<String> header = Arrays.asList(lines.get(0).split(","));
      for (int c = 0; c < header.size(); c++) {
        if (!header.get(c).contains("error")) {
          continue;
        }
        for (String line : lines.subList(1, lines.size())) {
          String cell = line.split(",", -1)[c];
          if (cell.isEmpty()) {
            continue; // a diverged run: empty, never a made-up number
          }
          double e = Double.parseDouble(cell);
          assertTrue(e >= 0 && e <= 1, csv + " " + header.get(c) + " = " + e);
        }
      }
    }
    for (String png : List.of("study-1-per-worker-batch.png", "study-2-precise-bn.png", "study-3-non-iid.png",
        "study-4-train-test.png", "study-5-loss-range.png", "study-6-domain-shift.png")) {
      byte[] b = Files.readAllBytes(dir.resolve(png));
      assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png + " is a PNG");
    }
    // Experiment 2 evaluates EMA and each PreciseBN size after every epoch.
    assertEquals(1 + 2 * 3, Files.readAllLines(dir.resolve("study-2-precise-bn.csv")).size());
  }

  @Test
  void badOptionsExitWithUsage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertEquals(2, StudyMain.run(new String[] {"--only", "9"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("no experiment 9"));
    assertEquals(2, StudyMain.run(new String[] {"--frobnicate"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--frobnicate'"));
    assertEquals(2, StudyMain.run(new String[] {"--data-dir", "/nonexistent-dir"}, o, e));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("does not exist"));
  }
}
