package io.remotellm.broker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.LlmApi;
import jakarta.ws.rs.core.GenericType;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The SSE framing rules: payloads verbatim, one [DONE], error events, keep-alives, disconnects. */
class SseResponseSinkTest {

  /** What went on the wire, one SSE event per element, in the format the spec gives. */
  private final List<String> wire = new CopyOnWriteArrayList<>();

  private volatile boolean failWrites;
  private volatile boolean closed;

  private final SseEventSink sink =
      new SseEventSink() {
        @Override
        public boolean isClosed() {
          return closed;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
          if (failWrites) {
            return CompletableFuture.failedFuture(new java.io.IOException("broken pipe"));
          }
          wire.add(
              event.getComment() != null
                  ? ": " + event.getComment()
                  : (event.getName() == null ? "" : "event: " + event.getName() + "\n")
                      + "data: "
                      + event.getData());
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
          closed = true;
        }
      };

  private final SseResponseSink relay = new SseResponseSink(sink, new FakeSse());

  @Test
  void payloadsGoOutVerbatimAndEndWithOneDone() {
    relay.head(200, Map.of());
    relay.data("{\"a\": 1,  \"b\":\"é\"}");
    relay.data("[DONE]");
    relay.end();
    assertThat(wire).containsExactly("data: {\"a\": 1,  \"b\":\"é\"}", "data: [DONE]");
    assertThat(closed).isTrue();
  }

  @Test
  void failureSendsAnErrorEventAndNoDone() {
    relay.head(200, Map.of());
    relay.data("{\"n\":1}");
    relay.fail(ApiError.upstream("connector dropped"), true);
    assertThat(wire).hasSize(2);
    assertThat(wire.get(1)).startsWith("data: {\"error\":").contains("\"code\":\"upstream_error\"");
    assertThat(wire).noneMatch(l -> l.equals("data: [DONE]"));
    assertThat(closed).isTrue();
  }

  @Test
  void anUpstreamErrorStatusBecomesOneErrorEvent() {
    relay.head(429, Map.of("content-type", "application/json"));
    relay.data("{\"error\":{\"message\":\"slow down\"}}");
    relay.end();
    assertThat(wire).containsExactly("data: {\"error\":{\"message\":\"slow down\"}}");
  }

  @Test
  void aClientThatStopsReadingIsCancelledPastTheBound() {
    // The writer task never gets to run, as when it is blocked on a client that does not read.
    List<Runnable> stuck = new CopyOnWriteArrayList<>();
    SseResponseSink bounded =
        new SseResponseSink(sink, new FakeSse(), stuck::add, 1000, ApiEdges.OPENAI);
    AtomicInteger goneCalls = new AtomicInteger();
    bounded.onClientGone(goneCalls::incrementAndGet);
    bounded.head(200, Map.of());
    for (int i = 0; i < 9; i++) {
      bounded.data("x".repeat(100));
    }
    assertThat(goneCalls).hasValue(0);
    bounded.data("x".repeat(101));
    bounded.data("x".repeat(100));
    assertThat(goneCalls).hasValue(1);
    assertThat(stuck).hasSize(1);
    stuck.get(0).run();
    // Nothing more is written for a cancelled stream; the sink is closed.
    assertThat(wire).isEmpty();
    assertThat(closed).isTrue();
  }

  @Test
  void oneEventLargerThanTheBoundStillGoesOut() {
    SseResponseSink bounded =
        new SseResponseSink(sink, new FakeSse(), Runnable::run, 1000, ApiEdges.OPENAI);
    AtomicInteger goneCalls = new AtomicInteger();
    bounded.onClientGone(goneCalls::incrementAndGet);
    bounded.data("x".repeat(5000));
    bounded.end();
    assertThat(goneCalls).hasValue(0);
    assertThat(wire).hasSize(2);
  }

  @Test
  void aStreamThatEndsBeforeTheRequestThreadLeftJerseyIsClosedOnlyAfterIt() {
    // The LLM's whole answer arrives while the container still dispatches the request: every
    // event goes out at once, the close waits for the dispatch to end (Jersey issue 5439).
    SseCloseGate gate = SseCloseGate.dispatching();
    SseResponseSink fast =
        new SseResponseSink(sink, new FakeSse(), Runnable::run, 1000, ApiEdges.OPENAI, gate);
    fast.head(200, Map.of());
    fast.data("{\"n\":1}");
    fast.end();
    assertThat(wire).containsExactly("data: {\"n\":1}", "data: [DONE]");
    assertThat(closed).isFalse();
    gate.dispatchEnded();
    assertThat(closed).isTrue();
  }

  @Test
  void aStreamThatEndsAfterTheDispatchEndedClosesAtOnce() {
    SseCloseGate gate = SseCloseGate.dispatching();
    gate.dispatchEnded();
    SseResponseSink slow =
        new SseResponseSink(sink, new FakeSse(), Runnable::run, 1000, ApiEdges.OPENAI, gate);
    slow.data("{\"n\":1}");
    slow.end();
    assertThat(closed).isTrue();
  }

