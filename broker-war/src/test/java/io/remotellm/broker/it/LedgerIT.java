package io.remotellm.broker.it;

import static io.remotellm.broker.it.TestDeployments.PLAIN_TOKEN;
import static io.remotellm.broker.it.TestDeployments.USER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Request;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.InputStream;
import java.io.StringReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
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
 * The usage ledger on Payara Micro with its default, embedded database under the data directory:
 * what the LLM reported lands in the ledger's rows and daily totals, streamed with and without
 * {@code include_usage} (the client then sees no extra chunk), not streamed, cancelled and failed.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class LedgerIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

  // Opening the database (H2 file, Flyway, the JPA unit) took over 20 s on a loaded 2-core CI
  // machine (load 38); it is a one-off start cost, not what these tests measure.
  private static final Duration OPEN_WAIT = Duration.ofSeconds(90);
  private static final String MODEL = "ledger-model";
  private static final String CHUNK_A =
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}";
  private static final String CHUNK_B =
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}],\"usage\":null}";

  @ArquillianResource URL base;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  private ConnectorPeer peer;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return TestDeployments.brokerWithLedgerProbe(
        String.join(
            "\n",
            "remotellm.broker.user-api-keys=" + USER_KEY,
            "remotellm.broker.connector-tokens=" + PLAIN_TOKEN,
            "remotellm.broker.keepalive-seconds=1",
            "remotellm.broker.upstream-timeout-seconds=8",
            ""));
  }

  @AfterEach
  void close() {
    if (peer != null) {
      peer.close();
    }
  }

  private URI api(String path) {
    return URI.create(base.toString()).resolve(path);
  }

  private HttpRequest chat(String requestId, String body) {
    return HttpRequest.newBuilder(api("/v1/chat/completions"))
        .timeout(WAIT)
        .header("Authorization", "Bearer " + USER_KEY)
        .header("Content-Type", "application/json")
        .header("x-request-id", requestId)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static String usageChunk(int prompt, int completion) {
    return "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{"
        + "\"prompt_tokens\":"
        + prompt
        + ",\"completion_tokens\":"
        + completion
        + ",\"total_tokens\":"
        + (prompt + completion)
        + "}}";
  }

  private JsonValue probe(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(api("/v1/~ledger-probe/" + path))
                .timeout(WAIT)
                .header("Authorization", "Bearer " + USER_KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.createReader(new StringReader(response.body())).readValue();
  }

  /** Answers a streamed request with {@code events} (and [DONE], end). */
  private void stream(Request request, String... events) {
    peer.send(new Head(request.id(), 200, Map.of("content-type", "text/event-stream")));
    for (String event : events) {
      peer.send(new Data(request.id(), event));
    }
    peer.send(new Data(request.id(), "[DONE]"));
    peer.send(End.of(request.id()));
  }

  @Test
  void theEmbeddedLedgerRunsOnTheWarsPinnedH2NotPayarasOwn() throws Exception {
    await().atMost(WAIT).until(() -> ((JsonObject) probe("state")).getBoolean("open"));
    // The test's class path has the H2 the parent pom pins, as the WAR bundles it; Payara Micro
    // carries an older one (2.2.224 in 6.2025.10), which parent-first loading would pick.
    String pinned = org.h2.engine.Constants.VERSION;
    assertThat(((JsonObject) probe("state")).getString("h2"))
        .isEqualTo("H2 " + pinned + " from h2-" + pinned + ".jar");
  }

  @Test
  void everyKindOfRequestLandsInTheLedgerWithTheUsageTheLlmReported() throws Exception {
    Instant since = Instant.now().minusSeconds(5);
    await().atMost(OPEN_WAIT).until(() -> ((JsonObject) probe("state")).getBoolean("open"));
    peer =
        ConnectorPeer.attach(
            URI.create(base.toString().replaceFirst("^http", "ws")).resolve("/ws"),
            PLAIN_TOKEN,
            MODEL);

    // 1. Streamed, the client did not ask for usage: the broker asks, and hides the chunk.
    CompletableFuture<HttpResponse<String>> hidden =
        http.sendAsync(
            chat("ledger-hidden", "{\"model\":\"" + MODEL + "\",\"stream\":true,\"messages\":[]}"),
            HttpResponse.BodyHandlers.ofString());
    Request r1 = peer.await(Request.class);
    JsonObject upstream = Json.createReader(new StringReader(r1.body())).readObject();
    assertThat(upstream.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    stream(r1, CHUNK_A, CHUNK_B, usageChunk(11, 2));
    HttpResponse<String> hiddenAnswer = hidden.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(hiddenAnswer.statusCode()).isEqualTo(200);
    assertThat(dataLines(hiddenAnswer.body()))
        .containsExactly("data: " + CHUNK_A, "data: " + CHUNK_B, "data: [DONE]");

    // 2. Streamed, the client asked: it sees the usage chunk, as sent.
    String asked =
        "{\"model\":\""
            + MODEL
            + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}";
    CompletableFuture<HttpResponse<String>> shown =
        http.sendAsync(chat("ledger-asked", asked), HttpResponse.BodyHandlers.ofString());
    Request r2 = peer.await(Request.class);
    assertThat(r2.body()).isEqualTo(asked);
    stream(r2, CHUNK_A, usageChunk(20, 1));
    assertThat(dataLines(shown.get(WAIT.toSeconds(), TimeUnit.SECONDS).body()))
        .containsExactly("data: " + CHUNK_A, "data: " + usageChunk(20, 1), "data: [DONE]");

    // 3. Not streamed: the body's usage.
    CompletableFuture<HttpResponse<String>> plain =
        http.sendAsync(
            chat("ledger-plain", "{\"model\":\"" + MODEL + "\",\"messages\":[]}"),
            HttpResponse.BodyHandlers.ofString());
    Request r3 = peer.await(Request.class);
    peer.send(new Head(r3.id(), 200, Map.of("content-type", "application/json")));
    peer.send(
        new Data(
            r3.id(),
            "{\"id\":\"c3\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"Hi\"}}],"
                + "\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":4,\"total_tokens\":34}}"));
    peer.send(End.of(r3.id()));
    assertThat(plain.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);

    // 4. Failed mid-stream: what came before the cut, estimated.
    CompletableFuture<HttpResponse<String>> failing =
        http.sendAsync(
            chat("ledger-failed", "{\"model\":\"" + MODEL + "\",\"stream\":true}"),
            HttpResponse.BodyHandlers.ofString());
    Request r4 = peer.await(Request.class);
    peer.send(new Head(r4.id(), 200, Map.of("content-type", "text/event-stream")));
    peer.send(new Data(r4.id(), CHUNK_A));
    peer.send(new Failure(r4.id(), 502, "upstream_error", "the LLM went away"));
    assertThat(failing.get(WAIT.toSeconds(), TimeUnit.SECONDS).body()).contains("upstream_error");

    // 5. Cancelled: the client leaves while tokens flow.
    HttpResponse<InputStream> leaving =
        http.sendAsync(
                chat("ledger-cancelled", "{\"model\":\"" + MODEL + "\",\"stream\":true}"),
                HttpResponse.BodyHandlers.ofInputStream())
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Request r5 = peer.await(Request.class);
    peer.send(new Head(r5.id(), 200, Map.of("content-type", "text/event-stream")));
    peer.send(new Data(r5.id(), CHUNK_A));
    try (SseLines lines = new SseLines(leaving.body())) {
      lines.until("data: " + CHUNK_A, WAIT);
    }
    // Tokens keep coming until the broker notices and says cancel.
    Thread generator =
        new Thread(
            () -> {
              for (int i = 0; i < 200 && peer.isOpen(); i++) {
                peer.send(new Data(r5.id(), CHUNK_B));
                try {
                  TimeUnit.MILLISECONDS.sleep(50); // an LLM's pace, not a wait for an event
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    generator.setDaemon(true);
    generator.start();
    assertThat(peer.await(Cancel.class).id()).isEqualTo(r5.id());
    generator.interrupt();
    generator.join(5000);

    // The rows, as the LLM reported them.
    Map<String, JsonObject> rows = new HashMap<>();
    await()
        .atMost(WAIT)
        .until(
            () -> {
              rows.clear();
              for (JsonValue v : (JsonArray) probe("rows?since=" + since)) {
                JsonObject row = v.asJsonObject();
                rows.put(row.getString("request_id"), row);
              }
              return rows.keySet()
                  .containsAll(
                      List.of(
                          "ledger-hidden",
                          "ledger-asked",
                          "ledger-plain",
                          "ledger-failed",
                          "ledger-cancelled"));
            });
    assertRow(rows.get("ledger-hidden"), 200, 11, 2, false, false);
    assertRow(rows.get("ledger-asked"), 200, 20, 1, false, false);
    assertRow(rows.get("ledger-plain"), 200, 30, 4, false, false);
    JsonObject failed = rows.get("ledger-failed");
    assertThat(failed.getInt("status")).isEqualTo(502);
    assertThat(failed.getBoolean("estimated")).isTrue();
    assertThat(failed.getJsonNumber("output_tokens").longValue()).isEqualTo(1);
    JsonObject cancelled = rows.get("ledger-cancelled");
    assertThat(cancelled.getInt("status")).isEqualTo(499);
    assertThat(cancelled.getBoolean("cancelled")).isTrue();
    assertThat(cancelled.getBoolean("estimated")).isTrue();
    assertThat(cancelled.getJsonNumber("output_tokens").longValue()).isGreaterThanOrEqualTo(1);
    assertThat(rows.get("ledger-hidden").getString("api")).isEqualTo("openai");
    assertThat(rows.get("ledger-hidden").getString("connector")).isNotBlank();
    assertThat(rows.get("ledger-hidden").getJsonNumber("first_token_ms").longValue())
        .isBetween(0L, rows.get("ledger-hidden").getJsonNumber("duration_ms").longValue());

    // The day's totals for this model add up the same rows.
    long input = 0;
    long output = 0;
    for (JsonObject row : rows.values()) {
      input += row.getJsonNumber("input_tokens").longValue();
      output += row.getJsonNumber("output_tokens").longValue();
    }
    JsonObject day =
        ((JsonArray) probe("daily?day=" + LocalDate.now(ZoneOffset.UTC)))
            .getValuesAs(JsonObject.class).stream()
                .filter(d -> d.getString("model").equals(MODEL))
                .findFirst()
                .orElseThrow();
    assertThat(day.getJsonNumber("requests").longValue()).isEqualTo(5);
    assertThat(day.getJsonNumber("failed_requests").longValue()).isEqualTo(2);
    assertThat(day.getJsonNumber("estimated_requests").longValue()).isEqualTo(2);
    assertThat(day.getJsonNumber("input_tokens").longValue()).isEqualTo(input);
    assertThat(day.getJsonNumber("output_tokens").longValue()).isEqualTo(output);
    assertThat(((JsonObject) probe("state")).getJsonNumber("dropped").longValue()).isZero();
  }

  private static void assertRow(
      JsonObject row, int status, long in, long out, boolean cancelled, boolean estimated) {
    assertThat(row.getInt("status")).as(row.toString()).isEqualTo(status);
    assertThat(row.getJsonNumber("input_tokens").longValue()).as(row.toString()).isEqualTo(in);
    assertThat(row.getJsonNumber("output_tokens").longValue()).as(row.toString()).isEqualTo(out);
    assertThat(row.getBoolean("cancelled")).isEqualTo(cancelled);
    assertThat(row.getBoolean("estimated")).isEqualTo(estimated);
    assertThat(row.getString("model")).isEqualTo(MODEL);
  }

  private static List<String> dataLines(String body) {
    return body.lines().filter(l -> l.startsWith("data:")).toList();
  }
}
