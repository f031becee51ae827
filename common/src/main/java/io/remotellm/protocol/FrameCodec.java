package io.remotellm.protocol;

import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import java.io.StringReader;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns frames into JSON text and back, for both sides of the relay. Every frame is written by hand
 * ({@link FrameWriter}) and read through JSON-P into a {@link JsonObject} from which {@link
 * FrameReader} builds the record: JSON-B's reflective, polymorphic binding was the codec's whole
 * cost (docs/benchmarks.md, issue 17), and neither side needs JSON-B any more. Thread-safe: one
 * instance serves a whole process. Decoding never throws anything but {@link ProtocolException},
 * and its messages never quote the frame (a frame may carry a prompt or a key).
 */
public final class FrameCodec implements AutoCloseable {

  /**
   * Looked up once: {@code Json.createParser} asks the service loader for a provider on every call,
   * which in an application server scans the class path (a fifth of the broker's CPU per frame,
   * measured with JFR in docs/benchmarks.md).
   */
  private final JsonParserFactory parsers;

  public FrameCodec() {
    this.parsers = JsonProvider.provider().createParserFactory(Map.of());
  }

  public String encode(Frame frame) {
    return FrameWriter.encode(frame);
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
    // The whole text is parsed before any field is looked at, so a broken frame always reads as
    // malformed JSON, whatever its type, and the type may come anywhere in the object.
    return FrameReader.frame(object(text));
  }

  /** The one JSON object {@code text} holds, with nothing but whitespace after it. */
  private JsonObject object(String text) throws ProtocolException {
    boolean read = false;
    try (JsonParser parser = parsers.createParser(new StringReader(text))) {
      if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
        throw new ProtocolException("invalid frame: not a JSON object");
      }
      JsonObject object = parser.getObject();
      read = true;
      if (parser.hasNext()) {
        throw new ProtocolException("invalid frame: text after the JSON object");
      }
      return object;
    } catch (RuntimeException e) {
      // JsonParsingException, JsonException, IllegalStateException, and the plain
      // RuntimeException Parsson throws for input nested deeper than 1,000 levels; once the
      // object is read, what fails is the check for the end of the text.
      throw new ProtocolException(
          read ? "invalid frame: text after the JSON object" : "invalid frame: malformed JSON");
    }
  }

  /** Holds nothing to release since frames no longer go through JSON-B; kept for its callers. */
  @Override
  public void close() {}
}
