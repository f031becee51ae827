package io.remotellm.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.remotellm.connector.config.ConnectorCommandLine;
import io.remotellm.connector.config.ConnectorConfig;
import io.remotellm.connector.logging.JsonLineFormatter;
import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.Request;
import io.remotellm.testsupport.FakeLlm;
import jakarta.websocket.CloseReason;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connector in-process between a scripted broker (a real WebSocket server) and the fake LLM,
 * over real sockets: what the broker receives is what a user of the relay would get.
 */
class ConnectorRelayIT {
  private static final String TOKEN = "ct-test-TOKEN-1234567890";
  private static final String LLM_KEY = "sk-llm-KEY-0987654321";
  private static final String LOCAL_KEY = "sk-local-KEY-5555";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static final ByteArrayOutputStream LOGS = new ByteArrayOutputStream();

  /** Held here: JUL keeps loggers weakly, and the level set on it must last the whole class. */
  private static final Logger PRODUCT_LOGGER = Logger.getLogger("io.remotellm");

  private static final StreamHandler LOG_CAPTURE = new StreamHandler(LOGS, new JsonLineFormatter());

  private final HttpClient http = HttpClient.newHttpClient();
  private FakeLlm llm;
  private ScriptedBroker broker;
  private Connector connector;

  @BeforeAll
  static void captureLogs() {
    // The product's own lines, all levels; the test broker's Tyrus server logs what it was sent.
    LOG_CAPTURE.setLevel(Level.ALL);
    PRODUCT_LOGGER.addHandler(LOG_CAPTURE);
    PRODUCT_LOGGER.setLevel(Level.FINE);
  }

  @AfterAll
  static void noSecretInAnyLogLine() {
    LOG_CAPTURE.flush();
    PRODUCT_LOGGER.removeHandler(LOG_CAPTURE);
    String logs = LOGS.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(logs).contains("token_fp");
    // Nagle off on the relay socket (else each stream's first token waits ~40 ms for an ACK).
    assertThat(logs).contains("socket open").doesNotContain("could not turn Nagle off");
    assertThat(logs)
        .doesNotContain(TOKEN)
        .doesNotContain(LLM_KEY)
        .doesNotContain(LOCAL_KEY)
        .doesNotContain("SECRET PROMPT");
  }

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

