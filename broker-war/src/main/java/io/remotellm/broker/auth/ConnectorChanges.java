package io.remotellm.broker.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a reload of the connector tokens changed, by fingerprint: tokens that may now connect,
 * tokens that may not any more, and tokens whose LLM key is another one now.
 */
public record ConnectorChanges(List<String> added, List<String> removed, List<String> newLlmKey) {

  static ConnectorChanges between(
      Map<String, ConnectorCredential> before, Map<String, ConnectorCredential> after) {
    List<String> added = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    List<String> newLlmKey = new ArrayList<>();
    after.forEach(
        (id, now) -> {
          ConnectorCredential was = before.get(id);
          if (was == null) {
            added.add(now.fingerprint());
          } else if (!Objects.equals(was.llmApiKey(), now.llmApiKey())) {
            newLlmKey.add(now.fingerprint());
          }
        });
    before.forEach(
        (id, was) -> {
          if (!after.containsKey(id)) {
            removed.add(was.fingerprint());
          }
        });
    return new ConnectorChanges(List.copyOf(added), List.copyOf(removed), List.copyOf(newLlmKey));
  }

  public boolean isEmpty() {
    return added.isEmpty() && removed.isEmpty() && newLlmKey.isEmpty();
  }

  /** For the log: counts and fingerprints, never a token or a key. */
  @Override
  public String toString() {
    return added.size()
        + " token(s) added "
        + added
        + ", "
        + removed.size()
        + " removed "
        + removed
        + ", "
        + newLlmKey.size()
        + " with a new LLM key "
        + newLlmKey;
  }
}
