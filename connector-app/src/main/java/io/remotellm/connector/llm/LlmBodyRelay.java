package io.remotellm.connector.llm;

import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.Content;

/**
 * Relays the LLM's response body into {@code data} frames as it arrives: one frame per SSE event
 * for a stream, pieces of at most 64 KiB otherwise. It asks the LLM for the next bytes only when
 * the last frame of the previous ones has been written to the socket, so a slow broker link slows
 * the read instead of filling memory. Usage figures seen on the way go into {@code end}.
 */
final class LlmBodyRelay {
  /** Looked up once: {@code Json.create...} asks the service loader on every call. */
  private static final JsonProvider JSON = SharedJsonProvider.INSTANCE;

  /** Largest non-streaming piece; bounded so a frame never grows with the answer. */
  static final int PIECE_BYTES = 64 * 1024;

  /**
   * Largest SSE event relayed. An event is one frame, and a frame over the broker's limit (32 MiB
   * by default) would close the whole link; this fails just the one request instead.
   */
  static final long MAX_EVENT_BYTES = 8L * 1024 * 1024;

  /** Non-streaming bodies up to this size are kept to read their usage at the end. */
  private static final int USAGE_SCAN_LIMIT = 1024 * 1024;

  private static final int TAIL_BYTES = 8 * 1024;

  private final AnswerFrames sink;
  private final SseEventSplitter splitter;

  /** For an NDJSON stream (Ollama's): one frame per line, relayed like an SSE event. */
  private final NdjsonLineSplitter lines;

  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private final ByteArrayOutputStream whole;
  private final boolean scanForUsage;
  private long bodyBytes;

  /** The last bytes of a body too large to keep whole; OpenAI puts usage at the end. */
  private byte[] tail = new byte[0];

  private volatile Response response;
  private volatile Content.Source source;
  private volatile boolean cancelled;
  private JsonObject usage;

  LlmBodyRelay(AnswerFrames sink, boolean sse, boolean scanForUsage) {
    this(sink, sse, false, scanForUsage);
  }

  /**
   * @param ndjson the body is NDJSON ({@code application/x-ndjson}): relayed line by line
   */
  LlmBodyRelay(AnswerFrames sink, boolean sse, boolean ndjson, boolean scanForUsage) {
    this.sink = sink;
    this.splitter = sse ? new SseEventSplitter(MAX_EVENT_BYTES) : null;
    this.lines = !sse && ndjson ? new NdjsonLineSplitter(MAX_EVENT_BYTES) : null;
    this.whole = !sse && !ndjson && scanForUsage ? new ByteArrayOutputStream() : null;
    this.scanForUsage = scanForUsage;
  }

  /** Stops reading; with HTTP/1.1 this closes the connection, so the LLM sees the client gone. */
  void cancel() {
    cancelled = true;
    Response r = response;
    if (r != null) {
      r.abort(new CancellationException("the relay stopped reading"));
    }
  }

  /** The body begins: reads it from {@code body}, as fast as the frames are written. */
  void start(Response response, Content.Source body) {
    this.response = response;
    this.source = body;
    if (cancelled) {
      cancel();
      return;
    }
    read();
  }

  /**
   * Reads what has arrived; sends the frames it makes and stops until they are written (then {@link
   * #sent} asks for more), or asks Jetty to call again when more bytes come.
   */
  private void read() {
    Content.Source s = source;
    while (!cancelled) {
      Content.Chunk chunk = s.read();
      if (chunk == null) {
        s.demand(this::read);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        failed(chunk.getFailure());
        return;
      }
      boolean last = chunk.isLast();
      List<SseEvent> payloads;
      try {
        payloads = feed(chunk.getByteBuffer());
      } finally {
        chunk.release();
      }
      if (payloads == null) {
        return; // failed: an event over the bound
      }
      if (last) {
        complete(payloads);
        return;
      }
      if (!payloads.isEmpty()) {
        sink.events(payloads, this::sent);
        return;
      }
    }
  }

