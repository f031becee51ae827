package io.remotellm.broker.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.remotellm.broker.auth.TestCredentials;
import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.usage.TokenUsage;
import io.remotellm.broker.usage.UsageListeners;
import io.remotellm.broker.usage.UsageRecorded;
import io.remotellm.protocol.Batch;
import io.remotellm.protocol.Cancel;
import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Failure;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.Head;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.ProtocolException;
import io.remotellm.protocol.Request;
import io.remotellm.protocol.Welcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The relay's decisions without a server, registry and dispatcher together: which connector gets a
 * request, retry before head, errors after head, cancel, timeout, heartbeats, and in-flight counts
 * back at zero every time.
 */
class RelayTest {

  private final FrameCodec codec = new FrameCodec();
  private ConnectorRegistry registry;
  private Dispatcher dispatcher;
  private ConnectorLinkRouter router;
  private TestCredentials tokens;

  /** A connector socket that records what the broker sent it. */
  final class FakeSocket implements ConnectorSocket {
    final List<Frame> sent = new CopyOnWriteArrayList<>();
    volatile boolean failSends;
    volatile boolean throwOnSend;
    volatile int pings;
    volatile Integer closedWith;

    @Override
    public CompletionStage<Void> send(String text) {
      if (failSends) {
        return CompletableFuture.failedFuture(new java.io.IOException("broken"));
      }
      if (throwOnSend) {
        throw new IllegalStateException("a bug in the socket");
      }
      try {
        sent.add(codec.decode(text));
      } catch (ProtocolException e) {
        throw new AssertionError(e);
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void ping() {
      pings++;
    }

    @Override
    public void close(int code, String reason) {
      closedWith = code;
    }

    <T extends Frame> List<T> sent(Class<T> type) {
      return sent.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  /** Records what the client would see. */
  static class RecordingSink implements ResponseSink {
    final List<String> events = new ArrayList<>();
    ApiError error;
    Boolean errorAfterHead;
    Runnable clientGone;

    @Override
    public boolean streaming() {
      return true;
    }

    @Override
    public void head(int status, Map<String, String> headers) {
      events.add("head " + status);
    }

    @Override
    public void data(String payload) {
      events.add("data " + payload);
    }

    @Override
    public void end() {
      events.add("end");
    }

    @Override
    public void fail(ApiError e, boolean afterHead) {
      error = e;
      errorAfterHead = afterHead;
      events.add("fail " + e.status());
    }

    @Override
    public void keepAlive() {
      events.add("keep-alive");
    }

    @Override
    public void onClientGone(Runnable callback) {
      clientGone = callback;
    }
  }

  /** What the dispatcher told the usage listeners, one per finished request. */
  private final List<UsageRecorded> recorded = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    router = new ConnectorLinkRouter();
    tokens = new TestCredentials();
    BrokerSettings settings =
        new BrokerSettings() {
          @Override
          public int heartbeatSeconds() {
            return 10;
          }

          @Override
          public Duration upstreamTimeout() {
            return Duration.ofSeconds(30);
          }

          @Override
          public Duration keepalive() {
            return Duration.ofSeconds(5);
          }

          @Override
          public Duration drain() {
            return Duration.ofSeconds(10);
          }
        };
    dispatcher = new Dispatcher();
    dispatcher.router = router;
    dispatcher.settings = settings;
    dispatcher.usageListeners = UsageListeners.of(recorded::add);
    dispatcher.routes = new RequestRoutes();
    dispatcher.routes.router = router;
    dispatcher.routes.responseIds = new ResponseIds();
    dispatcher.init();
    registry = new ConnectorRegistry();
    registry.router = router;
    registry.credentials = tokens.credentials;
    registry.settings = settings;
    registry.dispatcher = dispatcher;
    registry.metrics = io.remotellm.broker.metrics.BrokerMetrics.standalone();
    registry.init();
  }

  @AfterEach
  void tearDown() {
    codec.close();
  }

  private ConnectorLink connector(String id, Optional<String> llmKey, String... models) {
    FakeSocket socket = new FakeSocket();
    ConnectorLink link = new ConnectorLink(id, tokens.grant("tok-" + id, llmKey), socket);
    registry.onText(link, codec.encode(new Hello(1, "test", List.of(models), 4)));
    return link;
  }

  private static FakeSocket socket(ConnectorLink link) {
    return (FakeSocket) link.socket();
  }

  private RecordingSink start(String id, String model) {
    RecordingSink sink = new RecordingSink();
    dispatcher.start(
        new RelayRequest(id, "/v1/chat/completions", model, true, "{\"model\":\"" + model + "\"}"),
        sink,
        new AccessLog(id, "POST", System.nanoTime()));
    return sink;
  }

  /** The relay id of the last request sent to {@code link}: the broker makes its own. */
  private static String idOn(ConnectorLink link) {
    List<Request> sent = socket(link).sent(Request.class);
    return sent.get(sent.size() - 1).id();
  }

  private void answer(ConnectorLink link, Frame frame) {
    registry.onText(link, codec.encode(frame));
  }

  @Test
  void helloRegistersAndIsWelcomed() {
    ConnectorLink a = connector("a", Optional.empty(), "llama");
    assertThat(router.models()).containsExactly("llama");
    assertThat(socket(a).sent(Welcome.class))
        .singleElement()
        .satisfies(w -> assertThat(w.heartbeatSeconds()).isEqualTo(10));
  }

  /**
   * The relay reports to the request's access log once, when the answer is complete, naming the
   * connector that answered and the attempts; the response filter's later call writes nothing.
   */
  @Test
  void aRelayedRequestGetsOneAccessLineWhenItsAnswerIsComplete() {
    List<LogRecord> lines = new CopyOnWriteArrayList<>();
    Logger access = Logger.getLogger("io.remotellm.broker.access");
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            lines.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    access.addHandler(capture);
    // The test JVM logs warnings only (src/test/resources/logging.properties).
    Level level = access.getLevel();
    access.setLevel(Level.INFO);
    try {
      ConnectorLink a = connector("a", Optional.empty(), "m");
      AccessLog line = new AccessLog("r-access", "POST", System.nanoTime());
      line.handToRelay();
      dispatcher.start(
          new RelayRequest("r-access", "/v1/chat/completions", "m", true, "{}"),
          new RecordingSink(),
          line);
      line.answeredHere("/chat/completions", "m", 200, true);
      answer(a, new Head(idOn(a), 200, Map.of()));
      assertThat(lines).isEmpty();
      answer(a, new End(idOn(a), null));
      assertThat(lines).singleElement();
      Object[] p = lines.get(0).getParameters();
      assertThat(p[0]).isEqualTo("r-access");
      assertThat(p[2]).isEqualTo(a.id());
      assertThat(p[4]).isEqualTo("200");
      assertThat(p[7]).isEqualTo(1);
      line.answeredHere("/chat/completions", "m", 200, true);
      assertThat(lines).hasSize(1);
    } finally {
      access.removeHandler(capture);
      access.setLevel(level);
    }
  }

  @Test
  void requestCarriesTheRequestIdAndOnlyThisConnectorsKey() {
    ConnectorLink keyed = connector("k", Optional.of("sk-llm"), "m1");
    ConnectorLink plain = connector("p", Optional.empty(), "m2");
    start("r1", "m1");
    start("r2", "m2");
    Request r1 = socket(keyed).sent(Request.class).get(0);
    Request r2 = socket(plain).sent(Request.class).get(0);
    assertThat(r1.headers())
        .containsEntry("authorization", "Bearer sk-llm")
        .containsEntry("x-request-id", "r1");
    assertThat(r2.headers()).doesNotContainKey("authorization").containsEntry("x-request-id", "r2");
    // Streamed, so the broker asked for the usage chunk; nothing else of the body changed.
    assertThat(r1.body())
        .isEqualTo("{\"stream_options\":{\"include_usage\":true},\"model\":\"m1\"}");
  }

  // ---- usage read from the answer --------------------------------------------------------

  private RecordingSink startChat(String id, String model) {
    RecordingSink sink = new RecordingSink();
    dispatcher.start(
        new RelayRequest(
            id,
            "/v1/chat/completions",
            model,
            true,
            "{\"model\":\"" + model + "\",\"stream\":true}"),
        sink,
        new AccessLog(id, "POST", System.nanoTime()));
    return sink;
  }

  @Test
  void usageAskedForByTheBrokerIsRecordedAndItsChunkNeverReachesTheClient() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink sink = startChat("r1", "m");
    assertThat(socket(a).sent(Request.class).get(0).body())
        .isEqualTo("{\"stream_options\":{\"include_usage\":true},\"model\":\"m\",\"stream\":true}");
    String chunk = "{\"choices\":[{\"delta\":{\"content\":\"hi\"}}],\"usage\":null}";
    String usage = "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}";
    answer(a, new Head(idOn(a), 200, Map.of("content-type", "text/event-stream")));
    answer(a, new Data(idOn(a), chunk));
    answer(a, new Data(idOn(a), usage));
    answer(a, new Data(idOn(a), "[DONE]"));
    answer(a, End.of(idOn(a)));
    assertThat(sink.events).containsExactly("head 200", "data " + chunk, "data [DONE]", "end");
    assertThat(recorded)
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.usage()).isEqualTo(new TokenUsage(7, 2, false));
              assertThat(u.cancelled()).isFalse();
              assertThat(u.status()).isEqualTo(200);
            });
  }

  @Test
  void aCancelledStreamIsRecordedWithWhatWasGeneratedEstimated() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink sink = startChat("r1", "m");
    answer(a, new Head(idOn(a), 200, Map.of("content-type", "text/event-stream")));
    for (int i = 0; i < 3; i++) {
      answer(a, new Data(idOn(a), "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}"));
    }
    sink.clientGone.run();
    assertThat(recorded)
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.cancelled()).isTrue();
              assertThat(u.status()).isEqualTo(499);
              assertThat(u.usage().estimated()).isTrue();
              assertThat(u.usage().output()).isEqualTo(3);
              assertThat(u.usage().input()).isPositive();
            });
  }

  @Test
  void aStreamFailedMidWayIsRecordedWithItsStatusAndAnEstimate() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    startChat("r1", "m");
    answer(a, new Head(idOn(a), 200, Map.of("content-type", "text/event-stream")));
    answer(a, new Data(idOn(a), "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]}"));
    answer(a, new Failure(idOn(a), 502, "upstream_error", "LLM dropped"));
    assertThat(recorded)
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.status()).isEqualTo(502);
              assertThat(u.cancelled()).isFalse();
              // 27 characters of request at four a token; one chunk.
              assertThat(u.usage()).isEqualTo(new TokenUsage(7, 1, true));
            });
  }

  // ---- connector config reloaded ----------------------------------------------------------

  @Test
  void aRevokedTokensConnectorIsClosedWith1008AndItsModelsGo() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    ConnectorLink b = connector("b", Optional.empty(), "other");
    assertThat(tokens.revoke("tok-a").removed()).containsExactly(a.fingerprint());
    registry.recheckCredentials();
    assertThat(socket(a).closedWith).isEqualTo(1008);
    assertThat(a.isOpen()).isFalse();
    assertThat(router.models()).containsExactly("other");
    assertThat(socket(b).closedWith).isNull();
    ApiException e = catchThrowableOfType(ApiException.class, () -> start("r", "m"));
    assertThat(e.error().code()).isEqualTo("model_not_found");
  }

  @Test
  void aRevokedTokensRequestInFlightMovesToAnotherConnector() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink sink = start("r1", "m");
    assertThat(socket(a).sent(Request.class)).hasSize(1);
    ConnectorLink b = connector("b", Optional.empty(), "m");
    tokens.revoke("tok-a");
    registry.recheckCredentials();
    // Nothing was written to the client yet, so the request is retried on b, once.
    assertThat(socket(b).sent(Request.class))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.id()).isEqualTo(idOn(a));
              assertThat(r.headers()).containsEntry("x-request-id", "r1");
            });
    assertThat(sink.events).isEmpty();
  }

  @Test
  void aNewLlmKeyIsUsedFromTheNextRequestOn() {
    ConnectorLink a = connector("a", Optional.of("sk-old"), "m");
    start("r1", "m");
    tokens.grant("tok-a", Optional.of("sk-new"));
    registry.recheckCredentials();
    start("r2", "m");
    List<Request> sent = socket(a).sent(Request.class);
    assertThat(sent.get(0).headers()).containsEntry("authorization", "Bearer sk-old");
    assertThat(sent.get(1).headers()).containsEntry("authorization", "Bearer sk-new");
    assertThat(socket(a).closedWith).isNull();
  }

  @Test
  void aHelloUnderATokenRevokedSinceTheSocketOpenedIsRefused() {
    FakeSocket socket = new FakeSocket();
    ConnectorLink late =
        new ConnectorLink("late", tokens.grant("tok-late", Optional.empty()), socket);
    tokens.revoke("tok-late");
    registry.onText(late, codec.encode(new Hello(1, "test", List.of("m"), 4)));
    assertThat(socket.closedWith).isEqualTo(1008);
    assertThat(socket.sent(Welcome.class)).isEmpty();
    assertThat(router.models()).isEmpty();
  }

  @Test
  void twoRequestsInFlightWithTheSameClientIdBothGetTheirOwnAnswer() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink first = start("same-id", "m");
    RecordingSink second = start("same-id", "m");
    List<Request> sent = socket(a).sent(Request.class);
    assertThat(sent).hasSize(2);
    // The relay ids are the broker's own; the client's id goes on, unchanged, to the LLM.
    assertThat(sent.get(0).id()).isNotEqualTo(sent.get(1).id());
    assertThat(sent)
        .allSatisfy(r -> assertThat(r.headers()).containsEntry("x-request-id", "same-id"));
    answer(a, new Data(sent.get(1).id(), "two"));
    answer(a, End.of(sent.get(1).id()));
    answer(a, new Data(sent.get(0).id(), "one"));
    answer(a, End.of(sent.get(0).id()));
    assertThat(first.events).containsExactly("head 200", "data one", "end");
    assertThat(second.events).containsExactly("head 200", "data two", "end");
    assertThat(router.inFlight(a)).isZero();
    assertThat(dispatcher.inFlight()).isZero();
  }

  @Test
  void aFrameForAnotherConnectorsRequestIsIgnored() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    ConnectorLink rogue = connector("rogue", Optional.empty(), "other");
    RecordingSink sink = start("r", "m");
    answer(rogue, new Data(idOn(a), "injected"));
    answer(rogue, End.of(idOn(a)));
    assertThat(sink.events).isEmpty();
    assertThat(dispatcher.inFlight()).isEqualTo(1);
  }

  @Test
  void unknownModelIs404BeforeAnythingIsWritten() {
    connector("a", Optional.empty(), "llama");
    RecordingSink sink = new RecordingSink();
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                dispatcher.start(
                    new RelayRequest("r", "/v1/chat/completions", "gpt-4", false, "{}"),
                    sink,
                    new AccessLog("r", "POST", System.nanoTime())));
    assertThat(e.error().code()).isEqualTo("model_not_found");
    assertThat(sink.events).isEmpty();
  }

  @Test
  void aFullAnswerReleasesTheConnector() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink sink = start("r", "m");
    assertThat(router.inFlight(a)).isEqualTo(1);
    answer(a, new Head(idOn(a), 200, Map.of()));
    answer(a, new Data(idOn(a), "{\"x\":1}"));
    answer(a, End.of(idOn(a)));
    assertThat(sink.events).containsExactly("head 200", "data {\"x\":1}", "end");
    assertThat(router.inFlight(a)).isZero();
    answer(a, new Data(idOn(a), "late")); // after the end: ignored
    assertThat(sink.events).hasSize(3);
  }

  @Test
  void aFinishedRequestIsRecordedOnceWithTheUsageOfItsEndFrame() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    start("r", "m");
    answer(a, new Head(idOn(a), 200, Map.of()));
    answer(a, new Data(idOn(a), "{\"x\":1}"));
    answer(
        a,
        new End(
            idOn(a),
            jakarta.json.Json.createObjectBuilder()
                .add("prompt_tokens", 12)
                .add("completion_tokens", 34)
                .build()));
    answer(a, End.of(idOn(a))); // a second end changes nothing
    assertThat(recorded)
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.requestId()).isEqualTo("r");
              assertThat(u.user()).isEqualTo(RelayRequest.ANONYMOUS);
              assertThat(u.model()).isEqualTo("m");
              assertThat(u.connectorId()).isEqualTo("a");
              assertThat(u.status()).isEqualTo(200);
              assertThat(u.cancelled()).isFalse();
              assertThat(u.usage()).isEqualTo(new TokenUsage(12, 34, false));
              assertThat(u.timeToFirstToken()).isNotNull().isLessThanOrEqualTo(u.duration());
            });
  }

  @Test
  void aCancelledRequestIsRecordedAsCancelledWithoutUsage() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink sink = start("r", "m");
    sink.clientGone.run();
    assertThat(recorded)
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.cancelled()).isTrue();
              assertThat(u.status()).isEqualTo(499);
              assertThat(u.usage()).isEqualTo(TokenUsage.UNKNOWN);
              assertThat(u.timeToFirstToken()).isNull();
            });
  }

  @Test
  void dropBeforeHeadIsRetriedOnceOnAnotherConnector() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    ConnectorLink b = connector("b", Optional.empty(), "m");
    RecordingSink sink = start("r", "m");
    ConnectorLink first = socket(a).sent(Request.class).isEmpty() ? b : a;
    ConnectorLink second = first == a ? b : a;
    registry.onClosed(first, "test");
    assertThat(socket(second).sent(Request.class))
        .singleElement()
        .satisfies(r -> assertThat(r.id()).isEqualTo(idOn(first)));
    assertThat(router.inFlight(first)).isZero();
    assertThat(router.inFlight(second)).isEqualTo(1);
    // The second drops too: no third attempt, a 502.
    registry.onClosed(second, "test");
    assertThat(sink.error.code()).isEqualTo("upstream_error");
    assertThat(sink.errorAfterHead).isFalse();
    assertThat(router.inFlight(second)).isZero();
  }

  @Test
  void atCapacityBeforeHeadIsRetried() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    ConnectorLink b = connector("b", Optional.empty(), "m");
    start("r", "m");
    ConnectorLink first = socket(a).sent(Request.class).isEmpty() ? b : a;
    ConnectorLink second = first == a ? b : a;
    answer(first, new Failure(idOn(first), 503, "unavailable", "at capacity"));
    assertThat(socket(second).sent(Request.class)).hasSize(1);
    assertThat(router.inFlight(first)).isZero();
  }

  @Test
  void dropAfterHeadFailsTheStreamWithoutRetry() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    ConnectorLink b = connector("b", Optional.empty(), "m");
    RecordingSink sink = start("r", "m");
    ConnectorLink first = socket(a).sent(Request.class).isEmpty() ? b : a;
    ConnectorLink second = first == a ? b : a;
    answer(first, new Head(idOn(first), 200, Map.of()));
    registry.onClosed(first, "test");
    assertThat(sink.error.status()).isEqualTo(502);
    assertThat(sink.errorAfterHead).isTrue();
    assertThat(socket(second).sent(Request.class)).isEmpty();
    assertThat(router.inFlight(first) + router.inFlight(second)).isZero();
  }

  @Test
  void clientGoneSendsCancelAtOnce() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink sink = start("r", "m");
    answer(a, new Head(idOn(a), 200, Map.of()));
    sink.clientGone.run();
    assertThat(socket(a).sent(Cancel.class))
        .singleElement()
        .satisfies(c -> assertThat(c.id()).isEqualTo(idOn(a)));
    assertThat(router.inFlight(a)).isZero();
  }

  @Test
  void silenceTimesOutWith504AndCancels() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink sink = start("r", "m");
    dispatcher.tick(System.nanoTime() + TimeUnit.SECONDS.toNanos(6));
    assertThat(sink.events).containsExactly("keep-alive");
    dispatcher.tick(System.nanoTime() + TimeUnit.SECONDS.toNanos(31));
    assertThat(sink.error.code()).isEqualTo("upstream_timeout");
    assertThat(socket(a).sent(Cancel.class)).hasSize(1);
    assertThat(router.inFlight(a)).isZero();
  }

  @Test
  void aFailedSendCountsAsADroppedConnector() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    ConnectorLink b = connector("b", Optional.empty(), "m");
    socket(a).failSends = true;
    socket(b).failSends = true;
    RecordingSink sink = start("r", "m");
    assertThat(sink.error.code()).isEqualTo("upstream_error");
    assertThat(router.inFlight(a) + router.inFlight(b)).isZero();
  }

  @Test
  void aSendThatThrowsLeavesNothingInFlight() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    socket(a).throwOnSend = true;
    assertThat(catchThrowableOfType(IllegalStateException.class, () -> start("r", "m")))
        .hasMessageContaining("a bug");
    assertThat(dispatcher.inFlight()).isZero();
    assertThat(router.inFlight(a)).isZero();
  }

  @Test
  void silentConnectorsAreDroppedOthersPinged() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    registry.heartbeat(System.nanoTime());
    assertThat(socket(a).pings).isEqualTo(1);
    registry.heartbeat(System.nanoTime() + TimeUnit.SECONDS.toNanos(31));
    assertThat(socket(a).closedWith).isNotNull();
    assertThat(router.models()).isEmpty();
  }

  /**
   * The usage (and with it the user's concurrency slot) is counted before the client can see the
   * answer end or fail, so a client that sends its next request at once is not refused as over
   * {@code max_concurrent} by the request that just ended.
   */
  @Test
  void usageIsCountedBeforeTheClientSeesTheAnswerEndOrFail() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    List<String> seen = new CopyOnWriteArrayList<>();
    RecordingSink sink =
        new RecordingSink() {
          @Override
          public void end() {
            seen.add("end after " + recorded.size() + " counted");
            super.end();
          }

          @Override
          public void fail(ApiError e, boolean afterHead) {
            seen.add("fail after " + recorded.size() + " counted");
            super.fail(e, afterHead);
          }
        };
    dispatcher.start(
        new RelayRequest("r1", "/v1/chat/completions", "m", true, "{}"),
        sink,
        new AccessLog("r1", "POST", System.nanoTime()));
    answer(a, new Head(idOn(a), 200, Map.of()));
    answer(a, End.of(idOn(a)));
    dispatcher.start(
        new RelayRequest("r2", "/v1/chat/completions", "m", true, "{}"),
        sink,
        new AccessLog("r2", "POST", System.nanoTime()));
    answer(a, new Head(idOn(a), 200, Map.of()));
    answer(a, new Failure(idOn(a), 502, "upstream_error", "LLM dropped"));
    assertThat(seen).containsExactly("end after 1 counted", "fail after 2 counted");
    assertThat(sink.events).containsExactly("head 200", "end", "head 200", "fail 502");
  }

  @Test
  void aSinkThatThrowsStillEndsTheExchange() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink sink =
        new RecordingSink() {
          @Override
          public void data(String payload) {
            throw new IllegalStateException("response already closed");
          }
        };
    dispatcher.start(
        new RelayRequest("r", "/v1/chat/completions", "m", true, "{}"),
        sink,
        new AccessLog("r", "POST", System.nanoTime()));
    answer(a, new Head(idOn(a), 200, Map.of()));
    answer(a, new Data(idOn(a), "x"));
    assertThat(router.inFlight(a)).isZero();
    assertThat(socket(a).sent(Cancel.class)).hasSize(1);
  }

  @Test
  void shutdownRefusesNewRequestsAndWaitsForRunningOnes() throws Exception {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    RecordingSink running = start("r", "m");
    CompletableFuture<Void> drained = CompletableFuture.runAsync(dispatcher::drain);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!dispatcher.draining() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    ApiException refused = catchThrowableOfType(ApiException.class, () -> start("r2", "m"));
    assertThat(refused.error().status()).isEqualTo(503);
    assertThat(refused.error().code()).isEqualTo("unavailable");
    assertThat(drained).isNotDone();
    answer(a, new Head(idOn(a), 200, Map.of()));
    answer(a, End.of(idOn(a)));
    drained.get(5, TimeUnit.SECONDS);
    assertThat(running.events).containsExactly("head 200", "end");
    assertThat(socket(a).closedWith).isEqualTo(1001);
  }

  @Test
  void onlyTheFirstDrainWaitsSoPreDestroyAfterTheServletIsQuick() throws Exception {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    start("r", "m");
    CompletableFuture<Void> first = CompletableFuture.runAsync(dispatcher::drain);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!dispatcher.draining() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    // A second call (as @PreDestroy makes after the drain servlet's) does not wait again.
    CompletableFuture.runAsync(dispatcher::drain).get(2, TimeUnit.SECONDS);
    assertThat(first).isNotDone();
    answer(a, new Head(idOn(a), 200, Map.of()));
    answer(a, End.of(idOn(a)));
    first.get(5, TimeUnit.SECONDS);
    assertThat(socket(a).closedWith).isEqualTo(1001);
  }

  @Test
  void modelsFrameReplacesTheServedSet() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    answer(a, new io.remotellm.protocol.ModelsChanged(List.of("n", "o")));
    assertThat(router.models()).containsExactly("n", "o");
  }

  @Test
  void badFramesAreSkippedNotFatal() {
    ConnectorLink a = connector("a", Optional.empty(), "m");
    registry.onText(a, "not json");
    registry.onText(a, "{\"type\":\"future-frame\"}");
    assertThat(router.models()).containsExactly("m");
  }

  @Test
  void aVersion3ConnectorIsWelcomedIn3AndItsBinaryMessagesAreReadAsTheirText() {
    FakeSocket socket = new FakeSocket();
    ConnectorLink a = new ConnectorLink("a", tokens.grant("tok-a", Optional.empty()), socket);
    registry.onText(a, codec.encode(new Hello(3, "test", List.of("m"), 4)));
    assertThat(socket.sent(Welcome.class))
        .singleElement()
        .satisfies(w -> assertThat(w.protocol()).isEqualTo(3));
    RecordingSink sink = start("r-bin", "m");
    String id = idOn(a);
    String event = "{\"t\":\"Grüße 🌍 \u2028\"}";
    // Invalid UTF-8 first: skipped as an invalid frame, the link serves on.
    registry.onBinary(a, new byte[] {'{', (byte) 0xC3});
    registry.onBinary(
        a,
        codec
            .encode(
                new Batch(
                    List.of(
                        new Head(id, 200, Map.of("content-type", "text/event-stream")),
                        new Data(id, event))))
            .getBytes(StandardCharsets.UTF_8));
    registry.onBinary(a, codec.encode(End.of(id)).getBytes(StandardCharsets.UTF_8));
    assertThat(sink.events).containsExactly("head 200", "data " + event, "end");
    assertThat(socket.closedWith).isNull();
  }
}
