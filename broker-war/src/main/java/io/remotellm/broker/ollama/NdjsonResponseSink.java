package io.remotellm.broker.ollama;

import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.relay.ResponseSink;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes a streamed Ollama answer as NDJSON: each line the connector relayed, unchanged, with its
 * {@code \n}, flushed as it comes, on the writer pool (never on the connector's socket thread),
 * with the same bound on a slow client's backlog as SSE. The keep-alive before the first line is
 * one space: JSON allows whitespace before a value, so every Ollama client parses {@code " {...}"},
 * while an empty line breaks Ollama's own Go client and the Python one ({@code json.loads("")}).
 * The space commits a 200, as an SSE comment does: an LLM's refusal after that comes as an {@code
 * {"error":...}} line, which Ollama itself sends mid-stream and its clients read.
 */
final class NdjsonResponseSink implements ResponseSink {

  private static final Logger LOG = Logger.getLogger(NdjsonResponseSink.class.getName());
  static final String NDJSON = "application/x-ndjson";
  private static final byte[] KEEP_ALIVE = {' '};
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private final AsyncContext async;
  private final HttpServletResponse response;
  private final Executor writer;
  private final long maxBufferedBytes;
  private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean writing = new AtomicBoolean();
  private final AtomicBoolean gone = new AtomicBoolean();
  private volatile boolean closing;
  private volatile Runnable clientGone = () -> {};

  /** Status and headers go out with the first bytes; until then they can still change. */
  private volatile int status = 200;

  private volatile String contentType = NDJSON;
  private boolean started;
  private int upstreamErrorStatus;
  private boolean pieces;
  private StringBuilder upstreamErrorBody;

  /** Marks the end of the answer in the queue. */
  private static final Pending CLOSE = new Pending(new byte[0], 0);

  /** Bytes to write, and how much of the slow-client bound they hold. */
  private record Pending(byte[] bytes, long counted) {}

  NdjsonResponseSink(
      AsyncContext async, HttpServletResponse response, Executor writer, long maxBufferedBytes) {
    this.async = async;
    this.response = response;
    this.writer = writer;
    this.maxBufferedBytes = maxBufferedBytes;
    async.addListener(new ClientListener(this::gone));
  }

  @Override
  public boolean streaming() {
    return true;
  }

  @Override
  public void head(int status, Map<String, String> headers) {
    if (status >= 400) {
      // The LLM refused: its body is one error object, not a stream.
      upstreamErrorStatus = status;
      upstreamErrorBody = new StringBuilder();
      return;
    }
    String type = headers.get("content-type");
    // A body that is not NDJSON comes in pieces cut by size, not lines: passed on as it came.
    pieces = type != null && !type.toLowerCase(Locale.ROOT).startsWith(NDJSON);
  }

  @Override
  public void data(String line) {
    if (upstreamErrorBody != null) {
      if (upstreamErrorBody.length() + line.length() <= MAX_ERROR_BODY) {
        upstreamErrorBody.append(line);
      }
      return;
    }
    send(pieces ? line.getBytes(StandardCharsets.UTF_8) : line(line), line.length());
  }

  @Override
  public void end() {
    if (upstreamErrorBody != null) {
      String body = upstreamErrorBody.toString().strip().replace("\r", "").replace("\n", "");
      if (!body.startsWith("{")) {
        body =
            ApiEdges.OLLAMA.errorBody(
                ApiError.upstream("The upstream answered HTTP " + upstreamErrorStatus));
      }
      sendError(upstreamErrorStatus, body);
      return;
    }
    close();
  }

  @Override
  public void fail(ApiError error, boolean afterHead) {
    sendError(error.status(), ApiEdges.OLLAMA.errorBody(error));
  }

  /**
   * Before the first byte, with its own status and as JSON; after it, as the stream's last line.
   */
  private void sendError(int errorStatus, String json) {
    synchronized (this) {
      if (!started) {
        started = true;
        status = errorStatus;
        contentType = "application/json";
      }
    }
    send(line(json), 0);
    close();
  }

  @Override
  public void keepAlive() {
    synchronized (this) {
      started = true;
    }
    send(KEEP_ALIVE, 0);
  }

  @Override
  public void onClientGone(Runnable callback) {
    this.clientGone = callback;
  }

  private static byte[] line(String text) {
    return (text + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private void send(byte[] bytes, long counted) {
    synchronized (this) {
      started = true;
    }
    if (gone.get() || closing) {
      return;
    }
    // One line of any size may wait alone (the connector caps lines); the bound is on a backlog.
    long before = counted > 0 ? queuedBytes.getAndAdd(counted) : 0;
    if (before > 0 && before + counted > maxBufferedBytes) {
      LOG.log(
          Level.WARNING,
          "NDJSON client reads too slowly: over {0} bytes waiting to be written; cancelling the"
              + " request",
          String.valueOf(maxBufferedBytes));
      queue.clear();
      gone();
      return;
    }
    queue.add(new Pending(bytes, counted));
    drain();
  }

  private void drain() {
    if (!writing.compareAndSet(false, true)) {
      return;
    }
    try {
      writer.execute(this::writeQueued);
    } catch (RuntimeException e) {
      // No thread to write with (the server is stopping): the answer cannot reach the client.
      writing.set(false);
      LOG.log(Level.FINE, "NDJSON writer not started: {0}", e.toString());
      gone();
      completeQuietly();
    }
  }

  private void writeQueued() {
    while (true) {
      Pending next;
      while ((next = queue.poll()) != null) {
        if (next == CLOSE) {
          gone.set(true);
          completeQuietly();
          continue;
        }
        // Counted off as it is taken: the bound is on what waits behind the write in progress.
        queuedBytes.addAndGet(-next.counted());
        if (!gone.get()) {
          write(next.bytes());
        }
      }
      writing.set(false);
      if (queue.isEmpty() || !writing.compareAndSet(false, true)) {
        return;
      }
    }
  }

  private void write(byte[] bytes) {
    try {
      if (!response.isCommitted()) {
        response.setStatus(status);
        response.setContentType(contentType);
        if (NDJSON.equals(contentType)) {
          response.setHeader("Cache-Control", "no-cache");
          response.setHeader("X-Accel-Buffering", "no");
        }
      }
      OutputStream out = response.getOutputStream();
      out.write(bytes);
      out.flush();
    } catch (IOException | RuntimeException e) {
      gone();
    }
  }

  /** The client cannot be written to: the relay must stop, and the response ends. */
  private void gone() {
    if (gone.compareAndSet(false, true)) {
      LOG.log(Level.FINE, "NDJSON client went away");
      clientGone.run();
      queue.add(CLOSE);
      drain();
    }
  }

  /** Ends the stream after what is queued; from here on, silence is ours, not the client's. */
  private void close() {
    closing = true;
    queue.add(CLOSE);
    drain();
  }

  private final AtomicBoolean completed = new AtomicBoolean();

  private void completeQuietly() {
    if (!completed.compareAndSet(false, true)) {
      return;
    }
    try {
      async.complete();
    } catch (RuntimeException e) {
      // Completing a response the container already gave up on can fail; nothing is left to do.
      LOG.log(Level.FINE, "completing NDJSON response: {0}", e.toString());
    }
  }
}