  private Connector connect(String... extra) throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--broker-url",
                broker.urlWithoutPath(),
                "--broker-token",
                TOKEN,
                "--llm-url",
                llm.baseUrl().toString(),
                "--health-port",
                "0",
                "--reconnect-initial",
                "0.05",
                "--reconnect-max",
                "0.2",
                "--drain-timeout",
                "5",
                "--llm-probe-interval",
                "0.2"));
    args.addAll(List.of(extra));
    if (!args.contains("--model") && !args.contains("--no-model")) {
      args.addAll(List.of("--model", "fake-model"));
    }
    args.remove("--no-model");
    ConnectorCommandLine.Outcome outcome =
        ConnectorCommandLine.parse(
            args.toArray(String[]::new),
            Map.of(),
            new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()));
    ConnectorConfig config = outcome.config();
    assertThat(config).as("valid test arguments").isNotNull();
    connector = Connector.start(config);
    return connector;
  }

  private Hello registered() throws Exception {
    Hello hello = broker.awaitHello(WAIT);
    assertThat(hello).as("hello within " + WAIT).isNotNull();
    awaitTrue(() -> connector.snapshot().relayConnected(), "relay connected");
    return hello;
  }

  private static Request chat(String id, boolean stream, String body, Map<String, String> headers) {
    Map<String, String> h = new HashMap<>(headers);
    h.putIfAbsent("x-request-id", "xr-" + id);
    h.putIfAbsent("content-type", "application/json");
    return new Request(id, "POST", "/v1/chat/completions", h, body, stream);
  }

  private static String body(boolean stream, String extra) {
    return "{\"model\":\"fake-model\",\"stream\":"
        + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"SECRET PROMPT\"}]"
        + extra
        + "}";
  }

  @Test
  void registersWithTokenHelloAndWelcome() throws Exception {
    connect("--capacity", "17");
    assertThat(broker.nextAuthorization(WAIT)).isEqualTo("Bearer " + TOKEN);
    Hello hello = registered();
    assertThat(hello.protocol()).isEqualTo(Frame.PROTOCOL_VERSION);
    assertThat(hello.models()).containsExactly("fake-model");
    assertThat(hello.capacity()).isEqualTo(17);
    assertThat(hello.connector()).startsWith("remotellm-connector/");
  }

  @Test
  void streamsEveryEventPayloadVerbatimAndInOrderThenEndWithUsage() throws Exception {
    connect();
    registered();
    llm.script(llm.script().withChunks(50).withChunkDelay(Duration.ofMillis(1)));
    broker.send(
        chat("s1", true, body(true, ",\"stream_options\":{\"include_usage\":true}"), Map.of()));
    List<Frame> frames = broker.awaitAnswer("s1", WAIT);
    assertThat(frames.get(0))
        .isEqualTo(new Head("s1", 200, Map.of("content-type", "text/event-stream")));
    List<String> payloads =
        frames.subList(1, frames.size() - 1).stream().map(f -> ((Data) f).data()).toList();
    assertThat(payloads)
        .hasSize(52); // 50 content chunks, the finish chunk, the usage chunk; no [DONE]
    for (int i = 0; i < 50; i++) {
      assertThat(payloads.get(i))
          .startsWith("{\"id\":\"chatcmpl-")
          .contains("\"content\":\"tok" + i + " \"");
    }
    assertThat(payloads).doesNotContain("[DONE]");
    End end = (End) frames.get(frames.size() - 1);
    assertThat(end.usage().getInt("completion_tokens")).isEqualTo(50);
  }

  @Test
  void manyConcurrentStreamsArriveWholeAndInOrderOnOneSocket() throws Exception {
    int streams = 500;
    int chunks = 20;
    // All 500 at the fake LLM at once, so they share the socket at once: lift the LLM bound.
    connect("--llm-connections", String.valueOf(streams));
    registered();
    llm.script(llm.script().withChunks(chunks).withChunkDelay(Duration.ofMillis(20)));
    for (int i = 0; i < streams; i++) {
      broker.send(chat("m" + i, true, body(true, ""), Map.of()));
    }
    for (int i = 0; i < streams; i++) {
      List<Frame> frames = broker.awaitAnswer("m" + i, Duration.ofSeconds(60));
      assertThat(frames.get(0)).isInstanceOf(Head.class);
      assertThat(frames.get(frames.size() - 1)).isInstanceOf(End.class);
      List<String> payloads =
          frames.subList(1, frames.size() - 1).stream().map(f -> ((Data) f).data()).toList();
      assertThat(payloads).as("stream m%d", i).hasSize(chunks + 1);
      for (int c = 0; c < chunks; c++) {
        assertThat(payloads.get(c))
            .as("stream m%d chunk %d", i, c)
            .contains("\"content\":\"tok" + c + " \"");
      }
    }
    assertThat(llm.completedCount()).isEqualTo(streams);
    awaitTrue(() -> connector.inFlight() == 0, "nothing in flight");
  }

  @Test
  void relaysANonStreamingBodyWholeWithUsage() throws Exception {
    connect();
    registered();
    broker.send(chat("n1", false, body(false, ""), Map.of()));
    List<Frame> frames = broker.awaitAnswer("n1", WAIT);
    assertThat(frames.get(0))
        .isEqualTo(new Head("n1", 200, Map.of("content-type", "application/json")));
    StringBuilder text = new StringBuilder();
    frames.subList(1, frames.size() - 1).forEach(f -> text.append(((Data) f).data()));
    assertThat(text.toString())
        .startsWith("{\"id\":\"chatcmpl-")
        .contains("\"object\":\"chat.completion\"", "tok4 ");
    assertThat(((End) frames.get(frames.size() - 1)).usage().getInt("total_tokens")).isEqualTo(12);
  }

  @Test
  void withAVersion1BrokerEveryFrameIsItsOwnMessage() throws Exception {
    connect();
    registered();
    llm.script(llm.script().withChunks(200));
    broker.send(chat("v1", true, body(true, ""), Map.of()));
    List<Frame> frames = broker.awaitAnswer("v1", WAIT);
    assertThat(frames).hasSize(1 + 201 + 1);
    assertThat(broker.messages).noneMatch(m -> m.contains("\"type\":\"batch\""));
  }

  @Test
  void aVersion1BrokerThatRefusesProtocol2IsRedialledWithProtocol1AndServes() throws Exception {
    broker.version1Only = true;
    connect();
    Hello hello = registered();
    assertThat(hello.protocol()).isEqualTo(1);
    assertThat(broker.helloVersions).containsExactly(Frame.PROTOCOL_VERSION, 1);
    broker.send(chat("old1", false, body(false, ""), Map.of()));
    List<Frame> frames = broker.awaitAnswer("old1", WAIT);
    assertThat(frames.get(frames.size() - 1)).isInstanceOf(End.class);
    assertThat(broker.messages).noneMatch(m -> m.contains("\"type\":\"batch\""));
  }

  @Test
  void withAVersion2BrokerANonStreamingAnswerIsOneMessage() throws Exception {
    broker.protocol = 2;
    connect();
    registered();
    broker.messages.clear();
    broker.send(chat("n2", false, body(false, ""), Map.of()));
    List<Frame> frames = broker.awaitAnswer("n2", WAIT);
    assertThat(frames).hasSize(3);
    assertThat(frames.get(0))
        .isEqualTo(new Head("n2", 200, Map.of("content-type", "application/json")));
    assertThat(((Data) frames.get(1)).data()).startsWith("{\"id\":\"chatcmpl-").contains("tok4 ");
    assertThat(((End) frames.get(2)).usage().getInt("total_tokens")).isEqualTo(12);
    // head, body and end left together: one WebSocket message, one per-message cost at the broker.
    assertThat(broker.messages).hasSize(1);
    assertThat(broker.messages.peek()).startsWith("{\"type\":\"batch\"");
    assertThat(broker.binaryMessages).as("binary messages to a version 2 broker").hasValue(0);
  }

  @Test
  void withAVersion3BrokerEveryMessageAfterWelcomeIsBinaryAndCarriesTheSameFrames()
      throws Exception {
    broker.protocol = 3;
    connect();
    Hello hello = registered();
    assertThat(hello.protocol()).isEqualTo(3);
    assertThat(broker.binaryMessages).as("hello goes before welcome: as text").hasValue(0);
    broker.messages.clear();
    broker.send(chat("n3", false, body(false, ""), Map.of()));
    List<Frame> answer = broker.awaitAnswer("n3", WAIT);
    assertThat(answer).hasSize(3);
    assertThat(((Data) answer.get(1)).data()).startsWith("{\"id\":\"chatcmpl-").contains("tok4 ");
    assertThat(((End) answer.get(2)).usage().getInt("total_tokens")).isEqualTo(12);
    llm.script(llm.script().withChunks(100));
    for (int i = 0; i < 5; i++) {
      broker.send(chat("s" + i, true, body(true, ""), Map.of()));
    }
    for (int i = 0; i < 5; i++) {
      List<Frame> frames = broker.awaitAnswer("s" + i, WAIT);
      assertThat(frames.get(0)).isInstanceOf(Head.class);
      assertThat(frames.get(frames.size() - 1)).isInstanceOf(End.class);
      List<String> payloads =
          frames.subList(1, frames.size() - 1).stream().map(f -> ((Data) f).data()).toList();
      assertThat(payloads).hasSize(101);
      for (int c = 0; c < 100; c++) {
        assertThat(payloads.get(c)).contains("\"content\":\"tok" + c + " \"");
      }
    }
    assertThat(broker.binaryMessages.get())
        .as("binary among %d messages", broker.messages.size())
        .isEqualTo(broker.messages.size())
        .isPositive();
  }

  @Test
  void withAVersion2BrokerStreamsArriveWholeAndInOrderInFewerMessages() throws Exception {
    broker.protocol = 2;
    int streams = 50;
    int chunks = 200;
    connect("--llm-connections", String.valueOf(streams)); // all 50 at once, as before the bound
    registered();
    broker.messages.clear();
    llm.script(llm.script().withChunks(chunks));
    for (int i = 0; i < streams; i++) {
      broker.send(chat("b" + i, true, body(true, ""), Map.of()));
    }
    int frameCount = 0;
    for (int i = 0; i < streams; i++) {
      List<Frame> frames = broker.awaitAnswer("b" + i, Duration.ofSeconds(60));
      frameCount += frames.size();
      assertThat(frames.get(0)).isInstanceOf(Head.class);
      assertThat(frames.get(frames.size() - 1)).isInstanceOf(End.class);
      List<String> payloads =
          frames.subList(1, frames.size() - 1).stream().map(f -> ((Data) f).data()).toList();
      assertThat(payloads).as("stream b%d", i).hasSize(chunks + 1);
      for (int c = 0; c < chunks; c++) {
        assertThat(payloads.get(c))
            .as("stream b%d chunk %d", i, c)
            .contains("\"content\":\"tok" + c + " \"");
      }
    }
    assertThat(frameCount).isEqualTo(streams * (chunks + 3));
    // Events that arrive together from the LLM, and frames that wait for the socket, share
    // messages.
    assertThat(broker.messages.size())
        .as("messages for %d frames", frameCount)
        .isLessThan(frameCount / 4);
    assertThat(broker.messages).allMatch(m -> m.length() <= 3 * 32 * 1024);
  }

  @Test
  void carriesALargeRequestBodyAndCutsALargeAnswerIntoBoundedFrames() throws Exception {
    // A 10 s heartbeat (30 s of silence ends the link): Tyrus's client gathered a frame by copying
    // what it had into a new buffer for every read, and at a load average of 30-40 receiving 5 MiB
    // outlasted it (docs/benchmarks.md, issue 17); the JDK client appends each piece once, and a
    // piece arriving counts as hearing the broker.
    broker.close();
    broker = new ScriptedBroker(TOKEN, 10).start();
    connect();
    registered();
    String big = "x".repeat(5 * 1024 * 1024); // more than a WebSocket client's usual 4 MB limit
    llm.script(llm.script().withChunks(200_000)); // a non-streaming answer of about 1.7 MB
    broker.send(chat("big", false, body(false, ",\"padding\":\"" + big + "\""), Map.of()));
    List<Frame> frames = broker.awaitAnswer("big", Duration.ofSeconds(120));
    assertThat(llm.chatRequests().get(0).body())
        .hasSize(body(false, ",\"padding\":\"" + big + "\"").length());
    StringBuilder text = new StringBuilder();
    for (Frame f : frames.subList(1, frames.size() - 1)) {
      assertThat(((Data) f).data().length()).isLessThanOrEqualTo(64 * 1024);
      text.append(((Data) f).data());
    }
    assertThat(text.toString()).startsWith("{\"id\":").endsWith("}").contains("tok199999 ");
    assertThat(((End) frames.get(frames.size() - 1)).usage().getInt("completion_tokens"))
        .isEqualTo(200_000);
  }

  @Test
  void sendsTheInjectedKeyAndRequestIdToTheLlmAndDropsHopByHopHeaders() throws Exception {
    connect("--llm-api-key", LOCAL_KEY);
    registered();
    broker.send(
        chat(
            "k1",
            false,
            body(false, ""),
            Map.of(
                "authorization",
                "Bearer " + LLM_KEY,
                "x-request-id",
                "req-abc",
                "connection",
                "close",
                "x-custom",
                "1")));
    broker.awaitAnswer("k1", WAIT);
    FakeLlm.RecordedRequest seen = llm.chatRequests().get(0);
    assertThat(seen.header("authorization")).isEqualTo("Bearer " + LLM_KEY);
    assertThat(seen.header("x-request-id")).isEqualTo("req-abc");
    assertThat(seen.header("x-custom")).isEqualTo("1");
    assertThat(seen.body()).isEqualTo(body(false, ""));
    assertThat(seen.method()).isEqualTo("POST");

    broker.send(chat("k2", false, body(false, ""), Map.of()));
    broker.awaitAnswer("k2", WAIT);
    assertThat(llm.chatRequests().get(1).header("authorization")).isEqualTo("Bearer " + LOCAL_KEY);
  }

  @Test
  void relaysTheLlmsErrorStatusAndBodyFaithfully() throws Exception {
    connect();
    registered();
    String error = "{\"error\":{\"message\":\"model overloaded\",\"type\":\"rate_limit\"}}";
    llm.script(llm.script().withError(429, error));
    broker.send(chat("e1", true, body(true, ""), Map.of()));
    List<Frame> frames = broker.awaitAnswer("e1", WAIT);
    assertThat(((Head) frames.get(0)).status()).isEqualTo(429);
    assertThat(((Data) frames.get(1)).data()).isEqualTo(error);
    assertThat(frames.get(2)).isInstanceOf(End.class);
  }

  @Test
  void anUnreachableLlmIsAnError502AtOnceAndNotReady() throws Exception {
    connect();
    registered();
    llm.close();
    long start = System.nanoTime();
    broker.send(chat("u1", false, body(false, ""), Map.of()));
    List<Frame> frames = broker.awaitAnswer("u1", WAIT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    assertThat(frames).hasSize(1);
    Failure failure = (Failure) frames.get(0);
    assertThat(failure.status()).isEqualTo(502);
    assertThat(failure.code()).isEqualTo("upstream_error");
    awaitTrue(() -> !connector.snapshot().llmAvailable(), "LLM seen as unavailable");
    HttpResponse<String> ready = get("/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body())
        .isEqualTo("{\"ready\":false,\"relay_connected\":true,\"llm_available\":false}");
  }

  @Test
  void anLlmThatDoesNotAnswerInTimeIsAnError504() throws Exception {
    connect("--llm-timeout", "0.5");
    registered();
    llm.script(llm.script().withHang(true));
    broker.send(chat("t1", true, body(true, ""), Map.of()));
    Failure failure = (Failure) broker.awaitAnswer("t1", WAIT).get(0);
    assertThat(failure.status()).isEqualTo(504);
    assertThat(failure.code()).isEqualTo("upstream_timeout");
    awaitTrue(() -> connector.inFlight() == 0, "nothing in flight");
  }

  @Test
  void cancelAbortsTheCallSoTheLlmSeesTheClientGone() throws Exception {
    connect();
    registered();
    llm.script(llm.script().withChunks(10_000).withChunkDelay(Duration.ofMillis(5)));
    broker.send(chat("c1", true, body(true, ""), Map.of()));
    assertThat(broker.next("c1", WAIT)).isInstanceOf(Head.class);
    assertThat(broker.next("c1", WAIT)).isInstanceOf(Data.class);
    broker.send(new Cancel("c1", "client disconnected"));
    assertThat(llm.awaitAborted(1, WAIT)).as("the fake LLM saw the abort").isTrue();
    awaitTrue(() -> connector.inFlight() == 0, "nothing in flight");
    assertThat(llm.completedCount()).isZero();
  }

  @Test
  void cancelBeforeTheFirstByteAbortsToo() throws Exception {
    connect();
    registered();
    llm.script(
        llm.script()
            .withFirstByteDelay(Duration.ofMillis(300))
            .withChunks(10_000)
            .withChunkDelay(Duration.ofMillis(5)));
    broker.send(chat("c2", true, body(true, ""), Map.of()));
    assertThat(llm.awaitChatRequests(1, WAIT)).isTrue();
    broker.send(new Cancel("c2", "client disconnected"));
    awaitTrue(() -> connector.inFlight() == 0, "nothing in flight");
    assertThat(llm.awaitAborted(1, WAIT)).as("the fake LLM saw the abort").isTrue();
    assertThat(broker.next("c2", Duration.ofMillis(200)))
        .as("nothing sent after a cancel")
        .isNull();
  }

  @Test
  void moreRequestsThanCapacityGet503AtCapacity() throws Exception {
    connect("--capacity", "1");
    registered();
    llm.script(llm.script().withHang(true));
    broker.send(chat("a1", false, body(false, ""), Map.of()));
    assertThat(llm.awaitChatRequests(1, WAIT)).isTrue();
    broker.send(chat("a2", false, body(false, ""), Map.of()));
    Failure failure = (Failure) broker.awaitAnswer("a2", WAIT).get(0);
    assertThat(failure.status()).isEqualTo(503);
    assertThat(failure.code()).isEqualTo("at_capacity");
  }

  @Test
  void reconnectsWhenTheBrokerGoesAwayAndComesBack() throws Exception {
    connect();
    registered();
    broker.stop();
    awaitTrue(() -> !connector.snapshot().relayConnected(), "relay seen down");
    assertThat(get("/health").statusCode()).isEqualTo(503);
    broker.start();
    Hello again = broker.awaitHello(WAIT);
    assertThat(again).isNotNull();
    awaitTrue(() -> connector.snapshot().relayConnected(), "relay back");
    broker.send(chat("r1", false, body(false, ""), Map.of()));
    assertThat(broker.awaitAnswer("r1", WAIT).get(0)).isInstanceOf(Head.class);
  }

  @Test
  void startsBeforeTheBrokerAndRegistersOnceItIsUp() throws Exception {
    broker.stop();
    connect();
    awaitTrue(() -> connector.snapshot().relayState().equals("reconnecting"), "backing off");
    assertThat(connector.snapshot().relayConnected()).isFalse();
    broker.start();
    assertThat(registered().models()).containsExactly("fake-model");
  }

  @Test
  void staysOnTheSameSocketWhileTheBrokerAnswersPings() throws Exception {
    // The broker's welcome says 1 s; pings go out each second and their pongs keep the link.
    connect();
    registered();
    assertThat(broker.connections()).isEqualTo(1);
    // A healthy broker answers pings: after 3 intervals the link is still the first one.
    Thread.sleep(3500); // the assertion is about time passing without a reconnect; nothing to await
    assertThat(broker.connections()).isEqualTo(1);
    assertThat(connector.snapshot().relayConnected()).isTrue();
  }

  @Test
  void aBrokerThatFallsSilentIsLeftAfterThreeHeartbeatsAndRedialled() throws Exception {
    try (FreezableProxy proxy = new FreezableProxy(broker.url().getPort())) {
      List<String> args =
          List.of(
              "--broker-url",
              "ws://127.0.0.1:" + proxy.port(),
              "--broker-token",
              TOKEN,
              "--llm-url",
              llm.baseUrl().toString(),
              "--health-port",
              "0",
              "--model",
              "m",
              "--reconnect-initial",
              "0.05",
              "--reconnect-max",
              "0.1");
      connector =
          Connector.start(
              ConnectorCommandLine.parse(
                      args.toArray(String[]::new),
                      Map.of(),
                      new PrintWriter(new StringWriter()),
                      new PrintWriter(new StringWriter()))
                  .config());
      registered();
      proxy.freeze(); // pongs and frames stop; the TCP connection stays up
      Hello again = broker.awaitHello(Duration.ofSeconds(8));
      assertThat(again).as("a new hello after ~3 silent heartbeats (1 s each)").isNotNull();
      assertThat(proxy.accepted()).isEqualTo(2);
      awaitTrue(() -> connector.snapshot().relayConnected(), "relay back");
    }
  }

  @Test
  void aWrongTokenIsRefusedAndTheConnectorKeepsTrying() throws Exception {
    broker.close();
    broker = new ScriptedBroker("another-token", 1).start();
    connect();
    for (int i = 0; i < 3; i++) {
      assertThat(broker.nextAuthorization(WAIT))
          .as("attempt %d", i + 1)
          .isEqualTo("Bearer " + TOKEN);
    }
    assertThat(connector.snapshot().relayConnected()).isFalse();
    assertThat(get("/health").body())
        .contains("\"status\":\"unhealthy\"", "\"relay_connected\":false");
  }

  @Test
  void aBrokerAnswering401AtTheUpgradeIsRetriedWithBackoff() throws Exception {
    try (UpgradeRefuser refuser = new UpgradeRefuser(401)) {
      broker.close();
      List<String> args =
          List.of(
              "--broker-url",
              "ws://127.0.0.1:" + refuser.port(),
              "--broker-token",
              TOKEN,
              "--llm-url",
              llm.baseUrl().toString(),
              "--health-port",
              "0",
              "--model",
              "m",
              "--reconnect-initial",
              "0.05",
              "--reconnect-max",
              "0.1");
      connector =
          Connector.start(
              ConnectorCommandLine.parse(
                      args.toArray(String[]::new),
                      Map.of(),
                      new PrintWriter(new StringWriter()),
                      new PrintWriter(new StringWriter()))
                  .config());
      assertThat(refuser.awaitAttempts(3, WAIT)).as("three upgrade attempts").isTrue();
      assertThat(connector.snapshot().relayState()).isIn("reconnecting", "connecting");
      broker = new ScriptedBroker(TOKEN, 1);
    }
  }

  @Test
  void healthAndReadyReportRelayAndLlm() throws Exception {
    connect("--model", "a", "--model", "b");
    registered();
    awaitTrue(() -> connector.snapshot().llmAvailable(), "LLM available");
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(health.body())
        .matches(
            "\\{\"status\":\"healthy\",\"relay_connected\":true,\"relay_state\":\"connected\","
                + "\"llm_available\":true,\"models\":\\[\"a\",\"b\"\\],\"uptime_seconds\":\\d+,"
                + "\"apis\":\\[\"openai\"\\]}");
    HttpResponse<String> ready = get("/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body())
        .isEqualTo("{\"ready\":true,\"relay_connected\":true,\"llm_available\":true}");
  }

  @Test
  void discoversModelsFromV1ModelsThenApiTags() throws Exception {
    llm.script(llm.script().withModels(List.of("llama3.2", "codellama")));
    connect("--no-model");
    assertThat(registered().models()).containsExactly("llama3.2", "codellama");
    connector.close();
    connector = null;

    llm.script(llm.script().withModels(List.of("qwen")).withModelEndpoints(false, true));
    connect("--no-model");
    assertThat(broker.awaitHello(WAIT).models()).containsExactly("qwen");
  }

  @Test
  void refusesToStartWithoutModelsWhenTheLlmCannotBeAsked() throws Exception {
    llm.close();
    try {
      connect("--no-model");
      throw new AssertionError("started without models");
    } catch (StartupException e) {
      assertThat(e.getMessage()).contains("--model").doesNotContain("\n");
    }
    llm = FakeLlm.start();
  }

  @Test
  void theDemoModelEchoesStreamingAndNot() throws Exception {
    List<String> args =
        List.of(
            "--broker-url",
            broker.urlWithoutPath(),
            "--broker-token",
            TOKEN,
            "--llm-url",
            "demo",
            "--health-port",
            "0");
    connector =
        Connector.start(
            ConnectorCommandLine.parse(
                    args.toArray(String[]::new),
                    Map.of(),
                    new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter()))
                .config());
    Hello hello = broker.awaitHello(WAIT);
    assertThat(hello.models()).containsExactly("demo-echo");
    assertThat(hello.connector()).contains("demo");
    awaitTrue(() -> connector.snapshot().relayConnected(), "relay connected");
    assertThat(get("/ready").statusCode()).isEqualTo(200);

    String ask =
        "{\"model\":\"demo-echo\",\"stream\":%s,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    broker.send(chat("d1", true, String.format(ask, "true"), Map.of()));
    List<Frame> frames = broker.awaitAnswer("d1", WAIT);
    assertThat(((Head) frames.get(0)).headers()).containsEntry("content-type", "text/event-stream");
    StringBuilder text = new StringBuilder();
    for (Frame f : frames.subList(1, frames.size() - 1)) {
      var json =
          jakarta.json.Json.createReader(new java.io.StringReader(((Data) f).data())).readObject();
      var choices = json.getJsonArray("choices");
      if (!choices.isEmpty()) {
        text.append(choices.getJsonObject(0).getJsonObject("delta").getString("content", ""));
      }
    }
    assertThat(text.toString()).isEqualTo("Echo: hello there");
    assertThat(((End) frames.get(frames.size() - 1)).usage()).isNotNull();

    broker.send(chat("d2", false, String.format(ask, "false"), Map.of()));
    List<Frame> plain = broker.awaitAnswer("d2", WAIT);
    assertThat(((Data) plain.get(1)).data())
        .contains("\"content\":\"Echo: hello there\"", "\"usage\"");
  }

  @Test
  void forwardsOnlyTheInferenceEndpointsWhateverTheBrokerAsks() throws Exception {
    connect();
    registered();
    List<Request> outside =
        List.of(
            new Request("x1", "DELETE", "/api/delete", Map.of(), "{\"name\":\"llama3.2\"}", false),
            new Request("x2", "POST", "/api/pull", Map.of(), "{\"name\":\"llama3.2\"}", false),
            new Request("x3", "GET", "/v1/models", Map.of(), "", false),
            new Request("x4", "GET", "/v1/chat/completions", Map.of(), "", false),
            new Request("x5", "POST", "/v1/../api/delete", Map.of(), "{}", false),
            new Request("x6", "POST", "/v1/chat/completions?x=1", Map.of(), "{}", false),
            new Request("x7", "POST", "/slots/0?action=erase", Map.of(), "{}", false));
    for (Request request : outside) {
      broker.send(request);
      Failure refused = (Failure) broker.awaitAnswer(request.id(), WAIT).get(0);
      assertThat(refused.status()).as(request.method() + " " + request.path()).isEqualTo(403);
      assertThat(refused.code()).isEqualTo("endpoint_not_allowed");
    }
    // The LLM saw none of them (the connector's own probes aside: GET /v1/models, /api/version).
    assertThat(llm.requests())
        .as("nothing reached the LLM")
        .noneMatch(
            r ->
                (r.path().startsWith("/api") && !r.path().equals("/api/version"))
                    || r.path().startsWith("/slots")
                    || r.path().contains("?")
                    || r.path().contains("..")
                    || (r.method().equals("GET") && r.path().startsWith("/v1/chat")));
    // The inference endpoints still go through.
    broker.send(chat("x8", false, body(false, ""), Map.of()));
    assertThat(((Head) broker.awaitAnswer("x8", WAIT).get(0)).status()).isEqualTo(200);
  }

  @Test
  void shutdownLetsInFlightFinishThenClosesWith1001() throws Exception {
    connect();
    registered();
    llm.script(llm.script().withChunks(20).withChunkDelay(Duration.ofMillis(25)));
    broker.send(chat("g1", true, body(true, ""), Map.of()));
    assertThat(broker.next("g1", WAIT)).isInstanceOf(Head.class);
    Thread stopper = new Thread(connector::shutdown);
    stopper.start();
    assertThat(broker.awaitModels(WAIT).models()).as("models withdrawn first").isEmpty();
    broker.send(chat("g2", false, body(false, ""), Map.of()));
    Failure refused = (Failure) broker.awaitAnswer("g2", WAIT).get(0);
    assertThat(refused.status()).isEqualTo(503);
    List<Frame> rest = broker.awaitAnswer("g1", WAIT);
    assertThat(rest.get(rest.size() - 1)).isInstanceOf(End.class);
    CloseReason close = broker.awaitClose(WAIT);
    assertThat(close.getCloseCode().getCode()).isEqualTo(1001);
    stopper.join(WAIT.toMillis());
    connector = null;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + connector.healthPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Waits for a state that no event announces (a connector's health, a socket count). */
  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
    await(what).atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
  }
}
