package io.remotellm.broker.usage;

import jakarta.json.JsonObject;

/**
 * OpenAI's chat completions, completions and embeddings (and every server that copies them: vLLM,
 * llama.cpp, Ollama's /v1): {@code usage} with {@code prompt_tokens} and {@code completion_tokens},
 * in the body, or in a stream's last chunk when {@code stream_options.include_usage} was asked for.
 * Every other chunk says {@code "usage":null} or nothing.
 */
final class OpenAiUsageScanner implements UsageScanner {

  private final boolean hideUsageChunk;
  private final BodyTail tail = new BodyTail();
  private TokenUsage reported;

  /**
   * @param hideUsageChunk the broker asked for the usage chunk on the client's behalf, so the
   *     client, which did not, must not see it
   */
  OpenAiUsageScanner(boolean hideUsageChunk) {
    this.hideUsageChunk = hideUsageChunk;
  }

  @Override
  public boolean event(String payload) {
    if (!payload.contains("\"usage\"")) {
      return true;
    }
    TokenUsage usage = read(payload);
    if (usage == null) {
      return true;
    }
    reported = usage;
    // Only the chunk that carries nothing else: a server that puts usage on its last content
    // chunk instead has the client see that chunk as it came.
    return !(hideUsageChunk && JsonScan.emptyArrayAfter(payload, "choices"));
  }

  @Override
  public void body(String piece) {
    String window = tail.next(piece);
    if (window.contains("\"usage\"")) {
      TokenUsage usage = read(window);
      if (usage != null) {
        reported = usage;
      }
    }
  }

  @Override
  public TokenUsage reported() {
    return reported;
  }

  private static TokenUsage read(String text) {
    JsonObject usage = JsonScan.parse(JsonScan.objectAfter(text, "usage"));
    if (usage == null || !JsonScan.has(usage, "prompt_tokens")) {
      return null;
    }
    return new TokenUsage(
        JsonScan.count(usage, "prompt_tokens"), JsonScan.count(usage, "completion_tokens"), false);
  }
}
