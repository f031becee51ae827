package io.remotellm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The figures of one run, and how they are written: JSON, CSV and a Markdown table. */
final class Results {

  /** How relay and direct compare in the table. */
  enum Compare {
    /** relay − direct (latencies). */
    ADDED,
    /** relay ÷ direct (rates). */
    RATIO,
    /** one value only (memory of broker or connector). */
    NONE
  }

  /** A target from issue 5: met when the test passes on (direct, relay). */
  interface Target {
    boolean met(double direct, double relay);
  }

  /** One row. {@code direct} is null where going direct has no such figure. */
  record Figure(
      String key,
      String name,
      String unit,
      Double direct,
      Double relay,
      Compare compare,
      String targetText,
      Target target,
      String note) {

    Boolean met() {
      if (target == null || relay == null || (compare != Compare.NONE && direct == null)) {
        return null;
      }
      return target.met(direct == null ? 0 : direct, relay);
    }

    String comparison() {
      if (relay == null || direct == null || compare == Compare.NONE) {
        return "";
      }
      return switch (compare) {
        case ADDED -> String.format(Locale.ROOT, "%+.2f %s", relay - direct, unit);
        case RATIO -> direct == 0 ? "" : String.format(Locale.ROOT, "%.2f×", relay / direct);
        case NONE -> "";
      };
    }
  }

  final List<Figure> figures = new ArrayList<>();
  final Map<String, String> info = new LinkedHashMap<>();
  final List<String> notes = new ArrayList<>();

  void add(Figure f) {
    figures.add(f);
  }

  Figure get(String key) {
    return figures.stream().filter(f -> f.key().equals(key)).findFirst().orElse(null);
  }

  void writeAll(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.json"), json());
    Files.writeString(dir.resolve("results.csv"), csv());
    Files.writeString(dir.resolve("results.md"), markdown());
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("| figure | direct | relay | relay vs direct | target | met |\n");
    out.append("|---|---:|---:|---:|---|---|\n");
    for (Figure f : figures) {
      Boolean met = f.met();
      out.append("| ")
          .append(f.name())
          .append(f.note() == null ? "" : " (" + f.note() + ")")
          .append(" | ")
          .append(value(f.direct(), f.unit()))
          .append(" | ")
          .append(value(f.relay(), f.unit()))
          .append(" | ")
          .append(f.comparison())
          .append(" | ")
          .append(f.targetText() == null ? "" : f.targetText())
          .append(" | ")
          .append(met == null ? "" : met ? "yes" : "**no**")
          .append(" |\n");
    }
    return out.toString();
  }

  String csv() {
    StringBuilder out = new StringBuilder("key,name,unit,direct,relay,comparison,target,met\n");
    for (Figure f : figures) {
      out.append(f.key())
          .append(',')
          .append(csvField(f.name()))
          .append(',')
          .append(f.unit())
          .append(',')
          .append(num(f.direct()))
          .append(',')
          .append(num(f.relay()))
          .append(',')
          .append(csvField(f.comparison()))
          .append(',')
          .append(csvField(f.targetText() == null ? "" : f.targetText()))
          .append(',')
          .append(f.met() == null ? "" : f.met())
          .append('\n');
    }
    return out.toString();
  }

  String json() {
    StringBuilder out = new StringBuilder("{\n  \"info\": {");
    boolean first = true;
    for (Map.Entry<String, String> e : info.entrySet()) {
      out.append(first ? "\n" : ",\n")
          .append("    ")
          .append(quote(e.getKey()))
          .append(": ")
          .append(quote(e.getValue()));
      first = false;
    }
    out.append("\n  },\n  \"figures\": [");
    first = true;
    for (Figure f : figures) {
      out.append(first ? "\n" : ",\n")
          .append("    {\"key\": ")
          .append(quote(f.key()))
          .append(", \"name\": ")
          .append(quote(f.name()))
          .append(", \"unit\": ")
          .append(quote(f.unit()))
          .append(", \"direct\": ")
          .append(f.direct() == null ? "null" : num(f.direct()))
          .append(", \"relay\": ")
          .append(f.relay() == null ? "null" : num(f.relay()))
          .append(", \"comparison\": ")
          .append(quote(f.comparison()))
          .append(", \"target\": ")
          .append(f.targetText() == null ? "null" : quote(f.targetText()))
          .append(", \"met\": ")
          .append(f.met())
          .append(", \"note\": ")
          .append(f.note() == null ? "null" : quote(f.note()))
          .append('}');
      first = false;
    }
    out.append("\n  ],\n  \"notes\": [");
    first = true;
    for (String n : notes) {
      out.append(first ? "\n" : ",\n").append("    ").append(quote(n));
      first = false;
    }
    return out.append("\n  ]\n}\n").toString();
  }

  static String value(Double v, String unit) {
    if (v == null) {
      return "–";
    }
    return num(v) + " " + unit;
  }

  static String num(Double v) {
    if (v == null) {
      return "";
    }
    double a = Math.abs(v);
    if (a >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String csvField(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
