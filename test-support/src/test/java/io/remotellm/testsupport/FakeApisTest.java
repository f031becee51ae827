package io.remotellm.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Responses and Anthropic Messages wire shapes of the fake LLM. */
class FakeApisTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeLlm fake;

  @BeforeEach
  void start() throws Exception {
    fake = FakeLlm.start();
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private HttpResponse<String> call(String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(fake.baseUrl() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anthropicStreamHasNamedEventsPingAndUsage() throws Exception {
    fake.script(fake.script().withChunks(2).withChunkDelay(Duration.ofMillis(5)));
    HttpResponse<String> response =
        call("POST", "/v1/messages", "{\"model\":\"m\",\"stream\":true,\"max_tokens\":9}");
    List<String> events = List.of(response.body().split("\n\n"));
    assertThat(events)
        .extracting(e -> e.substring("event: ".length(), e.indexOf('\n')))
        .containsExactly(
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    assertThat(events.get(0)).contains("\"usage\":{\"input_tokens\":7");
    assertThat(events.get(4)).contains("\"text\":\"tok1 \"");
    assertThat(events.get(6)).contains("\"usage\":{\"output_tokens\":2}");
    assertThat(fake.awaitCompleted(1, Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void anthropicMessageCountAndScriptedErrorInAnthropicsShape() throws Exception {
    assertThat(call("POST", "/v1/messages", "{\"model\":\"m\"}").body())
        .contains("\"type\":\"message\"", "\"text\":\"tok0 tok1 tok2 tok3 tok4 \"");
    assertThat(call("POST", "/v1/messages/count_tokens", "{\"model\":\"m\"}").body())
        .isEqualTo("{\"input_tokens\":7}");
    fake.script(fake.script().withError(529, null));
    HttpResponse<String> refused = call("POST", "/v1/messages", "{\"model\":\"m\"}");
    assertThat(refused.statusCode()).isEqualTo(529);
    assertThat(refused.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"api_error\"");
  }

  @Test
  void responsesStreamEndsWithCompletedAndTheResponseIsKept() throws Exception {
    fake.script(fake.script().withChunks(3));
    HttpResponse<String> response =
        call("POST", "/v1/responses", "{\"model\":\"m\",\"stream\":true,\"input\":\"hi\"}");
    List<String> events = List.of(response.body().split("\n\n"));
    assertThat(events.get(0)).startsWith("event: response.created\ndata: {");
    assertThat(events).filteredOn(e -> e.contains("output_text.delta")).hasSize(3);
    String last = events.get(events.size() - 1);
    assertThat(last)
        .startsWith("event: response.completed\n")
        .contains("\"usage\":{\"input_tokens\":7", "\"output_tokens\":3");
    String id = last.replaceFirst("(?s).*?\"response\":\\{\"id\":\"([^\"]+)\".*", "$1");
    assertThat(call("GET", "/v1/responses/" + id, null).body())
        .contains("\"status\":\"completed\"");
    assertThat(call("POST", "/v1/responses/" + id + "/cancel", null).body())
        .contains("\"status\":\"cancelled\"");
    assertThat(call("DELETE", "/v1/responses/" + id, null).body()).contains("\"deleted\":true");
    assertThat(call("GET", "/v1/responses/" + id, null).statusCode()).isEqualTo(404);
    assertThat(call("POST", "/v1/responses/input_tokens", "{\"model\":\"m\"}").body())
        .contains("\"input_tokens\":7");
  }
}
