package io.remotellm.broker.api;

/**
 * A chat-completions body as the broker sees it: the two fields it reads, and the text it relays.
 *
 * @param model the requested model
 * @param stream whether the client asked for SSE
 * @param text the body, decoded as UTF-8, relayed unchanged
 */
public record ChatBody(String model, boolean stream, String text) {
  @Override
  public String toString() {
    return "ChatBody[model=" + model + ", stream=" + stream + "]";
  }
}
