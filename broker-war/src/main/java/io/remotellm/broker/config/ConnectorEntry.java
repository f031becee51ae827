package io.remotellm.broker.config;

import java.util.Optional;

/**
 * One connector the broker accepts: its token, and the key its LLM wants (if any).
 *
 * @param token the connector's bearer token
 * @param llmApiKey sent to that connector's LLM as {@code authorization: Bearer <key>}
 */
public record ConnectorEntry(String token, Optional<String> llmApiKey) {
  public ConnectorEntry {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("connector token is empty");
    }
    llmApiKey = llmApiKey == null ? Optional.empty() : llmApiKey.filter(k -> !k.isBlank());
  }

  /** Never shows the token or the key: records print their fields by default. */
  @Override
  public String toString() {
    return "ConnectorEntry[llmApiKey=" + (llmApiKey.isPresent() ? "set" : "none") + "]";
  }
}
