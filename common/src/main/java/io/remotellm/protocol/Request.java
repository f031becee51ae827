package io.remotellm.protocol;

import jakarta.json.bind.annotation.JsonbCreator;
import java.util.Map;

/**
 * Broker → connector: forward this to the LLM. {@code body} is the client's JSON text as it came;
 * {@code headers} carry {@code x-request-id}, the client's headers its API family needs at the LLM
 * ({@code anthropic-version}, {@code anthropic-beta}) and, where configured, the LLM key as {@code
 * authorization} (the connector passes it on the way the family expects). {@code api} is the
 * family's wire name ({@link LlmApi}); an older broker sends none, which means {@code openai}.
 */
public record Request(
    String id,
    String method,
    String path,
    Map<String, String> headers,
    String body,
    boolean stream,
    String api)
    implements Frame {
  @JsonbCreator
  public Request {
    Fields.required(id, "id");
    Fields.required(method, "method");
    Fields.required(path, "path");
    headers = Fields.headers(headers);
    body = body == null ? "" : body;
  }

  /** A request of the {@code openai} family, as an older broker sends it. */
  public Request(
      String id,
      String method,
      String path,
      Map<String, String> headers,
      String body,
      boolean stream) {
    this(id, method, path, headers, body, stream, null);
  }

  /** The family this request belongs to: its {@code api}, else its path's, else {@code openai}. */
  public LlmApi family() {
    return LlmApi.of(api)
        .orElseGet(
            () ->
                RelayedEndpoints.find(method, path)
                    .map(RelayedEndpoints.Endpoint::api)
                    .orElse(LlmApi.OPENAI));
  }

  /**
   * Shows the shape, never the headers (they may hold a key) nor the body (it holds the prompt).
   */
  @Override
  public String toString() {
    return "Request[id="
        + id
        + ", "
        + method
        + " "
        + path
        + ", stream="
        + stream
        + (api == null ? "" : ", api=" + api)
        + "]";
  }
}
