package org.mtlalign.experiments;

import java.util.ArrayList;
import java.util.List;

/**
 * The output of an experiment: raw rows for NAME.csv (one per point and seed), plot panels for
 * NAME.png (means with one-standard-deviation error bars over seeds), a summary table and the
 * verdict for NAME.md.
 */
public final class Report {
    /** Whether the measurement agrees with the paper's claim. */
    public enum Verdict {
        HOLDS("holds"), PARTLY("partly holds"), DOES_NOT_HOLD("does not hold"), INCONCLUSIVE("cannot be judged (inconclusive)");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** A line of a plot: mean and standard deviation over seeds at each x. */
    public record Series(String name, double[] x, double[] mean, double[] std) {
    }

    /** One chart. */
    public record Panel(String title, String xLabel, String yLabel, boolean logX, List<Series> series) {
    }

    private final List<String> csvHeader;
    private final List<List<Object>> csvRows = new ArrayList<>();
    private final List<Panel> panels = new ArrayList<>();
    private final List<String> tableHeader = new ArrayList<>();
    private final List<List<String>> tableRows = new ArrayList<>();
    private String measured = "";
    private Verdict verdict = Verdict.INCONCLUSIVE;
    private String settings = "";

    public Report(List<String> csvHeader) {
        this.csvHeader = List.copyOf(csvHeader);
    }

    public Report row(Object... values) {
        if (values.length != csvHeader.size()) {
            throw new IllegalArgumentException("row has " + values.length + " values, header " + csvHeader.size());
        }
        csvRows.add(List.of(values));
        return this;
    }

    public Report panel(Panel p) {
        panels.add(p);
        return this;
    }

    public Report table(List<String> header, List<List<String>> rows) {
        tableHeader.clear();
        tableHeader.addAll(header);
        tableRows.clear();
        tableRows.addAll(rows);
        return this;
    }

    public Report measured(String text) {
        this.measured = text;
        return this;
    }

    public Report verdict(Verdict v) {
        this.verdict = v;
        return this;
    }

    /** The sizes and hyper-parameters used, for NAME.md. */
    public Report settings(String text) {
        // The experiments format "%d seeds"; under --seeds 1 that read "1 seeds".
        this.settings = text.replaceAll("(?<![\\d.])1 seeds\\b", "1 seed");
        return this;
    }

    public List<String> csvHeader() {
        return csvHeader;
    }

    public List<List<Object>> csvRows() {
        return csvRows;
    }

    public List<Panel> panels() {
        return panels;
    }

    public List<String> tableHeader() {
        return tableHeader;
    }

    public List<List<String>> tableRows() {
        return tableRows;
    }

    public String measured() {
        return measured;
    }

    public Verdict verdict() {
        return verdict;
    }

    public String settings() {
        return settings;
    }
}
