package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventSplitterTest {

  private static List<String> split(byte[] bytes, int pieceSize) {
    SseEventSplitter splitter = new SseEventSplitter();
    List<String> events = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += pieceSize) {
      events.addAll(
          splitter.feed(
              ByteBuffer.wrap(
                  Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + pieceSize)))));
    }
    events.addAll(splitter.finish());
    return events;
  }

  @Test
  void givesEachEventsPayloadVerbatimWhateverTheReadSizes() {
    String stream =
        "data: {\"a\":\"h\u00e9llo \\\"x\\\"\"}\n\n: keep-alive\n\ndata:{\"b\":2}\r\n\r\n"
            + "event: message\ndata: line1\ndata: line2\n\nid: 5\n\ndata: [DONE]\n\n";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int size : new int[] {1, 2, 3, 7, bytes.length}) {
      assertThat(split(bytes, size))
          .as("pieces of %d bytes", size)
          .containsExactly(
              "{\"a\":\"h\u00e9llo \\\"x\\\"\"}", "{\"b\":2}", "line1\nline2", "[DONE]");
    }
  }

  @Test
  void keepsALastEventWithoutTheClosingBlankLine() {
    assertThat(split("data: one\n\ndata: two".getBytes(StandardCharsets.UTF_8), 4))
        .containsExactly("one", "two");
  }

  @Test
  void handlesOldMacLineEndsAndEmptyData() {
    assertThat(split("data: x\r\rdata:\r\r".getBytes(StandardCharsets.UTF_8), 1))
        .containsExactly("x", "");
  }

  @Test
  void refusesAnEventLargerThanItsBoundButNotManySmallOnes() {
    SseEventSplitter splitter = new SseEventSplitter(64);
    for (int i = 0; i < 100; i++) {
      assertThat(
              splitter.feed(
                  ByteBuffer.wrap(
                      ("data: " + "x".repeat(40) + "\n\n").getBytes(StandardCharsets.UTF_8))))
          .hasSize(1);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                splitter.feed(
                    ByteBuffer.wrap(("data: " + "y".repeat(100)).getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(SseEventSplitter.EventTooLargeException.class);
  }

  @Test
  void keepsEachEventsNameAndForgetsItAfterTheEvent() {
    SseEventSplitter splitter = new SseEventSplitter();
    byte[] bytes =
        ("event: message_start\ndata: {\"a\":1}\n\nevent: ping\ndata: {}\n\n"
                + "data: unnamed\n\nevent: ignored-without-data\n\nevent:response.completed\r\n"
                + "data: {\"z\":2}")
            .getBytes(StandardCharsets.UTF_8);
    List<SseEvent> events = new ArrayList<>(splitter.feedEvents(ByteBuffer.wrap(bytes)));
    events.addAll(splitter.finishEvents());
    assertThat(events)
        .containsExactly(
            new SseEvent("message_start", "{\"a\":1}"),
            new SseEvent("ping", "{}"),
            new SseEvent(null, "unnamed"),
            new SseEvent("response.completed", "{\"z\":2}"));
  }

  @Test
  void keepsAVeryLongEventWithMultiByteCharactersWholeAcrossReadOnlyAndDirectReads() {
    // 300,000 chars of 1-, 2-, 3- and 4-byte UTF-8, so reads of 4,093 bytes cut characters.
    String text = "a\u00e9\u20ac\ud83d\ude00\"".repeat(60_000);
    byte[] bytes =
        ("event: big\r\ndata: " + text + "\r\ndata: tail\r\n\r\ndata: next\n\n")
            .getBytes(StandardCharsets.UTF_8);
    for (boolean direct : new boolean[] {false, true}) {
      SseEventSplitter splitter = new SseEventSplitter(2_000_000);
      List<SseEvent> events = new ArrayList<>();
      for (int i = 0; i < bytes.length; i += 4093) {
        int n = Math.min(4093, bytes.length - i);
        ByteBuffer piece =
            direct
                ? ByteBuffer.allocateDirect(n).put(bytes, i, n).flip()
                : ByteBuffer.wrap(bytes, i, n).slice().asReadOnlyBuffer();
        events.addAll(splitter.feedEvents(piece));
        assertThat(piece.hasRemaining()).isFalse();
      }
      events.addAll(splitter.finishEvents());
      assertThat(events)
          .as(direct ? "direct buffers" : "read-only buffers")
          .containsExactly(new SseEvent("big", text + "\ntail"), new SseEvent(null, "next"));
    }
  }

  @Test
  void readsAnEventFromTheMiddleOfALargerArray() {
    byte[] bytes = "XXXXdata: mid\n\nYYYY".getBytes(StandardCharsets.UTF_8);
    SseEventSplitter splitter = new SseEventSplitter();
    assertThat(splitter.feed(ByteBuffer.wrap(bytes, 4, 15).slice())).containsExactly("mid");
    assertThat(splitter.finish()).isEmpty();
  }

  @Test
  void countsTheBoundAcrossReadsOfOneEvent() {
    SseEventSplitter splitter = new SseEventSplitter(64);
    for (int i = 0; i < 4; i++) { // 4 × 16 bytes: exactly the bound
      splitter.feed(ByteBuffer.wrap("data: 0123456789\n".getBytes(StandardCharsets.UTF_8)));
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> splitter.feed(ByteBuffer.wrap("data: 0123".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(SseEventSplitter.EventTooLargeException.class);
  }
}
