package io.remotellm.broker.api;

import io.remotellm.broker.edge.ApiEdge;
import io.remotellm.broker.edge.ApiEdges;
import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.relay.ResponseSink;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ConnectionCallback;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Collects a non-streaming answer (one or more {@code data} frames) and resumes the suspended
 * response with the LLM's status, content type and body text, unchanged. The resume runs on the
 * writer pool, never on the caller's thread: the servers write the whole body inside {@code
 * resume}, and the caller is the connector's socket thread, which a client reading a large answer
 * slowly would otherwise hold up for every other request on that connector.
 */
final class AsyncResponseSink implements ResponseSink {

  private static final Logger LOG = Logger.getLogger(AsyncResponseSink.class.getName());

  /** Longer than any real content type with its parameters. */
  static final int MAX_CONTENT_TYPE = 256;

  private final AsyncResponse response;
  private final Executor writer;
  private final ApiEdge edge;
  private final StringBuilder body = new StringBuilder();
  private int status = 200;
  private MediaType contentType = MediaType.APPLICATION_JSON_TYPE;

  AsyncResponseSink(AsyncResponse response, Executor writer) {
    this(response, writer, ApiEdges.OPENAI);
  }

  AsyncResponseSink(AsyncResponse response, Executor writer, ApiEdge edge) {
    this.response = response;
    this.writer = writer;
    this.edge = edge;
  }

  @Override
  public boolean streaming() {
    return false;
  }

  @Override
  public void head(int status, Map<String, String> headers) {
    this.status = status;
    contentType = contentType(headers.get("content-type"));
  }

  /**
   * The connector's content type when it is a sane one; JSON otherwise. A connector is not trusted
   * (issue 18): a huge or malformed value must neither reach the client nor throw when the answer
   * is built.
   */
  static MediaType contentType(String type) {
    if (type == null || type.isBlank() || type.length() > MAX_CONTENT_TYPE) {
      return MediaType.APPLICATION_JSON_TYPE;
    }
    try {
      return MediaType.valueOf(type);
    } catch (IllegalArgumentException malformed) {
      return MediaType.APPLICATION_JSON_TYPE;
    }
  }

  @Override
  public void data(String payload) {
    body.append(payload);
  }

  @Override
  public void end() {
    Response answer = Response.status(status).type(contentType).entity(body.toString()).build();
    resume(() -> response.resume(answer));
  }

  @Override
  public void fail(ApiError error, boolean afterHead) {
    // Built here in the family's shape: the exception mappers may run outside this request.
    Response answer = ApiExceptionMapper.response(edge, error);
    resume(() -> response.resume(answer));
  }

  private void resume(Runnable resume) {
    try {
      writer.execute(resume);
    } catch (RejectedExecutionException e) {
      // No writer thread (the server is stopping): answer from here rather than not at all.
      resume.run();
    }
  }

  @Override
  public void keepAlive() {
    // A buffered answer has no way to send a keep-alive; its client waits for the whole body.
  }

  @Override
  public void onClientGone(Runnable callback) {
    try {
      // Servers that can tell a dropped connection call this; the others let the timeout end it.
      response.register((ConnectionCallback) disconnected -> callback.run());
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "connection callbacks not supported here: {0}", e.toString());
    }
  }
}
