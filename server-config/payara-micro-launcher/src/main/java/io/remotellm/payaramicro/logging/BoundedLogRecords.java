package io.remotellm.payaramicro.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Bounds every log record before Payara's JSON formatter writes it, so that no line can grow with
 * what a client or a connector sent (issue 18): the broker's own fields are cut where they are made
 * ({@code LogFields}), but the server and its libraries log too, and exceptions can carry a
 * request's text in their message. Named in {@code logging.properties} as the console handler's
 * filter; it lets every record through, cut.
 *
 * <p>The message pattern is kept (Payara's own records name a resource-bundle key there) unless it
 * is itself too long; parameters are cut one by one, and a {@code Map} parameter (the broker's JSON
 * fields) keeps its keys with each value cut. An exception keeps its class and the top of its
 * stack, with its message cut and at most a few causes. So a line is at most about 8 KiB of
 * message, 16 parameters of 1 KiB and {@value #MAX_FRAMES} frames for each of {@value #MAX_CAUSES}
 * exceptions.
 */
public final class BoundedLogRecords implements Filter {

  static final int MAX_MESSAGE = 8192;
  static final int MAX_PARAMETER = 1024;
  static final int MAX_PARAMETERS = 16;
  static final int MAX_FRAMES = 64;
  static final int MAX_CAUSES = 4;

  @Override
  public boolean isLoggable(LogRecord record) {
    String message = record.getMessage();
    if (message != null && message.length() > MAX_MESSAGE) {
      record.setMessage(cut(message, MAX_MESSAGE));
    }
    Object[] parameters = record.getParameters();
    if (parameters != null) {
      record.setParameters(bounded(parameters));
    }
    Throwable thrown = record.getThrown();
    if (thrown != null && !(thrown instanceof BoundedThrowable)) {
      record.setThrown(BoundedThrowable.of(thrown, MAX_CAUSES));
    }
    return true;
  }

  private static Object[] bounded(Object[] parameters) {
    int count = Math.min(parameters.length, MAX_PARAMETERS);
    Object[] out = new Object[count];
    for (int i = 0; i < count; i++) {
      out[i] = bounded(parameters[i]);
    }
    return out;
  }

  private static Object bounded(Object value) {
    if (value == null || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Map<?, ?> fields) {
      Map<Object, Object> out = new LinkedHashMap<>();
      fields.forEach((k, v) -> out.put(k, bounded(v)));
      return out;
    }
    String text = String.valueOf(value);
    return text.length() > MAX_PARAMETER ? cut(text, MAX_PARAMETER) : value;
  }

  /** The first {@code max} characters (never half a surrogate pair) and how many were left out. */
  static String cut(String text, int max) {
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end) + "…[" + (text.length() - end) + " more chars]";
  }

  /**
   * Stands in for an exception in a log record: prints as the original did ({@code class: message}
   * and its stack), only shorter. Never thrown.
   */
  static final class BoundedThrowable extends Throwable {
    private static final long serialVersionUID = 1L;
    private final String shown;

    private BoundedThrowable(String shown, BoundedThrowable cause) {
      super(shown, cause, false, true);
      this.shown = shown;
    }

    static BoundedThrowable of(Throwable original, int causes) {
      Throwable next = original.getCause();
      BoundedThrowable cause =
          next != null && next != original && causes > 1 ? of(next, causes - 1) : null;
      String message = original.getMessage();
      String shown =
          original.getClass().getName()
              + (message == null
                  ? ""
                  : ": "
                      + (message.length() > MAX_PARAMETER ? cut(message, MAX_PARAMETER) : message));
      BoundedThrowable bounded = new BoundedThrowable(shown, cause);
      StackTraceElement[] frames = original.getStackTrace();
      if (frames.length > MAX_FRAMES) {
        StackTraceElement[] kept = new StackTraceElement[MAX_FRAMES];
        System.arraycopy(frames, 0, kept, 0, MAX_FRAMES);
        frames = kept;
      }
      bounded.setStackTrace(frames);
      return bounded;
    }

    @Override
    public String toString() {
      return shown;
    }
  }
}
