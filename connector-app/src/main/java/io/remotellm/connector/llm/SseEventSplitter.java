package io.remotellm.connector.llm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an SSE byte stream into events and returns each event's data, verbatim: the text after
 * {@code data:} and one optional space, several data lines joined by a newline, as the SSE spec
 * says, with the event's name ({@code event:}) when it has one. Comments and other fields are
 * dropped, events without data are skipped. Works on bytes ({@link ByteLines}), so a multi-byte
 * character split between two network reads stays whole; an event's data becomes one {@code
 * String}, decoded once from the bytes. Not thread-safe: one per response.
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

  private final ByteLines lines;

  /** The events completed by the current {@link #feedEvents} call. */
  private List<SseEvent> completed;

  /** The first data line of the event so far; {@link #more} once there is a second. */
  private String data;

  private StringBuilder more;
  private String name;

  /**
   * @param maxEventBytes the largest event kept; a larger one makes {@link #feed} throw
   */
  public SseEventSplitter(long maxEventBytes) {
    this.lines = new ByteLines(true, maxEventBytes, this::line);
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
    completed = new ArrayList<>(4);
    lines.feed(bytes);
    return completed;
  }

  /** The stream ended: an event not closed by a blank line still counts. */
  public List<String> finish() {
    return finishEvents().stream().map(SseEvent::data).toList();
  }

  /** The stream ended: an event not closed by a blank line still counts. */
  public List<SseEvent> finishEvents() {
    completed = new ArrayList<>(1);
    lines.finish();
    dispatch();
    return completed;
  }

  private void dispatch() {
    lines.resetCount();
    if (data != null) {
      completed.add(new SseEvent(name, more == null ? data : more.toString()));
    }
    data = null;
    more = null;
    name = null;
  }

  private void line(byte[] bytes, int from, int length) {
    if (length == 0) {
      dispatch();
      return;
    }
    if (bytes[from] == ':') {
      return; // a comment
    }
    int end = from + length;
    int colon = from;
    while (colon < end && bytes[colon] != ':') {
      colon++;
    }
    int value = colon < end ? colon + 1 : end;
    if (value < end && bytes[value] == ' ') {
      value++;
    }
    if (is(bytes, from, colon, DATA)) {
      String text = new String(bytes, value, end - value, StandardCharsets.UTF_8);
      if (data == null) {
        data = text;
      } else {
        if (more == null) {
          more = new StringBuilder(data);
        }
        more.append('\n').append(text);
      }
    } else if (is(bytes, from, colon, EVENT)) {
      name = value == end ? null : new String(bytes, value, end - value, StandardCharsets.UTF_8);
    }
  }

  private static final byte[] DATA = {'d', 'a', 't', 'a'};
  private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};

  private static boolean is(byte[] bytes, int from, int to, byte[] field) {
    if (to - from != field.length) {
      return false;
    }
    for (int i = 0; i < field.length; i++) {
      if (bytes[from + i] != field[i]) {
        return false;
      }
    }
    return true;
  }
}
