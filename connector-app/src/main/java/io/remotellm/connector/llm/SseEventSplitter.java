package io.remotellm.connector.llm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an SSE byte stream into events and returns each event's data, verbatim: the text after
 * {@code data:} and one optional space, several data lines joined by a newline, as the SSE spec
 * says, with the event's name ({@code event:}) when it has one. Comments and other fields are
 * dropped, events without data are skipped. Works on bytes, so a multi-byte character split between
 * two network reads stays whole (a line end is never inside one). Not thread-safe: one per
 * response.
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
  private String name;
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
    return feedEvents(bytes).stream().map(SseEvent::data).toList();
  }

  /** Feeds the next bytes; returns the events they completed. */
  public List<SseEvent> feedEvents(ByteBuffer bytes) {
    List<SseEvent> events = new ArrayList<>(2);
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
    return finishEvents().stream().map(SseEvent::data).toList();
  }

  /** The stream ended: an event not closed by a blank line still counts. */
  public List<SseEvent> finishEvents() {
    List<SseEvent> events = new ArrayList<>(1);
    if (line.size() > 0) {
      endOfLine(events);
    }
    dispatch(events);
    return events;
  }

  private void dispatch(List<SseEvent> events) {
    if (data != null) {
      events.add(new SseEvent(name, data.toString()));
    }
    data = null;
    name = null;
  }

  private void endOfLine(List<SseEvent> events) {
    if (line.size() == 0) {
      eventBytes = 0;
      dispatch(events);
      return;
    }
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.startsWith(":")) {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("event")) {
      name = value.isEmpty() ? null : value;
      return;
    }
    if (!field.equals("data")) {
      return;
    }
    if (data == null) {
      data = new StringBuilder(value);
    } else {
      data.append('\n').append(value);
    }
  }
}
