package io.remotellm.broker.api;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.relay.ResponseSink;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ConnectionCallback;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Collects a non-streaming answer (one or more {@code data} frames) and resumes the suspended
 * response with the LLM's status, content type and body text, unchanged.
 */
final class AsyncResponseSink implements ResponseSink {

  private static final Logger LOG = Logger.getLogger(AsyncResponseSink.class.getName());

  private final AsyncResponse response;
  private final StringBuilder body = new StringBuilder();
  private int status = 200;
  private String contentType = "application/json";

  AsyncResponseSink(AsyncResponse response) {
    this.response = response;
  }

  @Override
  public boolean streaming() {
    return false;
  }

  @Override
  public void head(int status, Map<String, String> headers) {
    this.status = status;
    String type = headers.get("content-type");
    if (type != null && !type.isBlank()) {
      contentType = type;
    }
  }

  @Override
  public void data(String payload) {
    body.append(payload);
  }

  @Override
  public void end() {
    response.resume(Response.status(status).type(contentType).entity(body.toString()).build());
  }

  @Override
  public void fail(ApiError error, boolean afterHead) {
    response.resume(new ApiException(error));
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
