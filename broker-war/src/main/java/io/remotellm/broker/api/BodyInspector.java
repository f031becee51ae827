package io.remotellm.broker.api;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.protocol.Bounds;
import io.remotellm.protocol.Utf8Text;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads {@code model} and {@code stream} from a chat-completions body and nothing else: the body
 * itself is relayed as it came. Every malformed input is a 400 with OpenAI's error shape.
 */
public final class BodyInspector {

  /**
   * Looked up once: {@code Json.createParser} asks the service loader on every call, which scans
   * the class path in an application server (measured with JFR, docs/benchmarks.md).
   */
  private final JsonParserFactory parsers = JsonProvider.provider().createParserFactory(Map.of());

  public ChatBody inspect(byte[] body) {
    return inspect(body, false, "model", null);
  }

  /**
   * As {@link #inspect(byte[])}, for APIs whose defaults differ: Ollama streams when {@code stream}
   * is absent, and its {@code /api/show} still takes the model as {@code name}.
   *
   * @param streamByDefault what an absent or null {@code stream} means
   * @param modelField the field naming the model
   * @param alsoModelField the field read when {@code modelField} is absent, or null
   */
  public ChatBody inspect(
      byte[] body, boolean streamByDefault, String modelField, String alsoModelField) {
    String text = decodeUtf8(body);
    if (text.isBlank()) {
      throw bad("The request body is empty; expected a JSON object", null);
    }
    Map<String, JsonValue> object = topLevel(text, modelField, alsoModelField);
    JsonValue model = object.get(modelField);
    if ((model == null || model.getValueType() == JsonValue.ValueType.NULL)
        && alsoModelField != null) {
      model = object.get(alsoModelField);
    }
    if (model == null || model.getValueType() == JsonValue.ValueType.NULL) {
      throw bad("You must provide a model parameter", "model");
    }
    if (!(model instanceof JsonString name) || name.getString().isBlank()) {
      throw bad("'model' must be a non-empty string", "model");
    }
    if (name.getString().length() > Bounds.MODEL_NAME) {
      // Refused before routing, so no 404 body or log line ever quotes a megabyte-long name.
      throw bad(
          "'model' is longer than "
              + Bounds.MODEL_NAME
              + " characters: '"
              + Bounds.cut(name.getString(), Bounds.QUOTED)
              + "'",
          "model");
    }
    JsonValue stream = object.get("stream");
    boolean streaming;
    if (stream == null || stream.getValueType() == JsonValue.ValueType.NULL) {
      streaming = streamByDefault;
    } else if (stream.getValueType() == JsonValue.ValueType.TRUE) {
      streaming = true;
    } else if (stream.getValueType() == JsonValue.ValueType.FALSE) {
      streaming = false;
    } else {
      throw bad("'stream' must be a boolean", "stream");
    }
    return new ChatBody(name.getString(), streaming, text);
  }

  private static String decodeUtf8(byte[] body) {
    try {
      return Utf8Text.decode(body);
    } catch (CharacterCodingException e) {
      throw bad("The request body is not valid UTF-8", null);
    }
  }

  /**
   * Checks that {@code text} is one well-formed JSON object and returns the values of its top-level
   * fields {@code stream}, {@code modelField} and {@code alsoModelField} (an object or array value
   * stands as an empty one: only its type matters). It walks the parser's events without building
   * the rest (the prompt's messages): a {@code JsonObject} of the whole body made the inspector a
   * percent of the broker's CPU per request (docs/benchmarks.md). The last of duplicate fields
   * counts, as in a {@code JsonObject}.
   */
  private Map<String, JsonValue> topLevel(String text, String modelField, String alsoModelField) {
    Map<String, JsonValue> fields = new HashMap<>(8);
    try (JsonParser parser = parsers.createParser(new StringReader(text))) {
      if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
        throw bad("The request body must be a JSON object", null);
      }
      int depth = 1;
      String key = null;
      while (depth > 0) {
        JsonParser.Event event = parser.next();
        switch (event) {
          case KEY_NAME -> key = depth == 1 ? parser.getString() : key;
          case START_OBJECT, START_ARRAY -> {
            if (depth++ == 1 && wanted(key, modelField, alsoModelField)) {
              fields.put(
                  key,
                  event == JsonParser.Event.START_OBJECT
                      ? JsonValue.EMPTY_JSON_OBJECT
                      : JsonValue.EMPTY_JSON_ARRAY);
            }
          }
          case END_OBJECT, END_ARRAY -> depth--;
          default -> {
            if (depth == 1 && wanted(key, modelField, alsoModelField)) {
              fields.put(key, parser.getValue());
            }
          }
        }
      }
      if (parser.hasNext()) {
        throw bad("The request body has text after the JSON object", null);
      }
      return fields;
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      // JsonException, NoSuchElementException at a cut-off end and the like, but Parsson also
      // throws a plain RuntimeException for input nested deeper than 1,000 levels. The parser's
      // message may quote the body (the prompt): say only what kind of error it is.
      throw bad("The request body is not valid JSON", null);
    }
  }

  private static boolean wanted(String key, String modelField, String alsoModelField) {
    return "stream".equals(key)
        || modelField.equals(key)
        || key != null && key.equals(alsoModelField);
  }

  private static ApiException bad(String message, String param) {
    return new ApiException(ApiError.invalidRequest(message, param));
  }

  /** Reads the body, or fails with 413 as soon as it passes the limit (no unbounded buffer). */
  public static byte[] readAtMost(InputStream in, long max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[16384];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) != -1) {
      total += n;
      if (total > max) {
        throw new ApiException(ApiError.tooLarge(max));
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }
}