  /** The frames of one read, or null when it failed the request. */
  private List<SseEvent> feed(ByteBuffer buffer) {
    List<SseEvent> payloads = new ArrayList<>();
    if (!buffer.hasRemaining()) {
      return payloads;
    }
    if (splitter != null || lines != null) {
      List<SseEvent> events;
      try {
        events =
            splitter != null
                ? splitter.feedEvents(buffer)
                : lines.feed(buffer).stream().map(SseEvent::unnamed).toList();
      } catch (SseEventSplitter.EventTooLargeException e) {
        cancel();
        sink.fail(502, "upstream_error", e.getMessage());
        return null;
      }
      for (SseEvent event : events) {
        keep(event, payloads);
      }
    } else {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      pending.write(bytes, 0, bytes.length);
      bodyBytes += bytes.length;
      if (whole != null && bodyBytes <= USAGE_SCAN_LIMIT) {
        whole.write(bytes, 0, bytes.length);
      } else if (scanForUsage) {
        tail = lastBytes(tail, bytes, TAIL_BYTES);
      }
      while (pending.size() >= PIECE_BYTES) {
        payloads.add(SseEvent.ofBytes(null, takePiece()));
      }
    }
    return payloads;
  }

  /** The frames were written (null) or not: then the request stops here. */
  private void sent(Throwable sendError) {
    if (sendError != null || cancelled) {
      cancel();
    } else {
      source.demand(this::read);
    }
  }

  private void failed(Throwable error) {
    if (!cancelled) {
      sink.fail(
          502,
          "upstream_error",
          "the answer from the LLM broke off: " + error.getClass().getSimpleName());
    }
  }

  private void complete(List<SseEvent> payloads) {
    if (splitter != null || lines != null) {
      for (SseEvent event :
          splitter != null
              ? splitter.finishEvents()
              : lines.finish().stream().map(SseEvent::unnamed).toList()) {
        keep(event, payloads);
      }
    } else {
      while (pending.size() > 0) {
        payloads.add(SseEvent.ofBytes(null, takePiece()));
      }
      if (whole != null && bodyBytes <= USAGE_SCAN_LIMIT && whole.size() > 0) {
        usage = usageOfBody(whole.toString(StandardCharsets.UTF_8));
      } else if (tail.length > 0) {
        usage = usageInTail(new String(tail, StandardCharsets.UTF_8));
      }
    }
    // The last events and end in one go: one message for a whole non-streaming answer.
    sink.completeEvents(payloads, usage);
  }

  /** The upstream's [DONE] is not passed on: the broker ends every stream with its own. */
  private void keep(SseEvent event, List<SseEvent> payloads) {
    if (event.dataIs("[DONE]")) {
      return;
    }
    if (hasUsageObject(event)) {
      JsonObject u = usageOf(event.data());
      if (u != null) {
        usage = u;
      }
    } else if (lines != null && event.lastIndexOf("\"eval_count\"") >= 0) {
      JsonObject u = usageOf(event.data());
      if (u != null) {
        usage = u;
      }
    }
    payloads.add(event);
  }

  /** Up to 64 KiB, cut before a UTF-8 continuation byte so no character is split. */
  private byte[] takePiece() {
    byte[] all = pending.toByteArray();
    int cut = Math.min(all.length, PIECE_BYTES);
    if (cut < all.length) {
      while (cut > 0 && (all[cut] & 0xC0) == 0x80) {
        cut--;
      }
    }
    byte[] piece = Arrays.copyOf(all, cut);
    pending.reset();
    pending.write(all, cut, all.length - cut);
    return piece;
  }

  /**
   * Cheap test before parsing, on the event's bytes: with {@code include_usage} every chunk carries
   * {@code "usage":null}, and only the last one an object worth parsing.
   */
  static boolean hasUsageObject(SseEvent event) {
    int at = event.lastIndexOf("\"usage\"");
    if (at < 0) {
      return false;
    }
    byte[] bytes = event.utf8();
    int i = at + 7;
    while (i < bytes.length
        && (bytes[i] == ' '
            || bytes[i] == ':'
            || bytes[i] == '\n'
            || bytes[i] == '\t'
            || bytes[i] == '\r')) {
      i++;
    }
    return i < bytes.length && bytes[i] == '{';
  }

  /** As {@link #hasUsageObject(SseEvent)}, on text. */
  static boolean hasUsageObject(String event) {
    return hasUsageObject(SseEvent.unnamed(event));
  }

  private static byte[] lastBytes(byte[] kept, byte[] more, int limit) {
    int total = kept.length + more.length;
    int from = Math.max(0, total - limit);
    byte[] out = new byte[total - from];
    for (int i = from; i < total; i++) {
      out[i - from] = i < kept.length ? kept[i] : more[i - kept.length];
    }
    return out;
  }

