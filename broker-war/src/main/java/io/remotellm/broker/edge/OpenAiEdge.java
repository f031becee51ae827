package io.remotellm.broker.edge;

import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.LlmApi;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * OpenAI's chat completions, completions, embeddings and models, and whatever is under {@code /v1}
 * that no other family owns: the key as a bearer token, errors as {@code {"error":{...}}}, streams
 * of unnamed events ended by {@code data: [DONE]}.
 */
public class OpenAiEdge implements ApiEdge {

  @Override
  public LlmApi api() {
    return LlmApi.OPENAI;
  }

  @Override
  public boolean owns(String path) {
    return true; // the fallback: ApiEdges asks it last
  }

  @Override
  public String presentedKey(UnaryOperator<String> header) {
    return header.apply("authorization");
  }

  @Override
  public String missingKeyMessage() {
    return "Missing API key: send 'Authorization: Bearer <key>'";
  }

  @Override
  public Set<String> forwardedHeaders() {
    return Set.of();
  }

  @Override
  public String errorBody(ApiError error) {
    return error.toJson();
  }

  @Override
  public SseFrame streamEnd() {
    return new SseFrame(null, "[DONE]");
  }

  @Override
  public SseFrame streamError(ApiError error) {
    return new SseFrame(null, error.toJson());
  }

  @Override
  public SseFrame upstreamStreamError(String body, ApiError fallback) {
    return new SseFrame(null, body.startsWith("{") ? body : fallback.toJson());
  }
}
