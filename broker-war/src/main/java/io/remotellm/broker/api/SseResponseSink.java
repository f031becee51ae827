package io.remotellm.broker.api;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.relay.ResponseSink;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes an answer as SSE: each upstream payload as one {@code data:} event, flushed as it comes,
 * text in and text out; the upstream's own {@code [DONE]} is dropped and exactly one is sent at
 * the end; failures end the stream with an error event and no {@code [DONE]}.
 */
final class SseResponseSink implements ResponseSink {

  private static final Logger LOG = Logger.getLogger(SseResponseSink.class.getName());
  private static final String DONE = "[DONE]";
  /** An upstream error body is kept only to pass it on; a few KB is all a client needs. */
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private final SseEventSink sink;
  private final Sse sse;
  private final AtomicBoolean gone = new AtomicBoolean();
  private volatile Runnable clientGone = () -> {};
  private int upstreamErrorStatus;
  private StringBuilder upstreamErrorBody;

  SseResponseSink(SseEventSink sink, Sse sse) {
    this.sink = sink;
    this.sse = sse;
  }

  @Override
  public boolean streaming() {
    return true;
  }

  @Override
  public void head(int status, Map<String, String> headers) {
    if (status >= 400) {
      // The LLM refused (bad request, overloaded...): its body is an error, not a stream.
      upstreamErrorStatus = status;
      upstreamErrorBody = new StringBuilder();
    }
  }

  @Override
  public void data(String payload) {
    if (upstreamErrorBody != null) {
      if (upstreamErrorBody.length() + payload.length() <= MAX_ERROR_BODY) {
        upstreamErrorBody.append(payload);
      }
      return;
    }
    if (DONE.equals(payload.strip())) {
      return; // ours comes at the end, once
    }
    send(dataEvent(payload));
  }

  @Override
  public void end() {
    if (upstreamErrorBody != null) {
      String body = upstreamErrorBody.toString().strip();
      send(
          dataEvent(
              body.startsWith("{")
                  ? body.replace("\r", "").replace("\n", "")
                  : ApiError.fromConnector(
                          upstreamErrorStatus,
                          "upstream_error",
                          "The upstream answered HTTP " + upstreamErrorStatus)
                      .toJson()));
    } else {
      send(dataEvent(DONE));
    }
    close();
  }

  @Override
  public void fail(ApiError error, boolean afterHead) {
    send(dataEvent(error.toJson()));
    close();
  }

  @Override
  public void keepAlive() {
    send(sse.newEventBuilder().comment("keep-alive").build());
  }

  @Override
  public void onClientGone(Runnable callback) {
    this.clientGone = callback;
  }

  private OutboundSseEvent dataEvent(String payload) {
    return sse.newEventBuilder().mediaType(MediaType.TEXT_PLAIN_TYPE).data(String.class, payload).build();
  }

  private synchronized void send(OutboundSseEvent event) {
    if (gone.get()) {
      return;
    }
    if (sink.isClosed()) {
      gone();
      return;
    }
    try {
      sink.send(event)
          .whenComplete(
              (ok, error) -> {
                if (error != null) {
                  gone();
                }
              });
    } catch (RuntimeException e) {
      gone();
    }
  }

  private void gone() {
    if (gone.compareAndSet(false, true)) {
      LOG.log(Level.FINE, "SSE client went away");
      clientGone.run();
    }
  }

  private void close() {
    gone.set(true); // from here on, silence is ours, not the client's
    try {
      sink.close();
    } catch (RuntimeException e) {
      // Closing a stream the client already dropped can fail; there is nothing left to do.
      LOG.log(Level.FINE, "closing SSE sink: {0}", e.toString());
    }
  }
}
