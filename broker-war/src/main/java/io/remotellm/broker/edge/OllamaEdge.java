package io.remotellm.broker.edge;

import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.SharedJsonProvider;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Ollama's native API under {@code /api}: the key as a bearer token (Open WebUI and the client
 * libraries send it so), errors as {@code {"error":"..."}}. Its streams are NDJSON, not SSE: the
 * Ollama servlet's NDJSON sink writes them, and the SSE frames here are the same objects as lines,
 * for anything that asks an edge generically. A stream ends with Ollama's own {@code done:true}.
 */
public class OllamaEdge implements ApiEdge {

  @Override
  public LlmApi api() {
    return LlmApi.OLLAMA;
  }

  @Override
  public boolean owns(String path) {
    return path.equals("/api") || path.startsWith("/api/");
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
    return SharedJsonProvider.INSTANCE
        .createObjectBuilder()
        .add("error", error.message())
        .build()
        .toString();
  }

  @Override
  public SseFrame streamEnd() {
    return null; // the last line says done:true
  }

  @Override
  public SseFrame streamError(ApiError error) {
    return new SseFrame(null, errorBody(error));
  }

  @Override
  public SseFrame upstreamStreamError(String body, ApiError fallback) {
    return new SseFrame(null, body.startsWith("{") ? body : errorBody(fallback));
  }
}
