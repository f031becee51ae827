package io.remotellm.broker.usage;

import jakarta.json.JsonObject;

/**
 * Anthropic's Messages API. Streamed, {@code message_start} carries the prompt's tokens in {@code
 * message.usage} and each {@code message_delta} the output so far in {@code usage.output_tokens}
 * (cumulative); not streamed, the body's {@code usage} has both. Input counts the cached parts too
 * ({@code cache_creation_input_tokens}, {@code cache_read_input_tokens}): the GPU read them all.
 */
final class AnthropicUsageScanner implements UsageScanner {

  private final BodyTail tail = new BodyTail();
  private long input = -1;
  private long output;
  private boolean outputSeen;

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
    return input < 0 && !outputSeen ? null : new TokenUsage(Math.max(0, input), output, false);
  }

  /** Only once the final output count came ({@code message_delta}, or the body). */
  @Override
  public boolean complete() {
    return outputSeen;
  }

  private void read(String text) {
    JsonObject usage = JsonScan.parse(JsonScan.objectAfter(text, "usage"));
    if (usage == null) {
      return;
    }
    if (JsonScan.has(usage, "input_tokens")) {
      input =
          JsonScan.count(usage, "input_tokens")
              + JsonScan.count(usage, "cache_creation_input_tokens")
              + JsonScan.count(usage, "cache_read_input_tokens");
    }
    if (JsonScan.has(usage, "output_tokens")) {
      output = JsonScan.count(usage, "output_tokens");
      // message_start's output_tokens is a placeholder (1 or so); only message_delta's is final.
      outputSeen = !text.contains("\"message_start\"");
    }
  }
}
