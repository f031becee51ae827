package io.remotellm.connector.llm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts an SSE byte stream into events and returns each event's data, verbatim: the text after
 * {@code data:} and one optional space, several data lines joined by a newline, as the SSE spec
 * says, with the event's name ({@code event:}) when it has one. Comments and other fields are
 * dropped, events without data are skipped. Works on bytes ({@link ByteLines}), so a multi-byte
 * character split between two network reads stays whole; an event's data stay bytes ({@link
 * SseEvent}), copied once out of the reads, and are decoded only if someone reads them as text. Not
 * thread-safe: one per response.
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

  /** The event's data lines so far, joined by LF; {@link #hasData} says whether there is one. */
  private byte[] data = new byte[0];

  private int dataLength;
  private boolean hasData;
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
    if (hasData) {
      completed.add(SseEvent.ofBytes(name, Arrays.copyOf(data, dataLength)));
    }
    hasData = false;
    dataLength = 0;
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
      // Decoding the joined bytes gives what joining each line's decoding gave: a malformed
      // sequence never reaches past a line end, which is ASCII.
      int size = end - value;
      int needed = dataLength + (hasData ? 1 : 0) + size;
      if (needed > data.length) {
        data = Arrays.copyOf(data, Math.max(needed, Math.max(128, 2 * data.length)));
      }
      if (hasData) {
        data[dataLength++] = '\n';
      }
      System.arraycopy(bytes, value, data, dataLength, size);
      dataLength += size;
      hasData = true;
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
