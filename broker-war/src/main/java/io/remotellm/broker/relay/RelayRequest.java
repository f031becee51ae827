package io.remotellm.broker.relay;

/**
 * What the API hands the relay: the client's body as it came, the two fields the broker reads, and
 * who asked.
 *
 * @param requestId the {@code x-request-id} of this request
 * @param path the endpoint the client called, e.g. {@code /v1/chat/completions}
 * @param model the requested model
 * @param stream whether the client asked for SSE
 * @param body the client's JSON text, relayed unchanged
 * @param user the caller's name (users file), {@code key-<fingerprint>} for a key without one, or
 *     {@code anonymous}; never a key
 * @param api the API family the client spoke, e.g. {@code openai}
 */
public record RelayRequest(
    String requestId,
    String path,
    String model,
    boolean stream,
    String body,
    String user,
    String api) {

  public static final String ANONYMOUS = "anonymous";
  public static final String OPENAI = "openai";

  /** An OpenAI-API request of no particular user (tests, anonymous access). */
  public RelayRequest(String requestId, String path, String model, boolean stream, String body) {
    this(requestId, path, model, stream, body, ANONYMOUS, OPENAI);
  }

  /** Never prints the body: it holds the prompt. */
  @Override
  public String toString() {
    return "RelayRequest["
        + requestId
        + ", model="
        + model
        + ", stream="
        + stream
        + ", user="
        + user
        + "]";
  }
}
