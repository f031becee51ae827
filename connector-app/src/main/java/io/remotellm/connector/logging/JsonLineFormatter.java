package io.remotellm.connector.logging;

import io.remotellm.protocol.Bounds;
import io.remotellm.protocol.JsonText;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * One JSON object per line: {@code ts}, {@code level}, {@code logger}, {@code msg}, every {@link
 * JsonField} parameter as its own field, and {@code error} (class and message, no stack trace: a
 * stack trace is noise to an operator and may quote what it should not).
 *
 * <p>Lines are bounded: a field's value holds at most {@link Bounds#LOG_FIELD} characters (the
 * message {@link #MAX_MESSAGE}), cut with a marker, since models, paths and the LLM's error texts
 * are the broker's or the LLM's to choose; and a line never exceeds {@link #MAX_LINE} characters.
 * Control characters are always JSON-escaped, so a value cannot start a line of its own.
 */
public final class JsonLineFormatter extends Formatter {

  /** Characters of {@code msg}: our pattern plus the values it shows. */
  static final int MAX_MESSAGE = 2 * Bounds.LOG_FIELD;

  /** Characters of a whole line; over it, the line keeps its first fields and says it was cut. */
  public static final int MAX_LINE = 8 * 1024;

  @Override
  public String format(LogRecord record) {
    StringBuilder out = new StringBuilder(256).append('{');
    field(out, "ts", UtcTimestamp.of(record.getMillis()));
    out.append(',');
    field(out, "level", levelName(record.getLevel()));
    out.append(',');
    field(out, "logger", record.getLoggerName() == null ? "" : record.getLoggerName());
    out.append(',');
    field(out, "msg", Bounds.cut(message(record), MAX_MESSAGE));
    int head = out.length();
    Object[] parameters = record.getParameters();
    if (parameters != null) {
      for (Object parameter : parameters) {
        if (parameter instanceof JsonField f) {
          out.append(',');
          if (f.value() instanceof Number || f.value() instanceof Boolean) {
            JsonText.quote(out, f.name());
            out.append(':').append(f.value());
          } else {
            field(out, f.name(), Bounds.cut(String.valueOf(f.value()), Bounds.LOG_FIELD));
          }
        }
      }
    }
    Throwable error = record.getThrown();
    if (error != null) {
      out.append(',');
      String message = error.getMessage() == null ? "" : ": " + error.getMessage();
      field(out, "error", Bounds.cut(error.getClass().getName() + message, Bounds.LOG_FIELD));
    }
    if (out.length() > MAX_LINE - 32) {
      // Many fields, each within its bound: keep the message and say the rest was cut.
      out.setLength(head);
      out.append(",\"cut\":true");
    }
    return out.append("}\n").toString();
  }

  /**
   * The message with each {@code {n}} replaced by the value of parameter {@code n}. Not {@link
   * #formatMessage}: that builds a {@link java.text.MessageFormat} (parsing the pattern) for every
   * line, a noticeable share of the connector's CPU per request, which logs one line each; and it
   * drops single quotes and writes numbers with grouping commas, where a plain value is what an
   * operator greps for.
   */
  static String message(LogRecord record) {
    String pattern = record.getMessage();
    Object[] parameters = record.getParameters();
    if (pattern == null) {
      return "";
    }
    if (parameters == null || parameters.length == 0 || pattern.indexOf('{') < 0) {
      return pattern;
    }
    StringBuilder out = new StringBuilder(pattern.length() + 32);
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      int close = c == '{' ? pattern.indexOf('}', i) : -1;
      int index = close > i + 1 ? index(pattern, i + 1, close) : -1;
      if (index >= 0 && index < parameters.length) {
        out.append(parameters[index]);
        i = close + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** The digits between {@code from} and {@code to} as a number, or -1 if they are not digits. */
  private static int index(String pattern, int from, int to) {
    if (to - from > 3) {
      return -1;
    }
    int n = 0;
    for (int i = from; i < to; i++) {
      char d = pattern.charAt(i);
      if (d < '0' || d > '9') {
        return -1;
      }
      n = n * 10 + (d - '0');
    }
    return n;
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
    JsonText.quote(out, name);
    out.append(':');
    JsonText.quote(out, value);
  }
}
