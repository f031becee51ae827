package io.remotellm.broker.it;

import static io.remotellm.broker.it.TestDeployments.MAX_BODY;
import static io.remotellm.broker.it.TestDeployments.PLAIN_TOKEN;
import static io.remotellm.broker.it.TestDeployments.USER_KEY;
import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Request;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ollama's native API on the broker deployed on Payara Micro: routing by model to a scripted
 * connector, NDJSON framing (flushed per line, streamed by default), keep-alives, cancel, errors in
 * Ollama's shape and refused model management. One deployment for all.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class OllamaIT {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String NDJSON = "application/x-ndjson";

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  private final List<ConnectorPeer> peers = new ArrayList<>();

  @Deployment(testable = false)
  static WebArchive deployment() {
    return TestDeployments.broker(
        String.join(
            "\n",
            "remotellm.broker.user-api-keys=" + USER_KEY,
            "remotellm.broker.connector-tokens=" + PLAIN_TOKEN,
            "remotellm.broker.keepalive-seconds=1",
            "remotellm.broker.upstream-timeout-seconds=8",
            "remotellm.broker.max-body-bytes=" + MAX_BODY,
            ""));
  }

  @AfterEach
  void closePeers() {
    peers.forEach(ConnectorPeer::close);
  }

  /** A connector whose LLM is an Ollama: it offers OpenAI's API and Ollama's own. */
  private ConnectorPeer attach(String... models) throws Exception {
    return attachOffering(List.of("openai", "ollama"), models);
  }

  private ConnectorPeer attachOffering(List<String> apis, String... models) throws Exception {
    URI ws = URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws");
    ConnectorPeer peer = ConnectorPeer.attachWithApis(ws, PLAIN_TOKEN, apis, models);
    peers.add(peer);
    return peer;
  }

  private HttpRequest.Builder call(String path) {
    return HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
        .timeout(WAIT)
        .header("Authorization", "Bearer " + USER_KEY);
  }

  private HttpRequest.Builder post(String path, String body) {
    return call(path)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject json(String text) {
    return Json.createReader(new StringReader(text)).readObject();
  }

  private static String error(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    JsonObject body = json(response.body());
    assertThat(body.keySet()).containsExactly("error");
    return body.getString("error");
  }

  @Test
  void chatStreamsByDefaultAsNdjsonFlushedPerLineWithTheLinesUnchanged() throws Exception {
    ConnectorPeer peer = attach("llama3.2:latest");
    String body =
        "{\"model\":\"llama3.2:latest\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    CompletableFuture<HttpResponse<InputStream>> pending =
        http.sendAsync(
            post("/api/chat", body).header("x-request-id", "rid-ollama-1").build(),
            HttpResponse.BodyHandlers.ofInputStream());
    Request request = peer.await(Request.class);
    assertThat(request.path()).isEqualTo("/api/chat");
    assertThat(request.stream()).isTrue();
    assertThat(request.body()).isEqualTo(body);
    assertThat(request.headers()).containsEntry("x-request-id", "rid-ollama-1");
    String first =
        "{\"model\":\"llama3.2:latest\",\"message\":{\"content\":\"Hé \"},\"done\":false}";
    peer.send(new Head(request.id(), 200, Map.of("content-type", NDJSON)));
    peer.send(new Data(request.id(), first));
    HttpResponse<InputStream> response = pending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue(NDJSON);
    assertThat(response.headers().firstValue("x-request-id")).hasValue("rid-ollama-1");
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      // The first line arrives while the LLM is still generating: flushed, not buffered.
      assertThat(lines.readLine()).isEqualTo(first);
      String last = "{\"done\":true,\"eval_count\":1}";
      peer.send(new Data(request.id(), last));
      peer.send(End.of(request.id()));
      assertThat(lines.readLine()).isEqualTo(last);
      assertThat(lines.readLine()).isNull();
    }
  }

  @Test
  void routesByModelAndApiWithTaggedAndUntaggedNamesAsOne() throws Exception {
    ConnectorPeer openAiOnly = attachOffering(List.of("openai"), "route-model", "openai-model");
    ConnectorPeer ollama = attach("route-model:latest");
    CompletableFuture<HttpResponse<String>> pending =
        http.sendAsync(
            post("/api/chat", "{\"model\":\"route-model\",\"stream\":false}").build(),
            HttpResponse.BodyHandlers.ofString());
    Request request = ollama.await(Request.class);
    assertThat(request.api()).isEqualTo("ollama");
    peerAnswers(ollama, request, "{\"done\":true}");
    assertThat(pending.get(WAIT.toSeconds(), TimeUnit.SECONDS).body()).isEqualTo("{\"done\":true}");
    assertThat(openAiOnly.poll(Duration.ofMillis(100))).isNull();

    HttpResponse<String> notOffered = send(post("/api/chat", "{\"model\":\"openai-model\"}"));
    assertThat(notOffered.statusCode()).isEqualTo(404);
    assertThat(error(notOffered)).contains("openai-model", "not through the Ollama API", "openai");
  }

  private static void peerAnswers(ConnectorPeer peer, Request request, String body) {
    peer.send(new Head(request.id(), 200, Map.of("content-type", "application/json")));
    peer.send(new Data(request.id(), body));
    peer.send(End.of(request.id()));
  }

  @Test
  void generateNotStreamedIsRelayedWholeAndEmbedNeverStreams() throws Exception {
    ConnectorPeer peer = attach("gen-model");
    CompletableFuture<HttpResponse<String>> generate =
        http.sendAsync(
            post("/api/generate", "{\"model\":\"gen-model\",\"prompt\":\"x\",\"stream\":false}")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Request request = peer.await(Request.class);
    assertThat(request.path()).isEqualTo("/api/generate");
    assertThat(request.stream()).isFalse();
    peer.send(new Head(request.id(), 200, Map.of("content-type", "application/json")));
    peer.send(new Data(request.id(), "{\"response\":\"ok\","));
    peer.send(new Data(request.id(), "\"done\":true}"));
    peer.send(End.of(request.id()));
    HttpResponse<String> answer = generate.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("{\"response\":\"ok\",\"done\":true}");

    CompletableFuture<HttpResponse<String>> embed =
        http.sendAsync(
            post("/api/embed", "{\"model\":\"gen-model\",\"input\":\"x\",\"stream\":true}").build(),
            HttpResponse.BodyHandlers.ofString());
    Request embedRequest = peer.await(Request.class);
    assertThat(embedRequest.path()).isEqualTo("/api/embed");
    assertThat(embedRequest.stream()).isFalse();
    peer.send(new Head(embedRequest.id(), 200, Map.of("content-type", "application/json")));
    peer.send(new Data(embedRequest.id(), "{\"embeddings\":[[1.0]]}"));
    peer.send(End.of(embedRequest.id()));
    assertThat(embed.get(WAIT.toSeconds(), TimeUnit.SECONDS).body())
        .isEqualTo("{\"embeddings\":[[1.0]]}");
  }

  @Test
  void showTakesTheModelAsNameToo() throws Exception {
    ConnectorPeer peer = attach("show-model");
    CompletableFuture<HttpResponse<String>> show =
        http.sendAsync(
            post("/api/show", "{\"name\":\"show-model\"}").build(),
            HttpResponse.BodyHandlers.ofString());
    Request request = peer.await(Request.class);
    assertThat(request.path()).isEqualTo("/api/show");
    peer.send(new Head(request.id(), 404, Map.of("content-type", "application/json")));
    peer.send(new Data(request.id(), "{\"error\":\"model 'show-model' not found\"}"));
    peer.send(End.of(request.id()));
    HttpResponse<String> answer = show.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    // The LLM's own refusal, status and body unchanged.
    assertThat(answer.statusCode()).isEqualTo(404);
    assertThat(error(answer)).isEqualTo("model 'show-model' not found");
  }

  @Test
  void versionTagsAndPsAreAnsweredByTheBrokerAsTheUnionOfConnectors() throws Exception {
    attach("tags-a", "tags-shared");
    attach("tags-b:latest", "tags-shared");
    HttpResponse<String> version = send(call("/api/version"));
    assertThat(version.statusCode()).isEqualTo(200);
    assertThat(json(version.body()).getString("version")).matches("\\d+\\.\\d+\\.\\d+");
    for (String path : List.of("/api/tags", "/api/ps")) {
      HttpResponse<String> list = send(call(path));
      assertThat(list.statusCode()).isEqualTo(200);
      List<JsonObject> models =
          json(list.body()).getJsonArray("models").getValuesAs(JsonObject.class);
      assertThat(models.stream().map(m -> m.getString("name")).filter(n -> n.startsWith("tags-")))
          .containsExactlyInAnyOrder("tags-a", "tags-b:latest", "tags-shared");
      JsonObject one = models.get(0);
      assertThat(one.keySet()).contains("name", "model", "size", "digest", "details");
    }
  }

  @Test
  void keepAliveIsASpaceBeforeTheFirstLineAndAFailureAfterItIsAnErrorLine() throws Exception {
    ConnectorPeer peer = attach("slow-model");
    HttpResponse<InputStream> response =
        http.sendAsync(
                post("/api/chat", "{\"model\":\"slow-model\"}").build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    // Headers came before any token: the keep-alive (every second here) sent them.
    Request request = peer.await(Request.class);
    assertThat(response.statusCode()).isEqualTo(200);
    InputStream in = response.body();
    assertThat(in.read()).isEqualTo(' ');
    peer.send(new Failure(request.id(), 502, "upstream_error", "LLM unreachable"));
    String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    // Whitespace before a JSON value is still JSON: the line parses as Ollama's error.
    assertThat(rest.strip()).isEqualTo("{\"error\":\"LLM unreachable\"}");
    assertThat(rest).endsWith("}\n");
  }

  @Test
  void aClientThatLeavesMidStreamCancelsTheRequest() throws Exception {
    ConnectorPeer peer = attach("leave-model");
    HttpResponse<InputStream> response =
        http.sendAsync(
                post("/api/generate", "{\"model\":\"leave-model\",\"prompt\":\"x\"}").build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Request request = peer.await(Request.class);
    peer.send(new Head(request.id(), 200, Map.of("content-type", NDJSON)));
    peer.send(new Data(request.id(), "{\"response\":\"a\",\"done\":false}"));
    response.body().close();
    // Tokens keep coming until the broker notices the client is gone and says cancel.
    Cancel cancel = null;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (cancel == null && System.nanoTime() < deadline) {
      peer.send(
          new Data(request.id(), "{\"response\":\"" + "b".repeat(4096) + "\",\"done\":false}"));
      if (peer.poll(Duration.ofMillis(50)) instanceof Cancel c) {
        cancel = c;
      }
    }
    assertThat(cancel).isNotNull();
    assertThat(cancel.id()).isEqualTo(request.id());
  }

  @Test
  void errorsComeInOllamasShapeWithTheUsualStatuses() throws Exception {
    HttpResponse<String> noKey =
        http.send(
            HttpRequest.newBuilder(URI.create(base.toString()).resolve("/api/tags")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(error(noKey)).contains("API key");
    HttpResponse<String> unknown = send(post("/api/chat", "{\"model\":\"nobody-serves-this\"}"));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(error(unknown)).contains("nobody-serves-this");
    HttpResponse<String> notJson = send(post("/api/chat", "{not json"));
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(error(notJson)).contains("not valid JSON");
    HttpResponse<String> noModel = send(post("/api/generate", "{\"prompt\":\"x\"}"));
    assertThat(noModel.statusCode()).isEqualTo(400);
    assertThat(error(noModel)).contains("model");
    HttpResponse<String> big =
        send(post("/api/chat", "{\"model\":\"m\",\"x\":\"" + "a".repeat(MAX_BODY) + "\"}"));
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(error(big)).contains("larger");
    HttpResponse<String> wrongMethod = send(call("/api/chat"));
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    error(wrongMethod);
    HttpResponse<String> nowhere = send(call("/api/nothing-here"));
    assertThat(nowhere.statusCode()).isEqualTo(404);
    assertThat(error(nowhere)).contains("/api/chat");
  }

  @Test
  void modelManagementIsRefused() throws Exception {
    ConnectorPeer peer = attach("managed-model");
    List<HttpRequest.Builder> attempts =
        List.of(
            post("/api/pull", "{\"model\":\"managed-model\"}"),
            post("/api/push", "{\"model\":\"managed-model\"}"),
            post("/api/create", "{\"model\":\"managed-model\"}"),
            post("/api/copy", "{\"source\":\"managed-model\",\"destination\":\"x\"}"),
            // Without a body: Payara's HTTP layer refuses a DELETE with one (400) before any
            // servlet sees it, which refuses it just as well.
            call("/api/delete").DELETE(),
            call("/api/blobs/sha256:abc").method("HEAD", HttpRequest.BodyPublishers.noBody()));
    for (HttpRequest.Builder attempt : attempts) {
      HttpResponse<String> refused = send(attempt);
      assertThat(refused.statusCode())
          .as(refused.request().method() + " " + refused.request().uri().getPath())
          .isEqualTo(403);
      if (!refused.request().method().equals("HEAD")) {
        assertThat(error(refused)).isEqualTo("model management is disabled on this broker");
      }
    }
    // Nothing reached the connector.
    assertThat(peer.poll(Duration.ofMillis(200))).isNull();
  }
}
