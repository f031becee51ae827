package io.remotellm.protocol;

/**
 * How much of a string a client or a connector controls the broker and the connector keep, show or
 * log (docs/reliability.md lists them). Inputs over a bound are refused where they enter (a model
 * name: 400; a connector's hello: closed); what is only quoted or logged is cut with a marker, so
 * no single request or connector can make a multi-megabyte error body or log line.
 */
public final class Bounds {

  /** Characters of one model name: Ollama's and OpenAI's names are far shorter. */
  public static final int MODEL_NAME = 256;

  /** Models one connector may register, in {@code hello} or {@code models}. */
  public static final int MODELS_PER_CONNECTOR = 1024;

  /** Characters of a connector's self-description ({@code hello}'s {@code connector}). */
  public static final int CONNECTOR_NAME = 256;

  /** Characters of one log field or placeholder value (model, path, reason, error message). */
  public static final int LOG_FIELD = 512;

  /**
   * Characters of an error message the broker answers with: a connector's (or its LLM's) reason is
   * shown to the client, and must not turn one error frame into a 32 MiB error body.
   */
  public static final int ERROR_MESSAGE = 1024;

  /** Characters of a model name quoted in an error message. */
  public static final int QUOTED = 64;

  private Bounds() {}

  /**
   * {@code text} if it has at most {@code max} characters, else its first {@code max} and a marker
   * saying how many were cut (the marker is not counted in {@code max}).
   */
  public static String cut(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = max;
    // Not half a surrogate pair: the rest of the line must stay valid UTF-16 (and so JSON).
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "…[" + (text.length() - end) + " more chars]";
  }

  /**
   * A value as it may appear in a log line: its text cut to {@link #LOG_FIELD} and every control
   * character written as a visible {@code \\uXXXX}, so no formatter (JSON or plain text) ever
   * receives a line break or escape sequence a client or a connector chose.
   */
  public static String forLog(Object value) {
    if (value == null) {
      return null;
    }
    String text = cut(String.valueOf(value), LOG_FIELD);
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029';
      if (control && out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (out != null) {
        if (control) {
          out.append(String.format("\\u%04x", (int) c));
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? text : out.toString();
  }
}
