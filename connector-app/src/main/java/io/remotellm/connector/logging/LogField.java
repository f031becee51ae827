package io.remotellm.connector.logging;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A named value passed as a log parameter: {@link JsonLineFormatter} writes it as its own JSON field,
 * and {@code {0}}-style placeholders in the message show its value.
 */
public record LogField(String name, Object value) {

  public static LogField of(String name, Object value) {
    return new LogField(name, value);
  }

  public static LogField requestId(String id) {
    return new LogField("request_id", id);
  }

  @Override
  public String toString() {
    return String.valueOf(value);
  }

  /** Logs {@code message} with these fields (and an optional error) at {@code level}. */
  public static void log(Logger logger, Level level, String message, Throwable error, LogField... fields) {
    if (!logger.isLoggable(level)) {
      return;
    }
    LogRecord record = new LogRecord(level, message);
    record.setLoggerName(logger.getName());
    record.setParameters(fields);
    record.setThrown(error);
    logger.log(record);
  }

  public static void log(Logger logger, Level level, String message, LogField... fields) {
    log(logger, level, message, null, fields);
  }
}
