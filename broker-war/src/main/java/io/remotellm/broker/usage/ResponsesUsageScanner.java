package io.remotellm.broker.usage;

import jakarta.json.JsonObject;

/**
 * OpenAI's Responses API: the response object's {@code usage} ({@code input_tokens}, {@code
 * output_tokens}), in the body, or in the stream's {@code response.completed} event (also {@code
 * response.incomplete} and {@code response.failed}); the earlier events say {@code "usage":null}.
 */
final class ResponsesUsageScanner implements UsageScanner {

  private final BodyTail tail = new BodyTail();
  private TokenUsage reported;

  @Override
  public boolean event(String payload) {
    if (payload.contains("\"usage\"")) {
      read(payload);
    }
    return true;
  }

  @Override
  public void body(String piece) {
    String window = tail.next(piece);
    if (window.contains("\"usage\"")) {
      read(window);
    }
  }

  @Override
  public TokenUsage reported() {
    return reported;
  }

  private void read(String text) {
    JsonObject usage = JsonScan.parse(JsonScan.objectAfter(text, "usage"));
    if (usage != null && JsonScan.has(usage, "input_tokens")) {
      reported =
          new TokenUsage(
              JsonScan.count(usage, "input_tokens"), JsonScan.count(usage, "output_tokens"), false);
    }
  }
}
