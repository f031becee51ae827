package io.remotellm.connector.logging;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A named value passed as a log parameter: {@link JsonLineFormatter} writes it as its own JSON
 * field, and {@code {0}}-style placeholders in the message show its value. (The broker's fields are
 * {@code LogFields}, a map Payara's JSON formatter writes; this is the connector's own
 * formatter's.)
 */
public record JsonField(String name, Object value) {

  public static JsonField of(String name, Object value) {
    return new JsonField(name, value);
  }

  public static JsonField requestId(String id) {
    return new JsonField("request_id", id);
  }

  @Override
  public String toString() {
    return String.valueOf(value);
  }

  /** Logs {@code message} with these fields (and an optional error) at {@code level}. */
  public static void log(
      Logger logger, Level level, String message, Throwable error, JsonField... fields) {
    if (!logger.isLoggable(level)) {
      return;
    }
    LogRecord record = new LogRecord(level, message);
    record.setLoggerName(logger.getName());
    record.setParameters(fields);
    record.setThrown(error);
    logger.log(record);
  }

  public static void log(Logger logger, Level level, String message, JsonField... fields) {
    log(logger, level, message, null, fields);
  }
}
