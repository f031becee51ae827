package io.remotellm.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws the run as one PNG with plain Java2D (no chart library): on the left the latencies, direct
 * beside relay; on the right each rate of the relay as a fraction of going direct, with the target.
 */
final class Chart {

  private static final Color DIRECT = new Color(0x4C72B0);
  private static final Color RELAY = new Color(0xDD8452);
  private static final Color GRID = new Color(0xDDDDDD);

  private Chart() {}

  /** {@code latencyKeys}: figures in ms; {@code rateKeys}: figures drawn as relay ÷ direct. */
  static void write(
      Results results,
      List<String> latencyKeys,
      List<String> rateKeys,
      List<Double> rateTargets,
      String title,
      Path file)
      throws IOException {
    int w = 1400;
    int h = 640;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(title, 20, 30);

    latencies(g, results, latencyKeys, 20, 60, 760, 540);
    ratios(g, results, rateKeys, rateTargets, 830, 60, 550, 540);

    g.dispose();
    ImageIO.write(img, "png", file.toFile());
  }

  private static void latencies(
      Graphics2D g, Results r, List<String> keys, int x, int y, int w, int h) {
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(Color.BLACK);
    g.drawString("Latency, ms (lower is better)", x, y);
    legend(g, x + 300, y - 12);
    int top = y + 20;
    int bottom = y + h - 70;
    int left = x + 40;
    double max = 0;
    for (String k : keys) {
      Results.Figure f = r.get(k);
      if (f != null) {
        max = Math.max(max, Math.max(nz(f.direct()), nz(f.relay())));
      }
    }
    max = max <= 0 ? 1 : max * 1.15;
    axis(g, left, top, x + w, bottom, max);
    int groups = keys.size();
    double slot = (double) (x + w - left) / groups;
    int bar = (int) Math.min(40, slot / 3);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int i = 0; i < groups; i++) {
      Results.Figure f = r.get(keys.get(i));
      if (f == null) {
        continue;
      }
      int cx = (int) (left + slot * i + slot / 2);
      barWithLabel(g, cx - bar - 2, bar, bottom, top, max, f.direct(), DIRECT);
      barWithLabel(g, cx + 2, bar, bottom, top, max, f.relay(), RELAY);
      g.setColor(Color.BLACK);
      wrap(g, f.name(), cx, bottom + 16, (int) slot - 6);
    }
  }

  private static void ratios(
      Graphics2D g,
      Results r,
      List<String> keys,
      List<Double> targets,
      int x,
      int y,
      int w,
      int h) {
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(Color.BLACK);
    g.drawString("Relay ÷ direct (higher is better; | = target)", x, y);
    int top = y + 20;
    int left = x + 170;
    int right = x + w;
    double max = 1.2;
    for (String k : keys) {
      Results.Figure f = r.get(k);
      if (f != null && f.direct() != null && f.relay() != null && f.direct() > 0) {
        max = Math.max(max, f.relay() / f.direct() * 1.1);
      }
    }
    double slot = (double) (h - 70) / keys.size();
    int bar = (int) Math.min(36, slot * 0.6);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (double v = 0; v <= max + 1e-9; v += 0.25) {
      int gx = left + (int) ((right - left) * v / max);
      g.setColor(GRID);
      g.drawLine(gx, top, gx, top + (int) (slot * keys.size()));
      g.setColor(Color.GRAY);
      g.drawString(String.format("%.2f", v), gx - 10, top + (int) (slot * keys.size()) + 14);
    }
    for (int i = 0; i < keys.size(); i++) {
      Results.Figure f = r.get(keys.get(i));
      if (f == null) {
        continue;
      }
      int cy = (int) (top + slot * i + slot / 2);
      g.setColor(Color.BLACK);
      wrapLeft(g, f.name(), x, cy - 4, 165);
      if (f.direct() == null || f.relay() == null || f.direct() <= 0) {
        continue;
      }
      double ratio = f.relay() / f.direct();
      int len = (int) ((right - left) * Math.min(ratio, max) / max);
      g.setColor(RELAY);
      g.fillRect(left, cy - bar / 2, len, bar);
      g.setColor(Color.BLACK);
      g.drawString(String.format("%.2f×", ratio), left + len + 4, cy + 4);
      Double t = targets.get(i);
      if (t != null) {
        int tx = left + (int) ((right - left) * t / max);
        g.setColor(new Color(0x2CA02C));
        g.setStroke(new BasicStroke(3));
        g.drawLine(tx, cy - bar / 2 - 4, tx, cy + bar / 2 + 4);
        g.setStroke(new BasicStroke(1));
      }
    }
  }

  private static void axis(Graphics2D g, int left, int top, int right, int bottom, double max) {
    double step = niceStep(max / 6);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (double v = 0; v <= max; v += step) {
      int gy = bottom - (int) ((bottom - top) * v / max);
      g.setColor(GRID);
      g.drawLine(left, gy, right, gy);
      g.setColor(Color.GRAY);
      g.drawString(Results.num(v), left - 36, gy + 4);
    }
    g.setColor(Color.BLACK);
    g.drawLine(left, bottom, right, bottom);
  }

  private static void barWithLabel(
      Graphics2D g, int bx, int bw, int bottom, int top, double max, Double v, Color c) {
    if (v == null) {
      return;
    }
    int bh = (int) ((bottom - top) * v / max);
    g.setColor(c);
    g.fillRect(bx, bottom - bh, bw, bh);
    g.setColor(Color.BLACK);
    String s = Results.num(v);
    g.drawString(s, bx + (bw - g.getFontMetrics().stringWidth(s)) / 2, bottom - bh - 3);
  }

  private static void legend(Graphics2D g, int x, int y) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(DIRECT);
    g.fillRect(x, y, 12, 12);
    g.setColor(Color.BLACK);
    g.drawString("direct to the fake LLM", x + 16, y + 11);
    g.setColor(RELAY);
    g.fillRect(x + 170, y, 12, 12);
    g.setColor(Color.BLACK);
    g.drawString("through broker + connector", x + 186, y + 11);
  }

  private static void wrap(Graphics2D g, String text, int cx, int y, int width) {
    for (String line : lines(g, text, width)) {
      g.drawString(line, cx - g.getFontMetrics().stringWidth(line) / 2, y);
      y += 13;
    }
  }

  private static void wrapLeft(Graphics2D g, String text, int x, int y, int width) {
    List<String> lines = lines(g, text, width);
    y -= (lines.size() - 1) * 6;
    for (String line : lines) {
      g.drawString(line, x, y + 4);
      y += 13;
    }
  }

  private static List<String> lines(Graphics2D g, String text, int width) {
    java.util.List<String> out = new java.util.ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      String candidate = line.length() == 0 ? word : line + " " + word;
      if (g.getFontMetrics().stringWidth(candidate) > width && line.length() > 0) {
        out.add(line.toString());
        line = new StringBuilder(word);
      } else {
        line = new StringBuilder(candidate);
      }
    }
    if (line.length() > 0) {
      out.add(line.toString());
    }
    return out;
  }

  private static double niceStep(double raw) {
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (raw <= m * p) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static double nz(Double v) {
    return v == null ? 0 : v;
  }
}
