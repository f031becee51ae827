package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DataFrameEncoderTest {

  @Test
  void theCodecReadsBackExactlyWhatWasWritten() throws Exception {
    List<String> awkward =
        List.of(
            "",
            "plain",
            "{\"a\":\"b \\\"q\\\" \\\\ \\n\"}",
            "line1\nline2\r\n\ttab",
            "\u0000\u0001\u001f\u007f\b\f",
            "h\u00e9llo \u4e16\u754c \ud83d\ude00",
            "\\u0041 is not unescaped",
            "\u2028\u2029",
            "x".repeat(70_000),
            // Escapes and surrogate pairs on both sides of JsonText's 512-char blocks.
            "a".repeat(510) + "\"\\\n\ud83d\ude00\u0001" + "b".repeat(1020) + "\ud83d\ude00\"",
            "a".repeat(511) + "\ud83d\ude00" + "\u0002".repeat(600),
            "\"".repeat(1500));
    try (FrameCodec codec = new FrameCodec()) {
      for (String payload : awkward) {
        Data frame = new Data("req-\"1\"", payload);
        assertThat(codec.decode(DataFrameEncoder.encode(frame))).isEqualTo(frame);
      }
    }
  }

  @Test
  void writesTheProtocolShape() {
    assertThat(DataFrameEncoder.encode(new Data("r1", "{\"x\":1}")))
        .isEqualTo("{\"type\":\"data\",\"id\":\"r1\",\"data\":\"{\\\"x\\\":1}\"}");
  }
}
