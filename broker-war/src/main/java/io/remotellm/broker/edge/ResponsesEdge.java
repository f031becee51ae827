package io.remotellm.broker.edge;

import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonObjectBuilder;

/**
 * OpenAI's Responses API ({@code /v1/responses...}): OpenAI's key and error body, but a stream of
 * named events that ends with its own {@code response.completed} (no {@code [DONE]}) and breaks off
 * with an {@code error} event, {@code {"type":"error","code","message","param"}}.
 */
public class ResponsesEdge extends OpenAiEdge {

  @Override
  public LlmApi api() {
    return LlmApi.RESPONSES;
  }

  @Override
  public boolean owns(String path) {
    return path.equals("/v1/responses") || path.startsWith("/v1/responses/");
  }

  @Override
  public SseFrame streamEnd() {
    return null;
  }

  @Override
  public SseFrame streamError(ApiError error) {
    JsonObjectBuilder event =
        SharedJsonProvider.INSTANCE
            .createObjectBuilder()
            .add("type", "error")
            .add("code", error.code())
            .add("message", error.message());
    if (error.param() == null) {
      event.addNull("param");
    } else {
      event.add("param", error.param());
    }
    return new SseFrame("error", event.build().toString());
  }

  @Override
  public SseFrame upstreamStreamError(String body, ApiError fallback) {
    return body.startsWith("{") ? new SseFrame("error", body) : streamError(fallback);
  }
}
