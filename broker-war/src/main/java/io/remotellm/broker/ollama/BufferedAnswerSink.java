package io.remotellm.broker.ollama;

import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.relay.ResponseSink;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Collects a non-streamed Ollama answer and writes it whole, with the LLM's status and content
 * type, unchanged; the broker's own errors in Ollama's shape. Written on the writer pool, never on
 * the connector's socket thread, which a client reading slowly would otherwise hold up.
 */
final class BufferedAnswerSink implements ResponseSink {

  private static final Logger LOG = Logger.getLogger(BufferedAnswerSink.class.getName());

  /** Longer than any real content type with its parameters. */
  private static final int MAX_CONTENT_TYPE = 256;

  private final AsyncContext async;
  private final HttpServletResponse response;
  private final Executor writer;
  private final StringBuilder body = new StringBuilder();
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile Runnable clientGone = () -> {};
  private int status = 200;
  private String contentType = "application/json";

  BufferedAnswerSink(AsyncContext async, HttpServletResponse response, Executor writer) {
    this.async = async;
    this.response = response;
    this.writer = writer;
    async.addListener(new ClientListener(() -> clientGone.run()));
  }

  @Override
  public boolean streaming() {
    return false;
  }

  @Override
  public void head(int status, Map<String, String> headers) {
    this.status = status;
    String type = headers.get("content-type");
    // A connector is not trusted (issue 18): an odd content type becomes JSON.
    contentType =
        type == null
                || type.isBlank()
                || type.length() > MAX_CONTENT_TYPE
                || type.chars().anyMatch(c -> c < 0x20 || c > 0x7e)
            ? "application/json"
            : type;
  }

  @Override
  public void data(String payload) {
    body.append(payload);
  }

  @Override
  public void end() {
    write(status, contentType, body.toString());
  }

  @Override
  public void fail(ApiError error, boolean afterHead) {
    write(error.status(), "application/json", ApiEdges.OLLAMA.errorBody(error));
  }

  @Override
  public void keepAlive() {
    // A whole JSON answer has nothing to send before it is complete.
  }

  @Override
  public void onClientGone(Runnable callback) {
    this.clientGone = callback;
  }

  private void write(int answerStatus, String type, String text) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    Runnable task = () -> writeNow(answerStatus, type, text);
    try {
      writer.execute(task);
    } catch (RejectedExecutionException e) {
      // No writer thread (the server is stopping): answer from here rather than not at all.
      task.run();
    }
  }

  private void writeNow(int answerStatus, String type, String text) {
    try {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      response.setStatus(answerStatus);
      response.setContentType(type);
      response.setContentLength(bytes.length);
      response.getOutputStream().write(bytes);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "client gone before its answer was written: {0}", e.toString());
      clientGone.run();
    } finally {
      try {
        async.complete();
      } catch (RuntimeException e) {
        // The container already ended this response (the client left): nothing left to do.
        LOG.log(Level.FINE, "completing response: {0}", e.toString());
      }
    }
  }
}
