package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NdjsonLineSplitterTest {

  @Test
  void cutsLinesVerbatimAcrossReadsWithoutSplittingCharacters() {
    NdjsonLineSplitter splitter = new NdjsonLineSplitter(1024);
    byte[] bytes = "{\"a\":\"é\"}\n{\"b\": 2 }\r\n{\"c\"".getBytes(StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>();
    // One byte at a time: the two bytes of é arrive in two reads.
    for (byte b : bytes) {
      lines.addAll(splitter.feed(ByteBuffer.wrap(new byte[] {b})));
    }
    assertThat(lines).containsExactly("{\"a\":\"é\"}", "{\"b\": 2 }\r");
    assertThat(splitter.finish()).containsExactly("{\"c\"");
    assertThat(splitter.finish()).isEmpty();
  }

  @Test
  void keepsAVeryLongLineWholeAcrossManyReadsAndEmptyLinesToo() {
    String text = "{\"x\":\"\u00e9\u20ac\ud83d\ude00\"}".repeat(50_000);
    byte[] bytes = (text + "\n\n{}\n").getBytes(StandardCharsets.UTF_8);
    NdjsonLineSplitter splitter = new NdjsonLineSplitter(bytes.length);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += 1021) {
      int n = Math.min(1021, bytes.length - i);
      lines.addAll(splitter.feed(ByteBuffer.wrap(bytes, i, n).asReadOnlyBuffer()));
    }
    assertThat(lines).containsExactly(text, "", "{}");
    assertThat(splitter.finish()).isEmpty();
  }

  @Test
  void theBoundIsPerLine() {
    NdjsonLineSplitter splitter = new NdjsonLineSplitter(4);
    for (int i = 0; i < 10; i++) {
      assertThat(splitter.feed(ByteBuffer.wrap("1234\n".getBytes()))).containsExactly("1234");
    }
  }

  @Test
  void refusesALineOverTheBound() {
    NdjsonLineSplitter splitter = new NdjsonLineSplitter(4);
    assertThatThrownBy(() -> splitter.feed(ByteBuffer.wrap("12345".getBytes())))
        .isInstanceOf(SseEventSplitter.EventTooLargeException.class);
  }

  @Test
  void ollamasCountsBecomeTheEndFramesUsage() {
    var usage =
        LlmBodyRelay.usageOf(
            "{\"done\":true,\"prompt_eval_count\":7,\"eval_count\":3,\"eval_duration\":1}");
    assertThat(usage.getInt("prompt_tokens")).isEqualTo(7);
    assertThat(usage.getInt("completion_tokens")).isEqualTo(3);
    assertThat(usage.getInt("total_tokens")).isEqualTo(10);
  }
}
