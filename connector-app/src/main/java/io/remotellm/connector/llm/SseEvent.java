package io.remotellm.connector.llm;

/**
 * One server-sent event as the LLM sent it: its name ({@code event:} field; null when unnamed, as
 * in OpenAI's chat streams) and its data, verbatim. Responses and Anthropic Messages streams name
 * every event, and their clients read the name, so it travels with the data.
 */
public record SseEvent(String name, String data) {
  public static SseEvent unnamed(String data) {
    return new SseEvent(null, data);
  }
}
