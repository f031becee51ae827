package io.remotellm.broker.relay;

import io.remotellm.protocol.LlmApi;
import java.util.Map;

/**
 * What the API hands the relay: the client's body as it came, and what the broker read to route it.
 *
 * @param requestId the {@code x-request-id} of this request
 * @param path the relayed path, as the connector forwards it ({@code /v1/messages})
 * @param model the requested model; null for a call routed by response id
 * @param stream whether the client asked for SSE
 * @param body the client's JSON text, relayed unchanged
 * @param method the HTTP method
 * @param api the family of the call: only connectors whose LLM speaks it may get it
 * @param headers the client's headers that must reach the LLM ({@code anthropic-version})
 * @param responseId for {@code /v1/responses/{id}}: the id, whose connector must answer; else null
 * @param user the caller's name (users file), {@code key-<fingerprint>} for a key without one, or
 *     {@code anonymous}; never a key
 * @param query the client's query string for the LLM (checked with {@link
 *     io.remotellm.protocol.Request#isValidQuery}), or null; never logged, as it is the client's
 */
public record RelayRequest(
    String requestId,
    String path,
    String model,
    boolean stream,
    String body,
    String method,
    LlmApi api,
    Map<String, String> headers,
    String responseId,
    String user,
    String query) {

  public static final String ANONYMOUS = "anonymous";

  public RelayRequest {
    method = method == null ? "POST" : method;
    api = api == null ? LlmApi.OPENAI : api;
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    user = user == null ? ANONYMOUS : user;
    query = query == null || query.isEmpty() ? null : query;
  }

  /** A request without a query string. */
  public RelayRequest(
      String requestId,
      String path,
      String model,
      boolean stream,
      String body,
      String method,
      LlmApi api,
      Map<String, String> headers,
      String responseId,
      String user) {
    this(requestId, path, model, stream, body, method, api, headers, responseId, user, null);
  }

  /** An OpenAI call relayed by model, as before API families. */
  public RelayRequest(String requestId, String path, String model, boolean stream, String body) {
    this(requestId, path, model, stream, body, "POST", LlmApi.OPENAI, Map.of(), null, ANONYMOUS);
  }

  /** The same request on behalf of {@code user}. */
  public RelayRequest forUser(String user) {
    return new RelayRequest(
        requestId, path, model, stream, body, method, api, headers, responseId, user, query);
  }

  /** Whether the answer creates a response the Responses API may later ask for by its id. */
  boolean createsResponse() {
    return api == LlmApi.RESPONSES && "POST".equals(method) && "/v1/responses".equals(path);
  }

  /** Never prints the body: it holds the prompt. */
  @Override
  public String toString() {
    return "RelayRequest["
        + requestId
        + ", "
        + method
        + " "
        + path
        + ", model="
        + model
        + ", stream="
        + stream
        + ", user="
        + user
        + "]";
  }
}
