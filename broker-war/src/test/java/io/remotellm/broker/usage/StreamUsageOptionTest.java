package io.remotellm.broker.usage;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class StreamUsageOptionTest {

  private static final String PATH = "/v1/chat/completions";

  @Test
  void aStreamedChatWithoutTheOptionGetsItAndKeepsEveryOtherByte() {
    String body =
        "  {\"model\":\"m\", \"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    StreamUsageOption.Prepared prepared = StreamUsageOption.prepare(PATH, true, body);
    assertThat(prepared.added()).isTrue();
    assertThat(prepared.body())
        .isEqualTo(
            "  {\"stream_options\":{\"include_usage\":true},\"model\":\"m\", \"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    assertThat(parse(prepared.body()).getJsonObject("stream_options").getBoolean("include_usage"))
        .isTrue();
  }

  @Test
  void aClientThatAskedItselfIsLeftAlone() {
    String body = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
    assertThat(StreamUsageOption.prepare(PATH, true, body))
        .isEqualTo(new StreamUsageOption.Prepared(body, false));
  }

  @Test
  void otherStreamOptionsAreKeptAndUsageIsAdded() {
    String body =
        "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":false,"
            + "\"include_obfuscation\":false}}";
    StreamUsageOption.Prepared prepared = StreamUsageOption.prepare(PATH, true, body);
    assertThat(prepared.added()).isTrue();
    JsonObject options = parse(prepared.body()).getJsonObject("stream_options");
    assertThat(options.getBoolean("include_usage")).isTrue();
    assertThat(options.getBoolean("include_obfuscation")).isFalse();
    assertThat(parse(prepared.body()).getString("model")).isEqualTo("m");
  }

  @Test
  void nothingChangesWhenNotStreamedOrNotAChat() {
    String body = "{\"model\":\"m\"}";
    assertThat(StreamUsageOption.prepare(PATH, false, body).body()).isSameAs(body);
    assertThat(StreamUsageOption.prepare("/v1/embeddings", true, body).added()).isFalse();
    assertThat(StreamUsageOption.prepare("/v1/completions", true, body).added()).isFalse();
  }

  private static JsonObject parse(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }
}
