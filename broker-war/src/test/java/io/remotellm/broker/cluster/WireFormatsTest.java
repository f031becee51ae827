package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.usage.TokenUsage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The grid's route entries and the forwarded answer's lines survive the trip unchanged. */
class WireFormatsTest {

  @Test
  void memberRoutesRoundTripAndMatchModelsByApi() {
    MemberRoutes routes =
        new MemberRoutes(
            "uuid-1",
            "http://127.0.0.1:9001",
            List.of(
                new MemberRoutes.Connector(
                    "c1", Set.of("llama3:latest", "qwen"), Set.of("openai", "ollama"), 2)));
    MemberRoutes back = MemberRoutes.fromJson(routes.toJson());
    assertThat(back).isEqualTo(routes);
    MemberRoutes.Connector c = back.connectors().get(0);
    assertThat(c.serves("llama3", "openai")).isTrue();
    assertThat(c.serves("qwen", "anthropic")).isFalse();
    assertThat(c.serves("other", "openai")).isFalse();
  }

  @Test
  void eachEventIsOneLineAndReadsBack() {
    String data = SinkEvents.data("message_delta", "{\"text\":\"a\\nb\"}\nraw line");
    assertThat(data).endsWith("\n").doesNotContain("\nraw");
    var event = SinkEvents.parse(data);
    assertThat(event.getString("event")).isEqualTo("message_delta");
    assertThat(event.getString("payload")).isEqualTo("{\"text\":\"a\\nb\"}\nraw line");

    var head = SinkEvents.parse(SinkEvents.head(201, Map.of("content-type", "text/plain")));
    assertThat(head.getInt("status")).isEqualTo(201);
    assertThat(SinkEvents.headers(head)).containsEntry("content-type", "text/plain");

    ApiError error = ApiError.upstreamTimeout("took too long");
    var fail = SinkEvents.parse(SinkEvents.fail(error, true));
    assertThat(SinkEvents.error(fail)).isEqualTo(error);
    assertThat(fail.getBoolean("after_head")).isTrue();

    var usage =
        SinkEvents.parse(
            SinkEvents.usage(
                "c1", 200, false, new TokenUsage(12, 34, false), Duration.ofMillis(5)));
    assertThat(SinkEvents.tokens(usage)).isEqualTo(new TokenUsage(12, 34, false));
    assertThat(usage.getJsonNumber("ttft_ms").longValue()).isEqualTo(5);
  }
}
