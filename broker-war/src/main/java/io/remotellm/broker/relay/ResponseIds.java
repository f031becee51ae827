package io.remotellm.broker.relay;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which connector created which stored response, so {@code GET}/{@code DELETE /v1/responses/{id}}
 * and {@code POST /v1/responses/{id}/cancel} reach the LLM that holds it (vLLM and LM Studio keep
 * responses; a random connector would not know the id). Bounded: the oldest entries go first, and
 * an entry lasts {@link #TTL}, so neither a flood of requests nor a long uptime grows it without
 * limit.
 */
@ApplicationScoped
public class ResponseIds {

  /** Entries kept; each is two short strings. */
  static final int MAX_ENTRIES = 100_000;

  /** How long an id is remembered; LLM servers keep responses in memory, rarely as long. */
  public static final Duration TTL = Duration.ofHours(24);

  /**
   * The first {@code "id":"..."} of an answer: the top-level id of a Responses body, or the id of
   * the response in {@code response.created}, the first event of a stream.
   */
  private static final Pattern FIRST_ID =
      Pattern.compile("\"id\"\\s*:\\s*\"(" + io.remotellm.protocol.RelayedEndpoints.ID + ")\"");

  /** Looked at for an id: the start of the first answer frame, where both shapes put it. */
  private static final int SCAN_CHARS = 4096;

  /**
   * Where a response lives: the link that answered and its token's fingerprint, for when that
   * connector reconnected (a new link) and still serves the response; and the user who created it,
   * the only one who may ask for it by id.
   */
  public record Owner(String linkId, String fingerprint, String user, long expiresNanos) {}

  private final Map<String, Owner> owners =
      new LinkedHashMap<>(1024, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Owner> eldest) {
          return size() > MAX_ENTRIES;
        }
      };

  /** The response id at the start of an answer's first frame, if there is one. */
  static Optional<String> idIn(String payload) {
    Matcher m = FIRST_ID.matcher(payload.substring(0, Math.min(payload.length(), SCAN_CHARS)));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  void remember(String responseId, ConnectorLink link, String user) {
    remember(responseId, link, user, System.nanoTime());
  }

  synchronized void remember(String responseId, ConnectorLink link, String user, long now) {
    owners.put(responseId, new Owner(link.id(), link.fingerprint(), user, now + TTL.toNanos()));
  }

  /**
   * Where {@code user}'s response lives. Another user's id is as unknown as one never seen: ids are
   * not secrets (they appear in logs and shared transcripts), so knowing one grants nothing.
   */
  Optional<Owner> owner(String responseId, String user) {
    return owner(responseId, user, System.nanoTime());
  }

  synchronized Optional<Owner> owner(String responseId, String user, long now) {
    Owner owner = owners.get(responseId);
    if (owner != null && now - owner.expiresNanos() > 0) {
      owners.remove(responseId);
      return Optional.empty();
    }
    return Optional.ofNullable(owner).filter(o -> o.user().equals(user));
  }

  synchronized int size() {
    return owners.size();
  }
}
