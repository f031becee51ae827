package io.remotellm.connector.logging;

import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One JSON object per line: {@code ts}, {@code level}, {@code logger}, {@code msg}, every {@link
 * LogField} parameter as its own field, and {@code error} (class and message, no stack trace: a
 * stack trace is noise to an operator and may quote what it should not).
 */
public final class JsonLineFormatter extends Formatter {

  @Override
  public String format(LogRecord record) {
    StringBuilder out = new StringBuilder(256).append('{');
    field(out, "ts", Instant.ofEpochMilli(record.getMillis()).toString());
    out.append(',');
    field(out, "level", levelName(record.getLevel()));
    out.append(',');
    field(out, "logger", record.getLoggerName() == null ? "" : record.getLoggerName());
    out.append(',');
    field(out, "msg", formatMessage(record));
    Object[] parameters = record.getParameters();
    if (parameters != null) {
      for (Object parameter : parameters) {
        if (parameter instanceof LogField f) {
          out.append(',');
          if (f.value() instanceof Number || f.value() instanceof Boolean) {
            quote(out, f.name());
            out.append(':').append(f.value());
          } else {
            field(out, f.name(), String.valueOf(f.value()));
          }
        }
      }
    }
    Throwable error = record.getThrown();
    if (error != null) {
      out.append(',');
      field(out, "error", error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage()));
    }
    return out.append("}\n").toString();
  }

  /** The seed's (Python's) level names, which operators grep for. */
  static String levelName(Level level) {
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (v >= Level.WARNING.intValue()) {
      return "WARNING";
    }
    if (v >= Level.INFO.intValue()) {
      return "INFO";
    }
    return "DEBUG";
  }

  private static void field(StringBuilder out, String name, String value) {
    quote(out, name);
    out.append(':');
    quote(out, value);
  }

  static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
