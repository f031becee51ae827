package io.remotellm.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeLlmTest {
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

  private HttpResponse<String> post(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/chat/completions"))
            .header("authorization", "Bearer sk-test")
            .header("x-request-id", "r-1")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void streamsNumberedChunksThenUsageThenDone() throws Exception {
    fake.script(fake.script().withChunks(3));
    HttpResponse<String> response =
        post("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
    List<String> events = List.of(response.body().split("\n\n"));
    assertThat(events).hasSize(6);
    assertThat(events.get(0)).startsWith("data: {").contains("\"tok0 \"", "chat.completion.chunk");
    assertThat(events.get(2)).contains("\"tok2 \"");
    assertThat(events.get(3)).contains("\"finish_reason\":\"stop\"");
    assertThat(events.get(4)).contains("\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3");
    assertThat(events.get(5)).isEqualTo("data: [DONE]");
    assertThat(fake.awaitCompleted(1, Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void answersNonStreamingWithUsageAndRecordsTheRequest() throws Exception {
    HttpResponse<String> response = post("{\"model\":\"m\"}");
    assertThat(response.body()).contains("\"object\":\"chat.completion\"", "tok4 ", "\"usage\"");
    FakeLlm.RecordedRequest request = fake.chatRequests().get(0);
    assertThat(request.header("Authorization")).isEqualTo("Bearer sk-test");
    assertThat(request.header("x-request-id")).isEqualTo("r-1");
    assertThat(request.body()).isEqualTo("{\"model\":\"m\"}");
  }

  @Test
  void answersTheScriptedErrorAndHonoursPerRequestOverrides() throws Exception {
    fake.script(fake.script().withError(429, "{\"error\":{\"message\":\"slow down\"}}"));
    HttpResponse<String> response = post("{\"model\":\"m\"}");
    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.body()).isEqualTo("{\"error\":{\"message\":\"slow down\"}}");
    HttpResponse<String> overridden =
        post("{\"model\":\"m\",\"fake_llm\":{\"status\":200,\"chunks\":2}}");
    assertThat(overridden.statusCode()).isEqualTo(200);
    assertThat(overridden.body()).contains("tok1 ").doesNotContain("tok2");
  }

  @Test
  void countsAClientThatGoesAwayMidStream() throws Exception {
    fake.script(fake.script().withChunks(1000).withChunkDelay(Duration.ofMillis(5)));
    HttpResponse<InputStream> response =
        http.send(
            HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true}"))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    InputStream body = response.body();
    assertThat(body.read()).isEqualTo('d');
    body.close();
    assertThat(fake.awaitAborted(1, Duration.ofSeconds(10))).isTrue();
    assertThat(fake.completedCount()).isZero();
  }

  @Test
  void servesBothModelListsAndTheControlEndpoint() throws Exception {
    fake.script(fake.script().withModels(List.of("a", "b")));
    String models =
        http.send(
                HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(models).contains("\"id\":\"a\"", "\"id\":\"b\"");
    http.send(
        HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/_fake/script"))
            .POST(
                HttpRequest.BodyPublishers.ofString("{\"openai_models\":false,\"models\":[\"c\"]}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(404);
    String tags =
        http.send(
                HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/api/tags")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(tags).startsWith("{\"models\":[{\"name\":\"c\",\"model\":\"c\",");
    String stats =
        http.send(
                HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/_fake/stats")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(stats).contains("\"requests\":3");
  }
}
