package io.remotellm.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.connector.config.ConnectorCommandLine;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.Request;
import io.remotellm.testsupport.FakeLlm;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connector's side of the API families, in-process between a scripted broker and the fake LLM
 * over real sockets: what it says it offers, how it passes the LLM key and the family's headers on,
 * and that named events keep their names.
 */
class ConnectorApisIT {
  private static final String TOKEN = "ct-apis-TOKEN-1234567890";
  private static final String LLM_KEY = "sk-llm-KEY-apis-0987";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private FakeLlm llm;
  private ScriptedBroker broker;
  private Connector connector;

  @BeforeEach
  void start() throws Exception {
    llm = FakeLlm.start();
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

  private Hello connect(String... extra) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--broker-url",
                broker.urlWithoutPath(),
                "--broker-token",
                TOKEN,
                "--llm-url",
                llm.baseUrl().toString(),
                "--health-port",
                "0",
                "--model",
                "fake-model"));
    args.addAll(List.of(extra));
    connector =
        Connector.start(
            ConnectorCommandLine.parse(
                    args.toArray(String[]::new),
                    Map.of(),
                    new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter()))
                .config());
    Hello hello = broker.awaitHello(WAIT);
    assertThat(hello).isNotNull();
    await().atMost(WAIT).until(() -> connector.snapshot().relayConnected());
    return hello;
  }

  private static Request request(String id, String method, String path, String body, String api) {
    return new Request(
        id,
        method,
        path,
        Map.of(
            "x-request-id",
            "xr-" + id,
            "content-type",
            "application/json",
            "authorization",
            "Bearer " + LLM_KEY,
            "anthropic-version",
            "2023-06-01"),
        body,
        body.contains("\"stream\":true"),
        api);
  }

  @Test
  void saysTheApisItWasToldInHelloAndHealth() throws Exception {
    Hello hello = connect("--llm-api", "anthropic,openai,responses");
    assertThat(hello.apis()).containsExactly("openai", "responses", "anthropic");
    HttpResponse<String> health =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + connector.healthPort() + "/health"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(health.body()).contains("\"apis\":[\"openai\",\"responses\",\"anthropic\"]");
  }

  @Test
  void anLlmThatIsNoOllamaIsTakenForOpenAiOnly() throws Exception {
    Hello hello = connect();
    assertThat(hello.apis()).containsExactly("openai");
  }

  @Test
  void anthropicGetsTheKeyAsXApiKeyItsHeadersAndNamedEvents() throws Exception {
    connect("--llm-api", "openai,anthropic");
    llm.script(llm.script().withChunks(2));
    broker.send(
        request(
            "a1",
            "POST",
            "/v1/messages",
            "{\"model\":\"fake-model\",\"stream\":true,\"max_tokens\":5}",
            "anthropic"));
    List<Frame> frames = broker.awaitAnswer("a1", WAIT);
    assertThat(frames.get(frames.size() - 1)).isInstanceOf(End.class);
    List<String> names =
        frames.stream().filter(Data.class::isInstance).map(f -> ((Data) f).event()).toList();
    assertThat(names)
        .containsExactly(
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    FakeLlm.RecordedRequest seen = llm.requests().get(llm.requests().size() - 1);
    assertThat(seen.path()).isEqualTo("/v1/messages");
    assertThat(seen.header("x-api-key")).isEqualTo(LLM_KEY);
    assertThat(seen.header("authorization")).isNull();
    assertThat(seen.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(seen.header("x-request-id")).isEqualTo("xr-a1");
  }

  @Test
  void responsesByIdGoWithTheirMethodAndTheKeyAsBearer() throws Exception {
    connect("--llm-api", "openai,responses");
    broker.send(request("r1", "POST", "/v1/responses", "{\"model\":\"fake-model\"}", "responses"));
    List<Frame> created = broker.awaitAnswer("r1", WAIT);
    String body =
        created.stream()
            .filter(Data.class::isInstance)
            .map(f -> ((Data) f).data())
            .reduce("", String::concat);
    String id = body.replaceFirst("(?s)^\\{\"id\":\"([^\"]+)\".*", "$1");
    assertThat(id).startsWith("resp_");
    broker.send(request("r2", "GET", "/v1/responses/" + id, "", "responses"));
    List<Frame> got = broker.awaitAnswer("r2", WAIT);
    assertThat(((Data) got.get(1)).data()).contains("\"id\":\"" + id + "\"");
    FakeLlm.RecordedRequest seen = llm.requests().get(llm.requests().size() - 1);
    assertThat(seen.method()).isEqualTo("GET");
    assertThat(seen.header("authorization")).isEqualTo("Bearer " + LLM_KEY);
    assertThat(seen.query()).isNull();

    // The client's query string reaches the LLM as it came.
    broker.send(
        new Request(
            "r3",
            "GET",
            "/v1/responses/" + id,
            Map.of("x-request-id", "xr-r3"),
            "",
            false,
            "responses",
            "include%5B%5D=message.output_text.logprobs&stream=false"));
    assertThat(broker.awaitAnswer("r3", WAIT)).hasSizeGreaterThan(1);
    seen = llm.requests().get(llm.requests().size() - 1);
    assertThat(seen.path()).isEqualTo("/v1/responses/" + id);
    assertThat(seen.query()).isEqualTo("include%5B%5D=message.output_text.logprobs&stream=false");

    // One that is no URI query is refused, never sent on in some repaired form.
    int before = llm.requests().size();
    broker.send(
        new Request(
            "r4",
            "GET",
            "/v1/responses/" + id,
            Map.of("x-request-id", "xr-r4"),
            "",
            false,
            "responses",
            "a=b c#frag"));
    assertThat(broker.awaitAnswer("r4", WAIT))
        .singleElement()
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.status()).isEqualTo(400));
    assertThat(llm.requests()).hasSize(before);
  }

  @Test
  void aPathOutsideTheRelayedCallsIsStillRefused() throws Exception {
    connect("--llm-api", "openai,responses,anthropic");
    broker.send(request("x1", "POST", "/api/pull", "{\"model\":\"x\"}", "ollama"));
    List<Frame> frames = broker.awaitAnswer("x1", WAIT);
    assertThat(frames)
        .singleElement()
        .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.status()).isEqualTo(403));
  }
}
