package io.remotellm.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.broker.relay.RelayRequest;
import io.remotellm.broker.relay.ResponseSink;
import io.remotellm.broker.usage.TokenUsage;
import io.remotellm.broker.usage.UsageListeners;
import io.remotellm.protocol.LlmApi;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The forwarding broker's end of a peer link. Its overdue sweep, on a clock the test moves: a
 * request that hears nothing for longer than the timeout fails (502), one whose answer keeps coming
 * is never cut, however long it runs, and one that ended is not touched. And a far end that sends
 * what no serving broker sends gets the link dropped, its requests failed at once.
 */
class PeerLinkTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final PeerLink link = new PeerLink("http://peer", TIMEOUT, l -> {}, now::get);
  private final SentFrames socket = new SentFrames();

  @Test
  void aRequestThatHearsNothingForLongerThanTheTimeoutFailsWithA502() {
    link.onOpen(socket);
    Recorded client = forward();
    assertThat(socket.sent).singleElement().asString().startsWith("R 1\n");

    link.expire(now.get() + TIMEOUT.toNanos());
    assertThat(client.events).isEmpty();

    link.expire(now.get() + TIMEOUT.toNanos() + 1);
    assertThat(client.events).containsExactly("fail 502 false");
  }

  @Test
  void aStreamThatKeepsComingIsNeverCutHoweverLongItRuns() {
    link.onOpen(socket);
    Recorded client = forward();
    link.onText(socket, PeerLinkFrames.answer(1, false, SinkEvents.head(200, Map.of())), true);
    // An answer that runs for six timeouts, a frame every 9 s: each one restarts the wait.
    for (int i = 0; i < 6 * 10 / 9; i++) {
      now.addAndGet(9 * SECOND);
      link.expire(now.get());
      link.onText(socket, PeerLinkFrames.answer(1, false, SinkEvents.data(null, "tok" + i)), true);
    }
    link.expire(now.get() + TIMEOUT.toNanos());
    assertThat(client.events).doesNotContain("fail 502 true");

    link.onText(
        socket,
        PeerLinkFrames.answer(
            1,
            true,
            SinkEvents.end() + SinkEvents.usage("c1", 200, false, TokenUsage.UNKNOWN, null)),
        true);
    link.expire(now.get() + 100 * TIMEOUT.toNanos());
    assertThat(client.events).first().isEqualTo("head 200");
    assertThat(client.events).last().isEqualTo("end");
    assertThat(client.events).noneMatch(e -> e.startsWith("fail"));
  }

  /**
   * The serving broker sends the answer's end, then its usage: the client sees the end only once
   * the usage is counted here, where the request was admitted (its concurrency slot freed), so a
   * next request sent at once is not refused by this one.
   */
  @Test
  void theEndReachesTheClientOnlyOnceItsUsageIsCountedHere() {
    link.onOpen(socket);
    List<String> counted = new CopyOnWriteArrayList<>();
    Recorded client = forward(link, UsageListeners.of(u -> counted.add("counted " + u.status())));
    link.onText(socket, PeerLinkFrames.answer(1, false, SinkEvents.head(200, Map.of())), true);
    link.onText(socket, PeerLinkFrames.answer(1, false, SinkEvents.end()), true);
    assertThat(client.events).containsExactly("head 200");
    assertThat(counted).isEmpty();

    link.onText(
        socket,
        PeerLinkFrames.answer(
            1, true, SinkEvents.usage("c1", 200, false, TokenUsage.UNKNOWN, null)),
        true);
    assertThat(counted).containsExactly("counted 200");
    assertThat(client.events).containsExactly("head 200", "end");
  }

  @Test
  void aStreamThatStopsMidwayFailsAfterTheHeadWithTheErrorEvent() {
    link.onOpen(socket);
    Recorded client = forward();
    link.onText(socket, PeerLinkFrames.answer(1, false, SinkEvents.head(200, Map.of())), true);
    link.expire(now.get() + TIMEOUT.toNanos());
    assertThat(client.events).containsExactly("head 200");

    link.expire(now.get() + TIMEOUT.toNanos() + 1);
    assertThat(client.events).containsExactly("head 200", "fail 502 true");
  }

  @Test
  void aRequestTheServingBrokerGaveUpOnEndsWithA502AndTheLinkGoesOn() {
    // What the serving broker sends when the request's backlog passed its bound: an empty Z.
    link.onOpen(socket);
    Recorded before = forward();
    link.onText(socket, PeerLinkFrames.answer(1, true, ""), true);
    assertThat(before.events).containsExactly("fail 502 false");

    Recorded streaming = forward();
    Recorded beside = forward();
    link.onText(socket, PeerLinkFrames.answer(2, false, SinkEvents.head(200, Map.of())), true);
    link.onText(socket, PeerLinkFrames.answer(2, true, ""), true);
    assertThat(streaming.events).containsExactly("head 200", "fail 502 true");
    link.onText(
        socket,
        PeerLinkFrames.answer(
            3,
            true,
            SinkEvents.head(200, Map.of())
                + SinkEvents.end()
                + SinkEvents.usage("c1", 200, false, TokenUsage.UNKNOWN, null)),
        true);
    assertThat(beside.events).containsExactly("head 200", "end");
    assertThat(link.open()).isTrue();
  }

  @Test
  void anUnreadableAnswerDropsTheLinkAndFailsItsRequestsAtOnce() {
    List<PeerLink> dropped = new CopyOnWriteArrayList<>();
    for (String garbage : List.of("hello", "R 1\n{}", "C 1")) {
      dropped.clear();
      PeerLink link = new PeerLink("http://peer", TIMEOUT, dropped::add, now::get);
      link.onOpen(socket);
      Recorded client = forward(link);
      link.onText(socket, PeerLinkFrames.answer(1, false, SinkEvents.head(200, Map.of())), true);
      link.onText(socket, garbage, true);
      assertThat(client.events).as(garbage).containsExactly("head 200", "fail 502 true");
      assertThat(dropped).as(garbage).containsExactly(link);
      assertThat(link.open()).as(garbage).isFalse();
    }
  }

  private Recorded forward() {
    return forward(link);
  }

  private Recorded forward(PeerLink link) {
    return forward(link, UsageListeners.of());
  }

  private Recorded forward(PeerLink link, UsageListeners counted) {
    Recorded client = new Recorded();
    RelayRequest request =
        new RelayRequest(
            "r-sweep",
            "/v1/chat/completions",
            "m",
            true,
            "{}",
            "POST",
            LlmApi.OPENAI,
            Map.of(),
            null,
            "u",
            null);
    ForwardedCall call =
        new ForwardedCall(
            request,
            client,
            new AccessLog("r-sweep", "POST", System.nanoTime()),
            new ClusterView.Target("member", "http://peer", "c1"),
            counted);
    link.forward("{}", call);
    return client;
  }

  /** The client's response as the forwarding broker replays it. */
  private static final class Recorded implements ResponseSink {
    final List<String> events = new CopyOnWriteArrayList<>();

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
      events.add("data");
    }

    @Override
    public void end() {
      events.add("end");
    }

    @Override
    public void fail(ApiError error, boolean afterHead) {
      events.add("fail " + error.status() + " " + afterHead);
    }

    @Override
    public void keepAlive() {}

    @Override
    public void onClientGone(Runnable callback) {}
  }

  /**
   * The serving broker as the link sees it: takes every frame at once and never answers by itself
   * (a broker frozen with the link open); the test answers for it.
   */
  private static final class SentFrames implements WebSocket {
    final List<CharSequence> sent = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) {
      sent.add(data.toString());
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) {
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public CompletableFuture<WebSocket> sendPing(ByteBuffer message) {
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public CompletableFuture<WebSocket> sendPong(ByteBuffer message) {
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public void request(long n) {}

    @Override
    public String getSubprotocol() {
      return "";
    }

    @Override
    public boolean isOutputClosed() {
      return false;
    }

    @Override
    public boolean isInputClosed() {
      return false;
    }

    @Override
    public void abort() {}
  }
}