  /** The object after the last {@code "usage":} in the text, if it parses. */
  static JsonObject usageInTail(String tail) {
    int at = tail.lastIndexOf("\"usage\"");
    int open = at < 0 ? -1 : tail.indexOf('{', at);
    if (open < 0) {
      return null;
    }
    try (JsonParser parser = JSON.createParser(new StringReader(tail.substring(open)))) {
      if (parser.hasNext() && parser.next() == JsonParser.Event.START_OBJECT) {
        return parser.getObject();
      }
    } catch (RuntimeException notJson) {
      // A tail that does not parse has no usage we can trust.
    }
    return null;
  }

  /**
   * What {@link #usageOf} finds in a whole non-streamed body, without building the objects it does
   * not look at: the body is read as a stream of parser events (so it is checked as JSON all the
   * same), and only the values of the top-level {@code usage}, {@code response}, {@code eval_count}
   * and {@code prompt_eval_count} are built, the last of each name winning as in a parsed object.
   * Building the whole answer's tree cost a tenth of the bytes the connector allocates per request
   * (docs/benchmarks.md, issue 17). Anything unusual (not an object, text after it, a parse error)
   * is left to {@link #usageOf} itself, so the outcome is always its own (LlmBodyRelayTest compares
   * the two).
   */
  static JsonObject usageOfBody(String json) {
    try (JsonParser parser = JSON.createParser(new StringReader(json))) {
      if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
        return usageOf(json);
      }
      JsonValue usage = null;
      JsonValue response = null;
      JsonValue evalCount = null;
      JsonValue promptEvalCount = null;
      JsonParser.Event event;
      while ((event = parser.next()) != JsonParser.Event.END_OBJECT) {
        if (event != JsonParser.Event.KEY_NAME) {
          return usageOf(json);
        }
        String key = parser.getString();
        JsonParser.Event value = parser.next();
        switch (key) {
          case "usage" -> usage = parser.getValue();
          case "response" -> response = parser.getValue();
          case "eval_count" -> evalCount = parser.getValue();
          case "prompt_eval_count" -> promptEvalCount = parser.getValue();
          default -> skip(parser, value);
        }
      }
      if (parser.hasNext()) {
        return usageOf(json);
      }
      if (usage instanceof JsonObject u) {
        return u;
      }
      if (response instanceof JsonObject r && r.get("usage") instanceof JsonObject u) {
        return u;
      }
      if (evalCount != null) {
        var counts = JSON.createObjectBuilder().add("eval_count", evalCount);
        if (promptEvalCount != null) {
          counts.add("prompt_eval_count", promptEvalCount);
        }
        return OllamaUsage.of(counts.build());
      }
      return null;
    } catch (RuntimeException unusual) {
      return usageOf(json);
    }
  }

  /** Reads past the value that began with {@code first}, checking it as the parser goes. */
  private static void skip(JsonParser parser, JsonParser.Event first) {
    if (first != JsonParser.Event.START_OBJECT && first != JsonParser.Event.START_ARRAY) {
      return;
    }
    int depth = 1;
    while (depth > 0) {
      JsonParser.Event event = parser.next();
      if (event == JsonParser.Event.START_OBJECT || event == JsonParser.Event.START_ARRAY) {
        depth++;
      } else if (event == JsonParser.Event.END_OBJECT || event == JsonParser.Event.END_ARRAY) {
        depth--;
      }
    }
  }

  static JsonObject usageOf(String json) {
    try (JsonReader reader = JSON.createReader(new StringReader(json))) {
      JsonValue value = reader.readValue();
      if (value instanceof JsonObject object && object.get("usage") instanceof JsonObject u) {
        return u;
      }
      // The Responses API puts it in the response: the body, or response.completed's event.
      if (value instanceof JsonObject object
          && object.get("response") instanceof JsonObject response
          && response.get("usage") instanceof JsonObject u) {
        return u;
      }
      // Ollama counts tokens in its last object (prompt_eval_count, eval_count).
      if (value instanceof JsonObject object && object.containsKey("eval_count")) {
        return OllamaUsage.of(object);
      }
    } catch (RuntimeException notJson) {
      // An answer that is not JSON simply has no usage to report.
    }
    return null;
  }
}
