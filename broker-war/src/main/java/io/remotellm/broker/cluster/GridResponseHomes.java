package io.remotellm.broker.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.remotellm.broker.relay.ResponseIds;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The grid map {@code remotellm-response-ids}: response id to "member-id user" (plain strings, so
 * no member needs this application's classes to hold it), written by the broker whose connector
 * created the response, kept as long as the broker's own memory keeps it ({@link
 * io.remotellm.broker.relay.ResponseIds}'s 24 hours) and bounded by it too: the grid evicts an
 * entry at its time to live.
 */
final class GridResponseHomes implements ResponseHomes {
  static final String MAP = "remotellm-response-ids";

  /**
   * How long a lookup may take before the caller is answered 503: one round trip takes about a
   * millisecond, but a member that froze holds its partitions until the others drop it (10 s). No
   * thread waits meanwhile.
   */
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(3);

  private static final Logger LOG = Logger.getLogger(GridResponseHomes.class.getName());

  private final IMap<String, String> homes;
  private final String me;

  GridResponseHomes(Object hazelcast, String memberId) {
    this.homes = ((HazelcastInstance) hazelcast).getMap(MAP);
    this.me = memberId;
  }

  @Override
  public void remember(String responseId, String user) {
    // Asynchronous: it is called on the thread that relays the answer, which must not wait.
    homes
        .setAsync(responseId, me + " " + user, ResponseIds.TTL.toSeconds(), TimeUnit.SECONDS)
        .whenComplete(
            (ok, e) -> {
              if (e != null) {
                LOG.log(
                    Level.WARNING,
                    "cluster: response {0} not shared with the other brokers: {1}",
                    new Object[] {responseId, e.toString()});
              }
            });
  }

  @Override
  public CompletionStage<Optional<String>> home(String responseId, String user) {
    // A copy, so the timeout completes a future of ours and not the grid's own.
    CompletableFuture<String> value = new CompletableFuture<>();
    homes
        .getAsync(responseId)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                value.completeExceptionally(e);
              } else {
                value.complete(v);
              }
            });
    return within(value, LOOKUP_TIMEOUT, responseId, user);
  }

  /**
   * {@code user}'s home in the map value {@code value} will hold, or a failure when it does not
   * come within {@code timeout}.
   */
  static CompletionStage<Optional<String>> within(
      CompletableFuture<String> value, Duration timeout, String responseId, String user) {
    return value
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                LOG.log(
                    Level.WARNING,
                    "cluster: could not look up response {0}: {1}",
                    new Object[] {responseId, e.toString()});
              }
            })
        .thenApply(v -> ownedBy(v, user));
  }

  /** The member id in a map value, when the response is {@code user}'s. */
  static Optional<String> ownedBy(String value, String user) {
    if (value == null) {
      return Optional.empty();
    }
    int space = value.indexOf(' ');
    // Another user's id is as unknown as one never seen (ids are not secrets).
    return space > 0 && value.substring(space + 1).equals(user)
        ? Optional.of(value.substring(0, space))
        : Optional.empty();
  }
}
