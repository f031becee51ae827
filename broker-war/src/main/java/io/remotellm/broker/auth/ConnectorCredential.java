package io.remotellm.broker.auth;

import io.remotellm.protocol.Fingerprint;
import java.util.Optional;

/**
 * What a valid connector token grants: a name for logs, and the LLM key for that connector's
 * requests.
 *
 * @param fingerprint the token's fingerprint, the connector's name in logs
 * @param llmApiKey the key its LLM wants, if the connector config gives one
 * @param tokenId the token's {@link Fingerprint#id}: which entry of a reloaded config this is
 */
public record ConnectorCredential(String fingerprint, Optional<String> llmApiKey, String tokenId) {
  @Override
  public String toString() {
    return "ConnectorCredential[" + fingerprint + "]";
  }
}
