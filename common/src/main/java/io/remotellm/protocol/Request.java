package io.remotellm.protocol;

import java.util.Map;

/**
 * Broker → connector: forward this to the LLM. {@code body} is the client's JSON text as it came;
 * {@code headers} carry {@code x-request-id} and, where configured, the LLM key as {@code
 * authorization}.
 */
public record Request(
    String id, String method, String path, Map<String, String> headers, String body, boolean stream)
    implements Frame {
  public Request {
    Fields.required(id, "id");
    Fields.required(method, "method");
    Fields.required(path, "path");
    headers = Fields.headers(headers);
    body = body == null ? "" : body;
  }

  /**
   * Shows the shape, never the headers (they may hold a key) nor the body (it holds the prompt).
   */
  @Override
  public String toString() {
    return "Request[id=" + id + ", " + method + " " + path + ", stream=" + stream + "]";
  }
}
