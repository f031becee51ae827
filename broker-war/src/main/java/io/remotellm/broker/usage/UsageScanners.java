package io.remotellm.broker.usage;

/** Which scanner reads the usage of a call, by its path: one per API family. */
public final class UsageScanners {

  private UsageScanners() {}

  /** The API family of a relayed path, as the ledger records it. */
  public static String family(String path) {
    if (path.startsWith("/api/")) {
      return "ollama";
    }
    if (path.startsWith("/v1/messages")) {
      return "anthropic";
    }
    if (path.startsWith("/v1/responses")) {
      return "responses";
    }
    return "openai";
  }

  /**
   * A scanner for one call to {@code path}; {@code hideUsageChunk} when the broker asked for the
   * usage chunk on the client's behalf ({@link StreamUsageOption}).
   */
  public static UsageScanner forPath(String path, boolean hideUsageChunk) {
    return switch (family(path)) {
      case "ollama" -> new OllamaUsageScanner();
      case "anthropic" -> new AnthropicUsageScanner();
      case "responses" -> new ResponsesUsageScanner();
      default -> new OpenAiUsageScanner(hideUsageChunk);
    };
  }
}
