package io.remotellm.connector.llm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One server-sent event as the LLM sent it: its name ({@code event:} field; null when unnamed, as
 * in OpenAI's chat streams) and its data, verbatim. Responses and Anthropic Messages streams name
 * every event, and their clients read the name, so it travels with the data.
 *
 * <p>The data is kept as the LLM's UTF-8 bytes: the frame that carries it is escaped straight from
 * them ({@link DataFrameBytes}), so most events never become a {@code String}; {@link #data()}
 * decodes them (as {@code new String(bytes, UTF_8)} does, malformed input replaced) for the few
 * that are read, such as the one with the usage.
 */
public final class SseEvent {
  private final String name;
  private final byte[] utf8;
  private String data;

  private SseEvent(String name, byte[] utf8, String data) {
    this.name = name;
    this.utf8 = utf8;
    this.data = data;
  }

  public SseEvent(String name, String data) {
    this(name, data.getBytes(StandardCharsets.UTF_8), data);
  }

  public static SseEvent unnamed(String data) {
    return new SseEvent(null, data);
  }

  /** An event whose data are these bytes, kept as they are (the caller hands them over). */
  static SseEvent ofBytes(String name, byte[] utf8) {
    return new SseEvent(name, utf8, null);
  }

  public String name() {
    return name;
  }

  /** The data as text. */
  public String data() {
    String d = data;
    if (d == null) {
      d = new String(utf8, StandardCharsets.UTF_8);
      data = d;
    }
    return d;
  }

  /** The data as the LLM's bytes; not to be changed. */
  byte[] utf8() {
    return utf8;
  }

  /** Whether the data are exactly these ASCII characters. */
  boolean dataIs(String ascii) {
    if (utf8.length != ascii.length()) {
      return false;
    }
    for (int i = 0; i < utf8.length; i++) {
      if (utf8[i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** The position of the last occurrence of these ASCII characters in the data's bytes, or -1. */
  int lastIndexOf(String ascii) {
    int n = ascii.length();
    for (int at = utf8.length - n; at >= 0; at--) {
      int i = 0;
      while (i < n && utf8[at + i] == ascii.charAt(i)) {
        i++;
      }
      if (i == n) {
        return at;
      }
    }
    return -1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SseEvent e && Objects.equals(name, e.name) && Arrays.equals(utf8, e.utf8);
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hashCode(name) + Arrays.hashCode(utf8);
  }

  @Override
  public String toString() {
    return "SseEvent[name=" + name + ", data=" + data() + "]";
  }
}
