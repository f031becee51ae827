package io.remotellm.protocol;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the frame records from a parsed JSON object, for {@link FrameCodec#decode}: by hand,
 * because JSON-B's reflective, polymorphic binding cost more per frame than the rest of a frame's
 * way through the broker or the connector (docs/benchmarks.md, issue 17). Strict about types: a
 * field of the wrong JSON type is an error, never coerced (JSON-B turned {@code "id":1} into {@code
 * "1"} and {@code "stream":"yes"} into false); an absent field, or a null one where a string, list
 * or object goes, is left to the record's constructor (a default, or its "missing field" error);
 * unknown fields are ignored, so a newer peer may add some. Messages name the field, never its
 * content.
 */
final class FrameReader {
  private FrameReader() {}

  /**
   * The frame {@code object} holds.
   *
   * @throws UnknownFrameTypeException for a type this version does not know
   * @throws ProtocolException for a missing type or a field the frame's record refuses
   */
  static Frame frame(JsonObject object) throws ProtocolException {
    String type = type(object);
    Frame frame = "batch".equals(type) ? batch(object) : single(type, object);
    if (frame == null) {
      throw new UnknownFrameTypeException(type);
    }
    return frame;
  }

  private static String type(JsonObject object) throws ProtocolException {
    if (object.get("type") instanceof JsonString type) {
      return type.getString();
    }
    throw new ProtocolException("invalid frame: missing field 'type'");
  }

  /** The frame of a type other than batch, or null for a type this version does not know. */
  private static Frame single(String type, JsonObject o) throws ProtocolException {
    try {
      return switch (type) {
        case "data" -> new Data(string(o, "id"), string(o, "data"), string(o, "event"));
        case "head" -> new Head(string(o, "id"), integer(o, "status"), headers(o));
        case "end" -> new End(string(o, "id"), object(o, "usage"));
        case "error" ->
            new Failure(
                string(o, "id"), integer(o, "status"), string(o, "code"), string(o, "message"));
        case "request" ->
            new Request(
                string(o, "id"),
                string(o, "method"),
                string(o, "path"),
                headers(o),
                string(o, "body"),
                bool(o, "stream"),
                string(o, "api"),
                string(o, "query"));
        case "cancel" -> new Cancel(string(o, "id"), string(o, "reason"));
        case "hello" ->
            new Hello(
                integer(o, "protocol"),
                string(o, "connector"),
                strings(o, "models"),
                integer(o, "capacity"),
                strings(o, "apis"));
        case "models" -> new ModelsChanged(strings(o, "models"));
        case "welcome" ->
            new Welcome(
                string(o, "connectorId"),
                integer(o, "heartbeatSeconds"),
                present(o, "protocol") ? integer(o, "protocol") : null);
        default -> null;
      };
    } catch (IllegalArgumentException e) {
      // The records' own checks: their messages name a field and never quote a value.
      throw new ProtocolException("invalid frame: " + e.getMessage());
    }
  }

  private static Batch batch(JsonObject o) throws ProtocolException {
    JsonValue value = o.get("frames");
    if (!(value instanceof JsonArray array)) {
      throw value == null || value == JsonValue.NULL
          ? new ProtocolException("invalid frame: field 'frames' must hold at least one frame")
          : wrongType("frames", "an array");
    }
    if (array.isEmpty()) {
      throw new ProtocolException("invalid frame: field 'frames' must hold at least one frame");
    }
    List<Frame> frames = new ArrayList<>(array.size());
    for (JsonValue element : array) {
      if (!(element instanceof JsonObject inner)) {
        throw element == JsonValue.NULL
            ? new ProtocolException("invalid frame: field 'frames' holds a null frame")
            : wrongType("frames", "an array of frames");
      }
      String type = type(inner);
      if ("batch".equals(type)) {
        throw new ProtocolException(
            "invalid frame: field 'frames' holds a batch: batches do not nest");
      }
      Frame frame = single(type, inner);
      if (frame == null) {
        // A batch is read whole or not at all; the receiver could not skip a part of it alone.
        throw new ProtocolException("invalid frame: field 'frames' holds a frame of unknown type");
      }
      frames.add(frame);
    }
    return new Batch(frames);
  }

  private static boolean present(JsonObject o, String name) {
    JsonValue value = o.get(name);
    return value != null && value != JsonValue.NULL;
  }

  private static String string(JsonObject o, String name) throws ProtocolException {
    JsonValue value = o.get(name);
    if (value instanceof JsonString s) {
      return s.getString();
    }
    if (value == null || value == JsonValue.NULL) {
      return null;
    }
    throw wrongType(name, "a string");
  }

  /**
   * A whole number that fits an int ({@code 200}, {@code 200.0}, {@code 2e2}); absent reads as 0,
   * for the record to refuse by name where it must be set, as JSON-B read it. Null is a wrong type,
   * as it was for JSON-B.
   */
  private static int integer(JsonObject o, String name) throws ProtocolException {
    JsonValue value = o.get(name);
    if (value == null) {
      return 0;
    }
    if (!(value instanceof JsonNumber number)) {
      throw wrongType(name, "a number");
    }
    try {
      return number.bigDecimalValue().intValueExact();
    } catch (ArithmeticException e) {
      throw wrongType(name, "a 32-bit whole number");
    }
  }

  /** Absent reads as false, as JSON-B read it; null or anything but a boolean is a wrong type. */
  private static boolean bool(JsonObject o, String name) throws ProtocolException {
    JsonValue value = o.get(name);
    if (value == null || value == JsonValue.FALSE) {
      return false;
    }
    if (value == JsonValue.TRUE) {
      return true;
    }
    throw wrongType(name, "true or false");
  }

  private static JsonObject object(JsonObject o, String name) throws ProtocolException {
    JsonValue value = o.get(name);
    if (value instanceof JsonObject object) {
      return object;
    }
    if (value == null || value == JsonValue.NULL) {
      return null;
    }
    throw wrongType(name, "an object");
  }

  /** The {@code headers} object; a null value is kept for the record to refuse by name. */
  private static Map<String, String> headers(JsonObject o) throws ProtocolException {
    JsonObject object = object(o, "headers");
    if (object == null) {
      return null;
    }
    Map<String, String> headers = new HashMap<>(object.size() * 2);
    for (Map.Entry<String, JsonValue> e : object.entrySet()) {
      headers.put(e.getKey(), text(e.getValue(), "headers", "an object of strings"));
    }
    return headers;
  }

  /** A list of strings; a null element is kept for the record to refuse by name. */
  private static List<String> strings(JsonObject o, String name) throws ProtocolException {
    JsonValue value = o.get(name);
    if (value == null || value == JsonValue.NULL) {
      return null;
    }
    if (!(value instanceof JsonArray array)) {
      throw wrongType(name, "an array of strings");
    }
    List<String> strings = new ArrayList<>(array.size());
    for (JsonValue element : array) {
      strings.add(text(element, name, "an array of strings"));
    }
    return strings;
  }

  private static String text(JsonValue value, String field, String shape) throws ProtocolException {
    if (value instanceof JsonString s) {
      return s.getString();
    }
    if (value == JsonValue.NULL) {
      return null;
    }
    throw wrongType(field, shape);
  }

  private static ProtocolException wrongType(String field, String shape) {
    return new ProtocolException("invalid frame: field '" + field + "' must be " + shape);
  }
}