  @Test
  void keepAliveIsAComment() {
    relay.keepAlive();
    assertThat(wire).containsExactly(": keep-alive");
  }

  @Test
  void aFailedWriteReportsTheClientGoneOnce() {
    AtomicInteger gone = new AtomicInteger();
    relay.onClientGone(gone::incrementAndGet);
    failWrites = true;
    relay.keepAlive();
    relay.data("x");
    assertThat(gone.get()).isEqualTo(1);
  }

  @Test
  void aClosedSinkReportsTheClientGone() {
    AtomicInteger gone = new AtomicInteger();
    relay.onClientGone(gone::incrementAndGet);
    closed = true;
    relay.data("x");
    assertThat(gone.get()).isEqualTo(1);
    assertThat(wire).isEmpty();
  }

  @Test
  void anthropicEventsKeepTheirNamesAndTheStreamEndsWithoutDone() {
    SseResponseSink named =
        new SseResponseSink(
            sink, new FakeSse(), Runnable::run, 1000, ApiEdges.of(LlmApi.ANTHROPIC));
    named.head(200, Map.of());
    named.data("ping", "{\"type\": \"ping\"}");
    named.data("message_stop", "{\"type\":\"message_stop\"}");
    named.end();
    assertThat(wire)
        .containsExactly(
            "event: ping\ndata: {\"type\": \"ping\"}",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}");
  }

  @Test
  void anthropicFailureIsAnErrorEventInAnthropicsShape() {
    SseResponseSink named =
        new SseResponseSink(
            sink, new FakeSse(), Runnable::run, 1000, ApiEdges.of(LlmApi.ANTHROPIC));
    named.head(200, Map.of());
    named.fail(ApiError.upstream("connector dropped"), true);
    assertThat(wire)
        .containsExactly(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                + "\"message\":\"connector dropped\"}}");
  }

  @Test
  void responsesFailureIsAnErrorEventAndAConnectorsOddEventNameIsDropped() {
    SseResponseSink named =
        new SseResponseSink(
            sink, new FakeSse(), Runnable::run, 1000, ApiEdges.of(LlmApi.RESPONSES));
    named.head(200, Map.of());
    named.data("response.created\ndata: injected", "{}");
    named.fail(ApiError.upstreamTimeout("too slow"), true);
    assertThat(wire).hasSize(2);
    assertThat(wire.get(0)).isEqualTo("data: {}");
    assertThat(wire.get(1))
        .startsWith("event: error\ndata: {\"type\":\"error\",\"code\":\"upstream_timeout\"");
  }

  /** Just enough of the SSE API to build events. */
  private static final class FakeSse implements Sse {
    @Override
    public OutboundSseEvent.Builder newEventBuilder() {
      return new Builder();
    }

    @Override
    public SseBroadcaster newBroadcaster() {
      throw new UnsupportedOperationException();
    }
  }

  private record Event(String name, String comment, Object data, MediaType mediaType)
      implements OutboundSseEvent {
    @Override
    public Class<?> getType() {
      return data == null ? null : data.getClass();
    }

    @Override
    public Type getGenericType() {
      return getType();
    }

    @Override
    public MediaType getMediaType() {
      return mediaType;
    }

    @Override
    public Object getData() {
      return data;
    }

    @Override
    public String getId() {
      return null;
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public String getComment() {
      return comment;
    }

    @Override
    public long getReconnectDelay() {
      return -1;
    }

    @Override
    public boolean isReconnectDelaySet() {
      return false;
    }
  }

  private static final class Builder implements OutboundSseEvent.Builder {
    private String name;
    private String comment;
    private Object data;
    private MediaType mediaType;

    @Override
    public OutboundSseEvent.Builder id(String id) {
      return this;
    }

    @Override
    public OutboundSseEvent.Builder name(String name) {
      this.name = name;
      return this;
    }

    @Override
    public OutboundSseEvent.Builder reconnectDelay(long milliseconds) {
      return this;
    }

    @Override
    public OutboundSseEvent.Builder mediaType(MediaType mediaType) {
      this.mediaType = mediaType;
      return this;
    }

    @Override
    public OutboundSseEvent.Builder comment(String comment) {
      this.comment = comment;
      return this;
    }

    @SuppressWarnings("rawtypes") // the SSE API's own signature
    @Override
    public OutboundSseEvent.Builder data(Class type, Object data) {
      this.data = data;
      return this;
    }

    @SuppressWarnings("rawtypes") // the SSE API's own signature
    @Override
    public OutboundSseEvent.Builder data(GenericType type, Object data) {
      this.data = data;
      return this;
    }

    @Override
    public OutboundSseEvent.Builder data(Object data) {
      this.data = data;
      return this;
    }

    @Override
    public OutboundSseEvent build() {
      return new Event(name, comment, data, mediaType);
    }
  }
}
