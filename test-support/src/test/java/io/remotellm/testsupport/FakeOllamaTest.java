package io.remotellm.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeOllamaTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeLlm fake;

  @BeforeEach
  void start() throws Exception {
    fake = FakeLlm.start();
    fake.script(fake.script().withChunks(3).withModels(List.of("llama3.2:latest")));
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

  private static JsonObject json(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }

  @Test
  void chatStreamsNdjsonByDefaultEndingWithCounts() throws Exception {
    HttpResponse<String> response =
        call("POST", "/api/chat", "{\"model\":\"llama3.2:latest\",\"messages\":[]}");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/x-ndjson");
    List<String> lines = response.body().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(json(lines.get(0)).getJsonObject("message").getString("content")).isEqualTo("tok0 ");
    assertThat(json(lines.get(2)).getBoolean("done")).isFalse();
    JsonObject last = json(lines.get(3));
    assertThat(last.getBoolean("done")).isTrue();
    assertThat(last.getInt("eval_count")).isEqualTo(3);
    assertThat(last.getInt("prompt_eval_count")).isEqualTo(7);
    assertThat(last.containsKey("total_duration")).isTrue();
    assertThat(response.body()).endsWith("}\n");
  }

  @Test
  void generateNotStreamedIsOneObject() throws Exception {
    HttpResponse<String> response =
        call("POST", "/api/generate", "{\"model\":\"m\",\"prompt\":\"hi\",\"stream\":false}");
    JsonObject answer = json(response.body());
    assertThat(answer.getString("response")).isEqualTo("tok0 tok1 tok2 ");
    assertThat(answer.getBoolean("done")).isTrue();
    assertThat(answer.getString("done_reason")).isEqualTo("stop");
    assertThat(answer.getInt("eval_count")).isEqualTo(3);
  }

  @Test
  void pacedStreamSendsTheFirstLineBeforeTheLast() throws Exception {
    fake.script(fake.script().withChunkDelay(Duration.ofMillis(300)));
    HttpResponse<java.io.InputStream> response =
        http.send(
            HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/api/chat"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    long started = System.nanoTime();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      assertThat(in.readLine()).contains("tok0 ");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(250));
      assertThat(in.lines().toList()).hasSize(3);
    }
  }

  @Test
  void listsVersionTagsPsAndShows() throws Exception {
    assertThat(call("GET", "/api/version", null).statusCode()).isEqualTo(404);
    fake.actAsOllama();
    assertThat(json(call("GET", "/api/version", null).body()).getString("version"))
        .isEqualTo(FakeOllama.VERSION);
    JsonObject tags = json(call("GET", "/api/tags", null).body());
    assertThat(tags.getJsonArray("models").getJsonObject(0).getString("name"))
        .isEqualTo("llama3.2:latest");
    JsonObject ps = json(call("GET", "/api/ps", null).body());
    assertThat(ps.getJsonArray("models").getJsonObject(0).containsKey("size_vram")).isTrue();
    HttpResponse<String> show = call("POST", "/api/show", "{\"name\":\"llama3.2:latest\"}");
    assertThat(json(show.body()).getJsonObject("details").getString("format")).isEqualTo("gguf");
    HttpResponse<String> missing = call("POST", "/api/show", "{\"model\":\"nope\"}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing.body()).getString("error")).contains("nope");
  }

  @Test
  void embedsOneOrManyAndTheLegacyWay() throws Exception {
    JsonObject many =
        json(call("POST", "/api/embed", "{\"model\":\"m\",\"input\":[\"ab\",\"abc\"]}").body());
    assertThat(many.getJsonArray("embeddings")).hasSize(2);
    assertThat(many.getJsonArray("embeddings").getJsonArray(1).getJsonNumber(0).doubleValue())
        .isEqualTo(3.0);
    JsonObject legacy =
        json(call("POST", "/api/embeddings", "{\"model\":\"m\",\"prompt\":\"ab\"}").body());
    assertThat(legacy.getJsonArray("embedding")).hasSize(3);
  }

  @Test
  void scriptedErrorsComeInOllamasShapeAndOffMeansNoOllama() throws Exception {
    HttpResponse<String> failed =
        call("POST", "/api/chat", "{\"model\":\"m\",\"fake_llm\":{\"status\":500}}");
    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(json(failed.body()).getString("error")).contains("500");
    fake.actAsOllama();
    fake.script(fake.script().withModelEndpoints(true, false));
    assertThat(call("GET", "/api/version", null).statusCode()).isEqualTo(404);
    assertThat(call("POST", "/api/chat", "{}").statusCode()).isEqualTo(404);
  }
}
