package io.remotellm.broker.edge;

import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.SharedJsonProvider;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Anthropic's Messages API ({@code /v1/messages...}): the key in {@code x-api-key} (Anthropic's
 * SDKs) or as a bearer token (Claude Code with {@code ANTHROPIC_AUTH_TOKEN}); {@code
 * anthropic-version} and {@code anthropic-beta} go on to the LLM; errors as {@code
 * {"type":"error","error":{"type","message"}}} with Anthropic's error types; a stream of named
 * events that ends with its own {@code message_stop} and breaks off with an {@code error} event.
 */
public class AnthropicEdge implements ApiEdge {

  @Override
  public LlmApi api() {
    return LlmApi.ANTHROPIC;
  }

  @Override
  public boolean owns(String path) {
    return path.equals("/v1/messages") || path.startsWith("/v1/messages/");
  }

  @Override
  public String presentedKey(UnaryOperator<String> header) {
    String key = header.apply("x-api-key");
    return key == null || key.isBlank() ? header.apply("authorization") : "Bearer " + key.strip();
  }

  @Override
  public String missingKeyMessage() {
    return "Missing API key: send 'x-api-key: <key>' or 'Authorization: Bearer <key>'";
  }

  @Override
  public Set<String> forwardedHeaders() {
    return Set.of("anthropic-version", "anthropic-beta");
  }

  /** Anthropic's error type for an HTTP status (docs.anthropic.com, "Errors"). */
  static String type(int status) {
    return switch (status) {
      case 400, 405, 409, 415, 422 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 503, 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  @Override
  public String errorBody(ApiError error) {
    return SharedJsonProvider.INSTANCE
        .createObjectBuilder()
        .add("type", "error")
        .add(
            "error",
            SharedJsonProvider.INSTANCE
                .createObjectBuilder()
                .add("type", type(error.status()))
                .add("message", error.message()))
        .build()
        .toString();
  }

  @Override
  public SseFrame streamEnd() {
    return null;
  }

  @Override
  public SseFrame streamError(ApiError error) {
    return new SseFrame("error", errorBody(error));
  }

  @Override
  public SseFrame upstreamStreamError(String body, ApiError fallback) {
    return new SseFrame("error", body.startsWith("{") ? body : errorBody(fallback));
  }
}
