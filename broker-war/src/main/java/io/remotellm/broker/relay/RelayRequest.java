package io.remotellm.broker.relay;

/**
 * What the API hands the relay: the client's body as it came, and the two fields the broker reads.
 *
 * @param requestId the {@code x-request-id} of this request
 * @param model the requested model
 * @param stream whether the client asked for SSE
 * @param body the client's JSON text, relayed unchanged
 */
public record RelayRequest(
    String requestId, String path, String model, boolean stream, String body) {
  /** Never prints the body: it holds the prompt. */
  @Override
  public String toString() {
    return "RelayRequest[" + requestId + ", model=" + model + ", stream=" + stream + "]";
  }
}
