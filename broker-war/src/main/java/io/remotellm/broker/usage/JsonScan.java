package io.remotellm.broker.usage;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import java.io.StringReader;
import java.util.Map;

/**
 * Finds one field in JSON text without parsing the rest: the usage of an answer sits in one small
 * object among kilobytes of generated text, and most events carry none. A key is only matched
 * outside strings in practice: inside a JSON string every quote is escaped, so {@code "usage"}
 * followed by a colon cannot occur there.
 */
final class JsonScan {

  /** A usage object is a few hundred characters; anything longer is not one. */
  static final int MAX_OBJECT = 8192;

  private static final JsonParserFactory PARSERS =
      JsonProvider.provider().createParserFactory(Map.of());

  private JsonScan() {}

  /**
   * The text of the object that is the value of the first {@code "key": {...}} in {@code text}, or
   * null when there is none, its value is not an object (e.g. {@code null}), or it is cut off.
   */
  static String objectAfter(String text, String key) {
    int at = valueStart(text, key, 0);
    while (at >= 0) {
      if (text.charAt(at) == '{') {
        int end = objectEnd(text, at);
        return end < 0 ? null : text.substring(at, end);
      }
      at = valueStart(text, key, at);
    }
    return null;
  }

  /** The whole number that is the value of the first {@code "key": n} in {@code text}, or -1. */
  static long numberAfter(String text, String key) {
    int at = valueStart(text, key, 0);
    if (at < 0) {
      return -1;
    }
    int end = at;
    while (end < text.length() && end - at < 19 && Character.isDigit(text.charAt(end))) {
      end++;
    }
    return end == at ? -1 : Long.parseLong(text, at, end, 10);
  }

  /** Whether {@code "key"} has the empty array as its value (OpenAI's usage-only chunk). */
  static boolean emptyArrayAfter(String text, String key) {
    int at = valueStart(text, key, 0);
    if (at < 0 || text.charAt(at) != '[') {
      return false;
    }
    int next = skipSpace(text, at + 1);
    return next < text.length() && text.charAt(next) == ']';
  }

  /** Parses a small object found by {@link #objectAfter}; null if it is not valid JSON. */
  static JsonObject parse(String object) {
    if (object == null) {
      return null;
    }
    try (JsonParser parser = PARSERS.createParser(new StringReader(object))) {
      return parser.hasNext() && parser.next() == JsonParser.Event.START_OBJECT
          ? parser.getObject()
          : null;
    } catch (RuntimeException e) {
      // A malformed answer is the LLM's problem; its usage then counts as not reported.
      return null;
    }
  }

  /** A whole non-negative number field of {@code object}, or 0. */
  static long count(JsonObject object, String name) {
    JsonValue value = object == null ? null : object.get(name);
    if (value instanceof JsonNumber number && number.isIntegral()) {
      return Math.max(0, number.longValue());
    }
    return 0;
  }

  /** Whether {@code object} has the field {@code name} with a number. */
  static boolean has(JsonObject object, String name) {
    return object != null && object.get(name) instanceof JsonNumber;
  }

  /** Where the value of {@code "key":} starts after {@code from}, or -1. */
  private static int valueStart(String text, String key, int from) {
    String quoted = '"' + key + '"';
    int at = text.indexOf(quoted, from);
    while (at >= 0) {
      int colon = skipSpace(text, at + quoted.length());
      if (colon < text.length() && text.charAt(colon) == ':') {
        int value = skipSpace(text, colon + 1);
        if (value < text.length()) {
          return value;
        }
        return -1;
      }
      at = text.indexOf(quoted, at + 1);
    }
    return -1;
  }

  private static int skipSpace(String text, int at) {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
    return at;
  }

  /** The index after the object starting at {@code start}, or -1 if cut off or too long. */
  private static int objectEnd(String text, int start) {
    int depth = 0;
    boolean inString = false;
    int limit = Math.min(text.length(), start + MAX_OBJECT);
    for (int i = start; i < limit; i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return i + 1;
      }
    }
    return -1;
  }
}
