package io.batchwise.train.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One experiment's outcome: the claim it tests, how it was run, its tables, plots, and the verdict.
 *
 * <p>{@code reproduced} is {@code "yes"}, {@code "partly"} or {@code "no"}: whether the direction of
 * the claim shows in our numbers (magnitudes differ by design: tiny nets, short runs, Fashion-MNIST).
 */
public final class ExperimentResult {
  final String id;
  final String title;
  final String claim;
  final Map<String, Object> setup = new LinkedHashMap<>();
  final List<Table> tables = new ArrayList<>();
  /** Per table: the columns the markdown summary shows (empty: all). */
  final Map<String, String[]> summaryColumns = new LinkedHashMap<>();
  final List<Plot> plots = new ArrayList<>();
  final List<Map<String, Object>> runs = new ArrayList<>();
  String reproduced = "no";
  String verdict = "";
  double seconds;

  /** A line plot: one series per distinct value of {@code seriesColumn}, x and y from the table. */
  public record Plot(String file, String title, Table table, String xColumn, String yColumn, String seriesColumn,
      boolean logX, String xLabel, String yLabel) {}

  ExperimentResult(String id, String title, String claim) {
    this.id = id;
    this.title = title;
    this.claim = claim;
  }

  ExperimentResult table(Table t, String... summaryCols) {
    tables.add(t);
    summaryColumns.put(t.name(), summaryCols);
    return this;
  }

  ExperimentResult plot(Plot p) {
    plots.add(p);
    return this;
  }

  /** Records one training run (what to type to get it again is the study's command plus this seed). */
  void run(String what, long seed, Map<String, Object> settings) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("run", what);
    r.put("seed", seed);
    r.putAll(settings);
    runs.add(r);
  }

  void verdict(String reproduced, String text) {
    this.reproduced = reproduced;
    this.verdict = text;
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("title", title);
    m.put("claim", claim);
    m.put("reproduced", reproduced);
    m.put("verdict", verdict);
    m.put("seconds", seconds);
    m.put("setup", setup);
    Map<String, Object> ts = new LinkedHashMap<>();
    for (Table t : tables) {
      ts.put(t.name(), t.rows());
    }
    m.put("tables", ts);
    m.put("plots", plots.stream().map(Plot::file).toList());
    m.put("runs", runs);
    return m;
  }
}
