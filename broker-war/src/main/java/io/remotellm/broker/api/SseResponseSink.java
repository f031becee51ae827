package io.remotellm.broker.api;

import io.remotellm.broker.config.BrokerSettings;
import io.remotellm.broker.edge.ApiEdge;
import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.relay.ResponseSink;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes an answer as SSE: each upstream payload as one event, flushed as it comes, text in and
 * text out, its name ({@code event:}) kept for the APIs that name them. How a stream ends is the
 * {@link ApiEdge}'s: OpenAI's chat streams drop the upstream's own {@code [DONE]} and get exactly
 * one at the end, Responses and Messages streams end with their own last event; failures end the
 * stream with the family's error event and no {@code [DONE]}.
 */
final class SseResponseSink implements ResponseSink {

  private static final Logger LOG = Logger.getLogger(SseResponseSink.class.getName());
  private static final String DONE = "[DONE]";

  /** An upstream error body is kept only to pass it on; a few KB is all a client needs. */
  private static final int MAX_ERROR_BODY = 64 * 1024;

  /** The default bound when none is given (unit tests): BrokerSettings' default. */
  static final long DEFAULT_MAX_BUFFERED_BYTES =
      Long.parseLong(BrokerSettings.MAX_BUFFERED_BYTES_PER_STREAM_DEFAULT);

  /** Tells the writer task to close the sink once everything before it is written. */
  private static final OutboundSseEvent CLOSE = null;

  /**
   * What an event name from a connector may be: SSE needs one line, clients match a few known
   * names; anything else is sent unnamed rather than let a connector write into the stream's
   * framing.
   */
  private static final java.util.regex.Pattern EVENT_NAME =
      java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  private final SseEventSink sink;
  private final Sse sse;
  private final ApiEdge edge;
  private final Executor writer;
  private final long maxBufferedBytes;
  private final SseCloseGate closeGate;
  private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean writing = new AtomicBoolean();
  private final AtomicBoolean gone = new AtomicBoolean();
  private volatile boolean closing;
  private volatile Runnable clientGone = () -> {};
  private int upstreamErrorStatus;
  private StringBuilder upstreamErrorBody;

  private record Pending(OutboundSseEvent event, long bytes) {}

  /** Writes on the calling thread with the default bound: for tests. */
  SseResponseSink(SseEventSink sink, Sse sse) {
    this(sink, sse, Runnable::run, DEFAULT_MAX_BUFFERED_BYTES, ApiEdges.OPENAI);
  }

  /** Closes the sink as soon as the stream ends: for tests. */
  SseResponseSink(
      SseEventSink sink, Sse sse, Executor writer, long maxBufferedBytes, ApiEdge edge) {
    this(sink, sse, writer, maxBufferedBytes, edge, SseCloseGate.open());
  }

  SseResponseSink(
      SseEventSink sink,
      Sse sse,
      Executor writer,
      long maxBufferedBytes,
      ApiEdge edge,
      SseCloseGate closeGate) {
    this.closeGate = closeGate;
    this.sink = sink;
    this.sse = sse;
    this.edge = edge;
    this.writer = writer;
    this.maxBufferedBytes = maxBufferedBytes;
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
    data(null, payload);
  }

  @Override
  public void data(String event, String payload) {
    if (upstreamErrorBody != null) {
      if (upstreamErrorBody.length() + payload.length() <= MAX_ERROR_BODY) {
        upstreamErrorBody.append(payload);
      }
      return;
    }
    if (event == null && DONE.equals(payload.strip())) {
      return; // ours comes at the end, once (and only where the family has one)
    }
    String name = event != null && EVENT_NAME.matcher(event).matches() ? event : null;
    send(dataEvent(name, payload), payload.length());
  }

  @Override
  public void end() {
    if (upstreamErrorBody != null) {
      String body = upstreamErrorBody.toString().strip();
      send(
          event(
              edge.upstreamStreamError(
                  body.replace("\r", "").replace("\n", ""),
                  ApiError.fromConnector(
                      upstreamErrorStatus,
                      "upstream_error",
                      "The upstream answered HTTP " + upstreamErrorStatus))),
          0);
    } else if (edge.streamEnd() != null) {
      send(event(edge.streamEnd()), 0);
    }
    close();
  }

  @Override
  public void fail(ApiError error, boolean afterHead) {
    send(event(edge.streamError(error)), 0);
    close();
  }

  @Override
  public void keepAlive() {
    send(sse.newEventBuilder().comment("keep-alive").build(), 0);
  }

  @Override
  public void onClientGone(Runnable callback) {
    this.clientGone = callback;
  }

  private OutboundSseEvent event(ApiEdge.SseFrame frame) {
    return dataEvent(frame.event(), frame.data());
  }

  private OutboundSseEvent dataEvent(String name, String payload) {
    OutboundSseEvent.Builder event = sse.newEventBuilder();
    if (name != null) {
      event.name(name);
    }
    return event.mediaType(MediaType.TEXT_PLAIN_TYPE).data(String.class, payload).build();
  }

  /**
   * Queues an event; {@code bytes} counts towards the bound (the answer's own payloads: the few
   * events the relay adds itself are small and must not be refused).
   */
  private void send(OutboundSseEvent event, long bytes) {
    if (gone.get() || closing) {
      return;
    }
    // One event of any size may wait alone (the connector caps events); the bound is on a backlog
    // behind the event being written.
    long before = bytes > 0 ? queuedBytes.getAndAdd(bytes) : 0;
    if (before > 0 && before + bytes > maxBufferedBytes) {
      LOG.log(
          Level.WARNING,
          "SSE client reads too slowly: over {0} bytes waiting to be written; cancelling the request",
          String.valueOf(maxBufferedBytes));
      queue.clear();
      gone();
      queue.add(new Pending(CLOSE, 0));
      drain();
      return;
    }
    queue.add(new Pending(event, bytes));
    drain();
  }

  /** Starts the writer task unless one is running; it writes until the queue is empty. */
  private void drain() {
    if (!writing.compareAndSet(false, true)) {
      return;
    }
    try {
      writer.execute(this::writeQueued);
    } catch (RuntimeException e) {
      // No thread to write with (the server is stopping): the answer cannot reach the client.
      writing.set(false);
      LOG.log(Level.FINE, "SSE writer not started: {0}", e.toString());
      gone();
    }
  }

  private void writeQueued() {
    while (true) {
      Pending next;
      while ((next = queue.poll()) != null) {
        if (next.event() == CLOSE) {
          closeSink();
          continue;
        }
        // Counted off as it is taken: the bound is on what waits behind the write in progress.
        queuedBytes.addAndGet(-next.bytes());
        if (!gone.get()) {
          write(next.event());
        }
      }
      writing.set(false);
      // An event queued after the poll above and before the flag was cleared is ours to write.
      if (queue.isEmpty() || !writing.compareAndSet(false, true)) {
        return;
      }
    }
  }

  private void write(OutboundSseEvent event) {
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

  /** Ends the stream after what is queued; from here on, silence is ours, not the client's. */
  private void close() {
    closing = true;
    queue.add(new Pending(CLOSE, 0));
    drain();
  }

  private void closeSink() {
    gone.set(true);
    closeGate.close(this::closeQuietly, writer);
  }

  private void closeQuietly() {
    try {
      sink.close();
    } catch (RuntimeException e) {
      // Closing a stream the client already dropped can fail; there is nothing left to do.
      LOG.log(Level.FINE, "closing SSE sink: {0}", e.toString());
    }
  }
}
