package io.remotellm.broker.usage;

import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

/**
 * Reads the {@code usage} object a connector sends with {@code end} (the LLM's own, OpenAI's {@code
 * prompt_tokens}/{@code completion_tokens} or the Responses and Anthropic {@code
 * input_tokens}/{@code output_tokens}). Anything else, or nothing, is {@link TokenUsage#UNKNOWN}: a
 * connector is not trusted to send sane numbers.
 */
public final class EndFrameUsage {

  private EndFrameUsage() {}

  public static TokenUsage read(JsonObject usage) {
    if (usage == null) {
      return TokenUsage.UNKNOWN;
    }
    long input = count(usage, "prompt_tokens", "input_tokens");
    long output = count(usage, "completion_tokens", "output_tokens");
    if (input < 0 && output < 0) {
      return TokenUsage.UNKNOWN;
    }
    return new TokenUsage(Math.max(0, input), Math.max(0, output), false);
  }

  /** The first of {@code names} that is a whole, non-negative number, or -1. */
  private static long count(JsonObject usage, String... names) {
    for (String name : names) {
      JsonValue value = usage.get(name);
      if (value instanceof JsonNumber number && number.isIntegral()) {
        long n = number.longValue();
        if (n >= 0) {
          return n;
        }
      }
    }
    return -1;
  }
}
