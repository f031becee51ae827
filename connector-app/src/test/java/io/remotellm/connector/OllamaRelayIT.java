package io.remotellm.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.connector.config.ConnectorCommandLine;
import io.remotellm.connector.config.ConnectorConfig;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Request;
import io.remotellm.testsupport.FakeLlm;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real connector relaying Ollama's native API from the fake LLM to a scripted broker. */
class OllamaRelayIT {
  private static final String TOKEN = "ct-test-TOKEN-1234567890";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private FakeLlm llm;
  private ScriptedBroker broker;
  private Connector connector;

  @BeforeEach
  void start() throws Exception {
    llm = FakeLlm.start();
    llm.actAsOllama(); // asked at start: the connector then offers Ollama's API
    broker = new ScriptedBroker(TOKEN, 1).start();
  }

  @AfterEach
  void stop() {
    if (connector != null) {
      connector.close();
    }
    broker.close();
    llm.close();
  }

  /** {@code llmUrl}: the fake's root, or with /v1 as an Ollama is often configured. */
  private void connect(String llmUrl) throws Exception {
    ConnectorConfig config =
        ConnectorCommandLine.parse(
                new String[] {
                  "--broker-url",
                  broker.urlWithoutPath(),
                  "--broker-token",
                  TOKEN,
                  "--llm-url",
                  llmUrl,
                  "--health-port",
                  "0",
                  "--model",
                  "fake-model"
                },
                Map.of(),
                new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()))
            .config();
    connector = Connector.start(config);
    io.remotellm.protocol.Hello hello = broker.awaitHello(WAIT);
    assertThat(hello).isNotNull();
    // The LLM said it is an Ollama (GET /api/version): its own API is offered.
    assertThat(hello.apis()).contains("openai", "ollama");
    await().atMost(WAIT).until(() -> connector.snapshot().relayConnected());
  }

  private static Request post(String id, String path, String body, boolean stream) {
    return new Request(id, "POST", path, Map.of("x-request-id", "xr-" + id), body, stream);
  }

  @Test
  void relaysAnNdjsonStreamOneFramePerLineUnchangedWithOllamasCountsAsUsage() throws Exception {
    connect(llm.baseUrl().toString());
    llm.script(llm.script().withChunks(4).withChunkDelay(Duration.ofMillis(2)));
    broker.send(post("c1", "/api/chat", "{\"model\":\"fake-model\",\"messages\":[]}", true));
    List<Frame> frames = broker.awaitAnswer("c1", WAIT);
    assertThat(frames.get(0))
        .isEqualTo(new Head("c1", 200, Map.of("content-type", "application/x-ndjson")));
    List<String> lines =
        frames.subList(1, frames.size() - 1).stream().map(f -> ((Data) f).data()).toList();
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0))
        .isEqualTo(
            "{\"model\":\"fake-model\",\"created_at\":\"2026-01-01T00:00:00.000000000Z\","
                + "\"message\":{\"role\":\"assistant\",\"content\":\"tok0 \"},\"done\":false}");
    assertThat(lines.get(4)).contains("\"done\":true", "\"eval_count\":4").doesNotEndWith("\n");
    End end = (End) frames.get(frames.size() - 1);
    assertThat(end.usage().getInt("prompt_tokens")).isEqualTo(7);
    assertThat(end.usage().getInt("completion_tokens")).isEqualTo(4);
  }

  @Test
  void reachesOllamasRootFromAV1BaseAndRelaysShowAndEmbed() throws Exception {
    connect(llm.baseUrl() + "/v1");
    broker.send(post("e1", "/api/embed", "{\"model\":\"fake-model\",\"input\":\"abc\"}", false));
    List<Frame> frames = broker.awaitAnswer("e1", WAIT);
    assertThat(((Head) frames.get(0)).status()).isEqualTo(200);
    assertThat(((Data) frames.get(1)).data()).contains("\"embeddings\":[[3.0,0.5,-1.0]]");
    broker.send(post("s1", "/api/show", "{\"name\":\"fake-model\"}", false));
    assertThat(((Data) broker.awaitAnswer("s1", WAIT).get(1)).data()).contains("\"modelfile\"");
    assertThat(llm.requests().stream().map(FakeLlm.RecordedRequest::path))
        .contains("/api/embed", "/api/show");
  }

  @Test
  void refusesModelManagementWhateverTheBrokerAsks() throws Exception {
    connect(llm.baseUrl().toString());
    broker.send(post("p1", "/api/pull", "{\"model\":\"evil\"}", false));
    List<Frame> frames = broker.awaitAnswer("p1", WAIT);
    Failure failure = (Failure) frames.get(frames.size() - 1);
    assertThat(failure.status()).isEqualTo(403);
    assertThat(llm.requests()).noneMatch(r -> r.path().equals("/api/pull"));
  }
}
