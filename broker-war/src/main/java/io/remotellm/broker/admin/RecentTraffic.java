package io.remotellm.broker.admin;

import io.remotellm.broker.usage.UsageListener;
import io.remotellm.broker.usage.UsageRecorded;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last hour of relayed requests, in memory, for the admin page: the request rate, the recent
 * errors, each user's last use and tokens, and the per-minute series the usage chart draws. Bounded
 * (at most {@value #MAX_KEPT} requests), so a flood costs memory only up to that. Per-day history
 * comes from the usage ledger's database once it is merged.
 */
@ApplicationScoped
public class RecentTraffic implements UsageListener {

  static final int MAX_KEPT = 20_000;
  static final Duration WINDOW = Duration.ofHours(1);

  /** One request as the admin page sees it: no request id, no key, no prompt. */
  public record Seen(
      Instant time, String user, String model, String endpoint, int status, long tokens) {}

  /** A user's totals since the broker started. */
  public record UserTotals(long requests, long tokens, Instant lastUsed) {}

  private final Deque<Seen> recent = new ArrayDeque<>();
  private final Map<String, UserTotals> users = new ConcurrentHashMap<>();

  @Override
  public void recorded(UsageRecorded usage) {
    String user = usage.user() == null ? "(unnamed key)" : usage.user();
    Instant now = Instant.now();
    Seen seen =
        new Seen(
            now,
            user,
            Objects.toString(usage.model(), ""),
            Objects.toString(usage.endpoint(), ""),
            usage.status(),
            usage.usage().total());
    synchronized (recent) {
      recent.addLast(seen);
      while (recent.size() > MAX_KEPT || recent.peekFirst().time().isBefore(now.minus(WINDOW))) {
        recent.removeFirst();
      }
    }
    users.merge(
        user,
        new UserTotals(1, seen.tokens(), now),
        (a, b) -> new UserTotals(a.requests() + 1, a.tokens() + b.tokens(), now));
  }

  /** The requests of the last hour, oldest first. */
  public List<Seen> lastHour() {
    Instant since = Instant.now().minus(WINDOW);
    synchronized (recent) {
      return recent.stream().filter(s -> s.time().isAfter(since)).toList();
    }
  }

  /** The latest {@code n} requests that ended with a status of 400 or more, newest first. */
  public List<Seen> errors(int n) {
    List<Seen> out = new ArrayList<>();
    synchronized (recent) {
      var it = recent.descendingIterator();
      while (it.hasNext() && out.size() < n) {
        Seen s = it.next();
        if (s.status() >= 400) {
          out.add(s);
        }
      }
    }
    return out;
  }

  public UserTotals totals(String user) {
    return users.getOrDefault(user, new UserTotals(0, 0, null));
  }
}
