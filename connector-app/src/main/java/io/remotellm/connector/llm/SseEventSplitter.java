package io.remotellm.connector.llm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an SSE byte stream into events and returns each event's data, verbatim: the text after
 * {@code data:} and one optional space, several data lines joined by a newline, as the SSE spec
 * says. Comments and other fields are dropped, events without data are skipped. Works on bytes, so
 * a multi-byte character split between two network reads stays whole (a line end is never inside
 * one). Not thread-safe: one per response.
 */
public final class SseEventSplitter {

  /**
   * An event larger than the splitter's bound: relaying it would exceed the broker's frame limit.
   */
  public static final class EventTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EventTooLargeException(long limit) {
      super("an event from the LLM exceeds " + limit + " bytes");
    }
  }

  private final long maxEventBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private StringBuilder data;
  private long eventBytes;
  private boolean afterCr;

  /**
   * @param maxEventBytes the largest event kept; a larger one makes {@link #feed} throw
   */
  public SseEventSplitter(long maxEventBytes) {
    this.maxEventBytes = maxEventBytes;
  }

  public SseEventSplitter() {
    this(Long.MAX_VALUE);
  }

  /** Feeds the next bytes; returns the payloads of the events they completed. */
  public List<String> feed(ByteBuffer bytes) {
    List<String> events = new ArrayList<>(2);
    while (bytes.hasRemaining()) {
      byte b = bytes.get();
      if (afterCr) {
        afterCr = false;
        if (b == '\n') {
          continue; // the second half of a CRLF
        }
      }
      if (b == '\r' || b == '\n') {
        afterCr = b == '\r';
        endOfLine(events);
      } else {
        line.write(b);
        if (++eventBytes > maxEventBytes) {
          throw new EventTooLargeException(maxEventBytes);
        }
      }
    }
    return events;
  }

  /** The stream ended: an event not closed by a blank line still counts. */
  public List<String> finish() {
    List<String> events = new ArrayList<>(1);
    if (line.size() > 0) {
      endOfLine(events);
    }
    if (data != null) {
      events.add(data.toString());
      data = null;
    }
    return events;
  }

  private void endOfLine(List<String> events) {
    if (line.size() == 0) {
      eventBytes = 0;
      if (data != null) {
        events.add(data.toString());
        data = null;
      }
      return;
    }
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.startsWith(":")) {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    if (!field.equals("data")) {
      return;
    }
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (data == null) {
      data = new StringBuilder(value);
    } else {
      data.append('\n').append(value);
    }
  }
}
