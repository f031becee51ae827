package io.remotellm.broker.edge;

import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.LlmApi;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * One API family as its clients see the broker: where their key is, what an error looks like, how a
 * stream ends. Stateless and thread-safe.
 */
public interface ApiEdge {

  /** The family. */
  LlmApi api();

  /**
   * Whether a request to {@code path} (from the context root, e.g. {@code /v1/messages}) is ours.
   */
  boolean owns(String path);

  /**
   * The key the client presented, as an {@code Authorization} value ({@code Bearer <key>}), or null
   * when it sent none; {@code header} reads the request's headers by name.
   */
  String presentedKey(UnaryOperator<String> header);

  /** What a client that sent no key is told. */
  String missingKeyMessage();

  /** The client's headers (lower case) that must reach the LLM, as they came. */
  Set<String> forwardedHeaders();

  /** An error response's JSON body. */
  String errorBody(ApiError error);

  /** The event that ends a complete stream, or null when the family's own last event does. */
  SseFrame streamEnd();

  /** The event that breaks a stream off with {@code error}. */
  SseFrame streamError(ApiError error);

  /**
   * The event for an LLM that refused a streamed request: {@code body} is its error body (JSON when
   * it starts with a brace, line breaks removed), {@code fallback} what to say if it is not JSON.
   */
  SseFrame upstreamStreamError(String body, ApiError fallback);

  /** One SSE event: {@code event} is its name, null for an unnamed ({@code data:} only) event. */
  record SseFrame(String event, String data) {}
}
