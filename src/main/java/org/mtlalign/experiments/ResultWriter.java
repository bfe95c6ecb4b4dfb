package org.mtlalign.experiments;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.mtlalign.UserInputException;

/** Writes DIR/NAME.csv, DIR/NAME.png and DIR/NAME.md, each atomically. */
public final class ResultWriter {
    private static final int PANEL_W = 640;
    private static final int PANEL_H = 480;

    private ResultWriter() {
    }

    public static void write(Path dir, Experiment e, Report r, String command) {
        try {
            Files.createDirectories(dir);
            // As one set: a full disk or a kill between the files left a new CSV beside the
            // figure and text of an earlier run, which the .md's link then described.
            byte[] csv = csv(r).getBytes(StandardCharsets.UTF_8);
            byte[] md = markdown(e, r, command).getBytes(StandardCharsets.UTF_8);
            if (r.panels().isEmpty()) {
                org.mtlalign.data.SafeWrite.writeTogether(new Path[] {dir.resolve(e.name() + ".csv"),
                    dir.resolve(e.name() + ".md")}, new byte[][] {csv, md});
            } else {
                org.mtlalign.data.SafeWrite.writeTogether(new Path[] {dir.resolve(e.name() + ".csv"),
                    dir.resolve(e.name() + ".png"), dir.resolve(e.name() + ".md")}, new byte[][] {csv, png(r.panels()), md});
            }
        } catch (IOException ex) {
            throw new UserInputException("--out " + dir + ": cannot write results (" + ex.getMessage() + ")", ex);
        }
    }

    static String csv(Report r) {
        StringBuilder b = new StringBuilder(String.join(",", r.csvHeader())).append('\n');
        for (List<Object> row : r.csvRows()) {
            for (int i = 0; i < row.size(); i++) {
                Object v = row.get(i);
                // An undefined value (an AUC on test rows of one class, a run that diverged) is an
                // empty cell, as docs/json.md says and as the not-applicable cells are; "%.6g" wrote "NaN".
                String s = v instanceof Number n && Double.isNaN(n.doubleValue()) ? ""
                        : v instanceof Double ? String.format(Locale.ROOT, "%.6g", (Double) v) : String.valueOf(v);
                if (s.contains(",") || s.contains("\"")) {
                    s = '"' + s.replace("\"", "\"\"") + '"';
                }
                b.append(i == 0 ? "" : ",").append(s);
            }
            b.append('\n');
        }
        return b.toString();
    }

    static byte[] png(List<Report.Panel> panels) throws IOException {
        int cols = Math.min(panels.size(), 2);
        int rows = (panels.size() + cols - 1) / cols;
        BufferedImage img = new BufferedImage(cols * PANEL_W, rows * PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            BufferedImage p = BitmapEncoder.getBufferedImage(chart(panels.get(i)));
            g.drawImage(p, (i % cols) * PANEL_W, (i / cols) * PANEL_H, null);
        }
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static XYChart chart(Report.Panel p) {
        XYChart c = new XYChartBuilder().width(PANEL_W).height(PANEL_H).title(p.title())
                .xAxisTitle(p.xLabel()).yAxisTitle(p.yLabel()).build();
        c.getStyler().setXAxisLogarithmic(p.logX());
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        // Error bars in their series' colour, or overlapping series cannot be told apart.
        c.getStyler().setErrorBarsColorSeriesColor(true);
        for (Report.Series s : p.series()) {
            XYSeries xs = c.addSeries(s.name(), s.x(), s.mean(), s.std());
            xs.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
        }
        return c;
    }

    static String markdown(Experiment e, Report r, String command) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(e.title()).append("\n\n");
        b.append("Command: `").append(command).append("`\n\n");
        if (!r.settings().isEmpty()) {
            b.append("Settings: ").append(r.settings()).append("\n\n");
        }
        b.append("**Paper's claim.** ").append(e.paperClaim()).append("\n\n");
        b.append("**Measured.** ").append(r.measured()).append("\n\n");
        b.append("**Verdict: the claim ").append(r.verdict().text()).append(" in this measurement.**\n\n");
        if (!r.tableHeader().isEmpty()) {
            b.append("| ").append(String.join(" | ", r.tableHeader())).append(" |\n");
            b.append("|").append("---|".repeat(r.tableHeader().size())).append("\n");
            for (List<String> row : r.tableRows()) {
                b.append("| ").append(String.join(" | ", row)).append(" |\n");
            }
            b.append('\n');
        }
        if (!r.panels().isEmpty()) {
            b.append("![").append(e.name()).append("](").append(e.name()).append(".png)\n\n");
        }
        b.append("Raw numbers (one row per point and seed): [").append(e.name()).append(".csv](")
                .append(e.name()).append(".csv)\n");
        return b.toString();
    }
}
