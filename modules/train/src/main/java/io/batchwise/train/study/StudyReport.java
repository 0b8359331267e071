package io.batchwise.train.study;

import io.batchwise.train.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the study's outputs into one folder: {@code study.json} (settings, command, seeds and every
 * table's rows), one CSV per table, one PNG per plot ({@link StudyPlots}), and {@code study.md}
 * (each claim beside our table and the verdict). Files are written whole to a temporary name and
 * moved into place, so a reader never sees half a file.
 */
final class StudyReport {
  private StudyReport() {}

  static void write(Path dir, Map<String, Object> run, List<ExperimentResult> results) throws IOException {
    Files.createDirectories(dir);
    List<Object> exps = new ArrayList<>();
    for (ExperimentResult r : results) {
      exps.add(r.toMap());
      for (Table t : r.tables) {
        put(dir.resolve(t.name() + ".csv"), t.csv());
      }
      for (ExperimentResult.Plot p : r.plots) {
        put(dir.resolve(p.table().name() + ".csv"), p.table().csv());
        try {
          StudyPlots.write(dir.resolve(p.file()), p);
        } catch (RuntimeException | IOException | LinkageError e) {
          run.put("plot_error_" + p.file(), String.valueOf(e));
        }
      }
    }
    Map<String, Object> json = new LinkedHashMap<>(run);
    json.put("experiments", exps);
    put(dir.resolve("study.json"), Json.pretty(json));
    put(dir.resolve("study.md"), markdown(run, results));
  }

  private static void put(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static String markdown(Map<String, Object> run, List<ExperimentResult> results) {
    StringBuilder sb = new StringBuilder();
    sb.append("# BatchNorm study (").append(run.get("size")).append(" variant)\n\n");
    sb.append("Small-scale reproductions of published claims about batch normalization on Fashion-MNIST. The ")
        .append("nets, data subsets and runs are tiny next to the papers' (ImageNet, ResNet-50, 90 epochs), so only ")
        .append("the *direction* of each claim is tested; one seed per cell, so differences below about one ")
        .append("point of error are within run-to-run noise. Every number below is in `study.json` with the ")
        .append("settings and seed of its run.\n\n");
    sb.append("- Command: `").append(run.get("command")).append("`\n");
    sb.append("- Started ").append(run.get("started_at")).append(", wall time ")
        .append(String.format(Locale.ROOT, "%.0f s", (Double) run.get("wall_seconds"))).append("; load average ")
        .append(run.get("load_average_start")).append(" at the start, ").append(run.get("load_average_end"))
        .append(" at the end (2 cores shared with other work)\n");
    sb.append("- Device: ").append(run.get("device")).append("; base seed ").append(run.get("seed")).append("\n");
    sb.append("- Simulation of W workers on one device: ").append(run.get("simulation")).append("\n\n");
    sb.append("| # | experiment | direction reproduced |\n|---|---|---|\n");
    for (ExperimentResult r : results) {
      sb.append("| ").append(r.id).append(" | ").append(r.title).append(" | ").append(r.reproduced).append(" |\n");
    }
    sb.append('\n');
    for (ExperimentResult r : results) {
      sb.append("## ").append(r.id).append(". ").append(r.title).append("\n\n");
      sb.append("**Claim.** ").append(r.claim).append("\n\n");
      sb.append("**Setup.** ");
      List<String> parts = new ArrayList<>();
      r.setup.forEach((k, v) -> parts.add(k.replace('_', ' ') + ": " + v));
      sb.append(String.join("; ", parts)).append(String.format(Locale.ROOT, " (%.0f s).%n%n", r.seconds));
      for (Table t : r.tables) {
        String[] cols = r.summaryColumns.get(t.name());
        if (cols == null) {
          sb.append("Per-probe values: `").append(t.name()).append(".csv`.\n\n");
          continue;
        }
        sb.append(t.markdown(cols)).append('\n');
      }
      for (ExperimentResult.Plot p : r.plots) {
        sb.append("![").append(p.title()).append("](").append(p.file()).append(")\n");
      }
      sb.append("\n**Direction reproduced: ").append(r.reproduced).append(".** ").append(r.verdict).append("\n\n");
    }
    return sb.toString();
  }
}
