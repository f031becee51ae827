package io.remotellm.protocol;

import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.StringReader;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns frames into JSON text and back, for both sides of the relay: through JSON-B, except the
 * answer frames ({@code head}, {@code data}, {@code end}, {@code error}), which are written by hand
 * (they are most of the traffic). Thread-safe: one instance serves a whole process. Decoding never
 * throws anything but {@link ProtocolException}, and its messages never quote the frame (a frame
 * may carry a prompt or a key).
 */
public final class FrameCodec implements AutoCloseable {

  private static final Set<String> TYPES =
      Set.of(
          "hello", "models", "head", "data", "end", "error", "welcome", "request", "cancel",
          "batch");

  private final Jsonb jsonb;

  /**
   * Looked up once: {@code Json.createParser} asks the service loader for a provider on every call,
   * which in an application server scans the class path (a fifth of the broker's CPU per frame,
   * measured with JFR in docs/benchmarks.md).
   */
  private final JsonParserFactory parsers;

  public FrameCodec() {
    this.jsonb = JsonbBuilder.create(new JsonbConfig().withNullValues(false));
    this.parsers = JsonProvider.provider().createParserFactory(Map.of());
  }

  public String encode(Frame frame) {
    return frame instanceof Frame.Answer answer
        ? AnswerFrameEncoder.encode(answer)
        : jsonb.toJson(frame);
  }

  /**
   * Reads one WebSocket message and hands its frames to {@code each} in order: the frame itself, or
   * each frame of a {@link Batch}, exactly as if it had come alone. Nothing is handed on when the
   * message cannot be read.
   *
   * @throws UnknownFrameTypeException as {@link #decode}
   * @throws ProtocolException as {@link #decode}
   */
  public void decodeEach(String text, Consumer<Frame> each) throws ProtocolException {
    Frame frame = decode(text);
    if (frame instanceof Batch batch) {
      batch.frames().forEach(each);
    } else {
      each.accept(frame);
    }
  }

  /**
   * Reads one frame.
   *
   * @throws UnknownFrameTypeException for a well-formed frame of a type this version does not know
   *     (a newer peer may send it; callers may ignore it)
   * @throws ProtocolException for anything else that is not a valid frame
   */
  public Frame decode(String text) throws ProtocolException {
    if (text == null || text.isBlank()) {
      throw new ProtocolException("empty frame");
    }
    // One parse per frame on the hot path: JSON-B binds the frame straight from the text. Only a
    // frame it cannot bind is parsed a second time, with JSON-P, to tell an unknown type from a
    // broken frame (checking the type first cost a second full parse of every frame, the whole
    // data payload included).
    Frame frame;
    try {
      frame = jsonb.fromJson(text, Frame.class);
    } catch (RuntimeException e) {
      // JsonbException, JsonException, our records' IllegalArgumentException, ClassCastException,
      // and whatever else a JSON-B implementation throws for input it cannot bind.
      checkType(text);
      throw new ProtocolException("invalid frame: " + ownMessage(e));
    }
    if (frame == null || !startsWithObject(text)) {
      // JSON-B reads null as null, and an array holding a frame as that frame.
      checkType(text);
      throw new ProtocolException("invalid frame: not a JSON object");
    }
    if (!onlyWhitespaceAfterFirstValue(text)) {
      throw new ProtocolException("invalid frame: text after the JSON object");
    }
    return frame;
  }

  private static boolean startsWithObject(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return c == '{';
      }
    }
    return false;
  }

  /**
   * Whether nothing but JSON whitespace follows the first JSON value of {@code text}. JSON-B reads
   * one value and ignores the rest; it has just read that value without error, so it is
   * well-formed, and matching its brackets outside strings finds where it ends without a parse.
   */
  static boolean onlyWhitespaceAfterFirstValue(String text) {
    int n = text.length();
    int depth = 0;
    int i = 0;
    boolean inString = false;
    for (; i < n; i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        i++;
        break;
      }
    }
    if (depth != 0) {
      return false;
    }
    for (; i < n; i++) {
      char c = text.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return false;
      }
    }
    return true;
  }

  /**
   * Tells an unknown type apart from a broken frame, for a frame JSON-B could not bind: throws
   * {@link UnknownFrameTypeException} or {@link ProtocolException}, or returns if the frame is a
   * well-formed object of a known type (its fields are what is wrong).
   */
  private void checkType(String text) throws ProtocolException {
    JsonValue type;
    try (JsonParser parser = parsers.createParser(new StringReader(text))) {
      if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
        throw new ProtocolException("invalid frame: not a JSON object");
      }
      JsonObject object = parser.getObject();
      if (parser.hasNext()) {
        throw new ProtocolException("invalid frame: text after the JSON object");
      }
      type = object.get("type");
    } catch (JsonParsingException e) {
      throw new ProtocolException("invalid frame: malformed JSON");
    } catch (JsonException | IllegalStateException e) {
      throw new ProtocolException("invalid frame: malformed JSON");
    } catch (RuntimeException e) {
      // Parsson throws a plain RuntimeException for input nested deeper than 1,000 levels.
      throw new ProtocolException("invalid frame: malformed JSON");
    }
    if (!(type instanceof JsonString s)) {
      throw new ProtocolException("invalid frame: missing field 'type'");
    }
    if (!TYPES.contains(s.getString())) {
      throw new UnknownFrameTypeException(s.getString());
    }
  }

  /**
   * Our own constructors' messages name a field and are safe to show; a JSON-B implementation's
   * message may quote the input, so only its kind is reported.
   */
  private static String ownMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException
          && t.getMessage() != null
          && t.getStackTrace().length > 0
          && t.getStackTrace()[0].getClassName().startsWith(Fields.class.getPackageName())) {
        return t.getMessage();
      }
    }
    return "fields of the wrong type or shape";
  }

  @Override
  public void close() {
    try {
      jsonb.close();
    } catch (Exception e) {
      // Closing a JSON-B instance only releases caches; there is nothing to recover.
    }
  }
}
