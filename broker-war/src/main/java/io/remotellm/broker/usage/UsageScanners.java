package io.remotellm.broker.usage;

import io.remotellm.protocol.LlmApi;

/** Which scanner reads the usage of a call: one per API family. */
public final class UsageScanners {

  private UsageScanners() {}

  /**
   * A scanner for one call of {@code api}; {@code hideUsageChunk} when the broker asked for the
   * usage chunk on the client's behalf ({@link StreamUsageOption}).
   */
  public static UsageScanner forApi(LlmApi api, boolean hideUsageChunk) {
    return switch (api) {
      case OLLAMA -> new OllamaUsageScanner();
      case ANTHROPIC -> new AnthropicUsageScanner();
      case RESPONSES -> new ResponsesUsageScanner();
      case OPENAI -> new OpenAiUsageScanner(hideUsageChunk);
    };
  }
}
