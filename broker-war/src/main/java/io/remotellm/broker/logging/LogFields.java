package io.remotellm.broker.logging;

import io.remotellm.protocol.Bounds;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The fields of one log record, in order, e.g. {@code request_id}, {@code connector_id}, {@code
 * model}, {@code status}, {@code duration_ms}. They travel as the record's last parameter, a {@link
 * Map}: Payara's {@code JSONLogFormatter} writes every entry of a {@code Map} parameter as a JSON
 * field of its own (as a string); formatters that ignore parameters still get every value in the
 * message text, which the {@code {0}}-style pattern fills in from the positional arguments.
 */
public final class LogFields {

  private static final StackWalker CALLER = StackWalker.getInstance();

  private final Map<String, Object> fields = new LinkedHashMap<>();

  private LogFields() {}

  public static LogFields of(String name, Object value) {
    return new LogFields().and(name, value);
  }

  /**
   * Adds a field; a null value is left out. Text (a model, a path, a reason a connector sent) is
   * cut to {@link Bounds#LOG_FIELD} characters and its control characters shown as {@code \\uXXXX},
   * so what a client or connector chose can neither make a line huge nor break it.
   */
  public LogFields and(String name, Object value) {
    if (value != null) {
      fields.put(name, bounded(value));
    }
    return this;
  }

  private static Object bounded(Object value) {
    return value instanceof Number || value instanceof Boolean ? value : Bounds.forLog(value);
  }

  public Map<String, Object> asMap() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** Logs {@code pattern} filled from {@code args}, with these fields as the last parameter. */
  public void log(Logger logger, Level level, String pattern, Object... args) {
    log(logger, level, null, pattern, args);
  }

  /** The same, with an exception. */
  public void log(Logger logger, Level level, Throwable thrown, String pattern, Object... args) {
    if (logger.isLoggable(level)) {
      StackWalker.StackFrame caller =
          CALLER
              .walk(
                  frames ->
                      frames
                          .filter(f -> !f.getClassName().equals(LogFields.class.getName()))
                          .findFirst())
              .orElse(null);
      write(
          logger,
          level,
          thrown,
          caller == null ? null : caller.getClassName(),
          caller == null ? null : caller.getMethodName(),
          pattern,
          args);
    }
  }

  /**
   * As {@link #log(Logger, Level, String, Object...)}, for a caller that names itself as the
   * record's source: no stack walk, which on a request's deep stack cost about as much as the rest
   * of building the record (the access line is written for every request).
   */
  public void logFrom(
      Class<?> sourceClass,
      String sourceMethod,
      Logger logger,
      Level level,
      String pattern,
      Object... args) {
    if (logger.isLoggable(level)) {
      write(logger, level, null, sourceClass.getName(), sourceMethod, pattern, args);
    }
  }

  private void write(
      Logger logger,
      Level level,
      Throwable thrown,
      String sourceClass,
      String sourceMethod,
      String pattern,
      Object[] args) {
    Object[] parameters = new Object[args.length + 1];
    for (int i = 0; i < args.length; i++) {
      parameters[i] = args[i] == null ? null : bounded(args[i]);
    }
    parameters[args.length] = asMap();
    LogRecord record = new LogRecord(level, pattern);
    record.setLoggerName(logger.getName());
    record.setParameters(parameters);
    record.setThrown(thrown);
    // The caller, not this class, is the record's source (JUL would infer this class).
    record.setSourceClassName(sourceClass);
    record.setSourceMethodName(sourceMethod);
    logger.log(record);
  }
}
