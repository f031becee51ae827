package io.remotellm.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswerFrameEncoderTest {

  private static final List<String> AWKWARD =
      List.of(
          "",
          "plain",
          "line1\nline2\r\n\ttab \"q\" \\",
          "\u0000\u0001\u001f\u007f\b\f",
          "h\u00e9llo \u4e16\u754c \ud83d\ude00 \u2028\u2029");

  @Test
  void theCodecReadsBackExactlyWhatWasWritten() throws Exception {
    try (FrameCodec codec = new FrameCodec()) {
      for (String text : AWKWARD) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        if (!text.isEmpty()) {
          headers.put("x-" + text, text);
        }
        for (Frame.Answer frame :
            List.of(
                new Head("req-\"" + text, 200, headers),
                new Head("r", 599, Map.of()),
                new Failure("req-" + text, 502, "upstream_error", text),
                new Failure("r", 503, "at_" + text, ""),
                End.of("req-" + text),
                new End(
                    "r",
                    Json.createObjectBuilder()
                        .add("prompt_tokens", 5)
                        .add("note", text)
                        .add("details", Json.createObjectBuilder().add("cached", 1.5))
                        .build()))) {
          assertThat(codec.decode(AnswerFrameEncoder.encode(frame))).isEqualTo(frame);
        }
      }
    }
  }

  @Test
  void writesTheProtocolShape() {
    assertThat(AnswerFrameEncoder.encode(new Head("r1", 200, Map.of("content-type", "a/b"))))
        .isEqualTo(
            "{\"type\":\"head\",\"id\":\"r1\",\"status\":200,\"headers\":{\"content-type\":\"a/b\"}}");
    assertThat(AnswerFrameEncoder.encode(End.of("r1")))
        .isEqualTo("{\"type\":\"end\",\"id\":\"r1\"}");
    assertThat(AnswerFrameEncoder.encode(new Failure("r1", 504, "upstream_timeout", "slow")))
        .isEqualTo(
            "{\"type\":\"error\",\"id\":\"r1\",\"status\":504,\"code\":\"upstream_timeout\","
                + "\"message\":\"slow\"}");
  }
}
