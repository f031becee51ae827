package io.remotellm.broker.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The limit counters of one broker, in memory. Each user's counters change under that user's lock,
 * so admission is exact under any concurrency: with 100 requests a minute, the 101st in the same
 * minute is refused however many clients race for it.
 *
 * <p>A minute window starts with the first request after the previous one ended (so its reset time
 * is known and a burst cannot straddle two windows aligned to the clock); the day is the UTC day.
 */
public final class LocalLimitState implements LimitState {

  static final long MINUTE = 60_000;
  static final long DAY = 86_400_000;

  /** One user's counters; only touched under its own lock. */
  private static final class Counters {
    long requestWindowStart = Long.MIN_VALUE / 2; // long before any clock value, no overflow
    long requests;
    long tokenWindowStart = Long.MIN_VALUE / 2;
    long tokensThisMinute;
    long day = Long.MIN_VALUE;
    long tokensToday;
    long inFlight;

    /** Starts new windows where the old ones ended. */
    void roll(long now) {
      if (now - requestWindowStart >= MINUTE) {
        requestWindowStart = now;
        requests = 0;
      }
      if (now - tokenWindowStart >= MINUTE) {
        tokenWindowStart = now;
        tokensThisMinute = 0;
      }
      long today = Math.floorDiv(now, DAY);
      if (today != day) {
        day = today;
        tokensToday = 0;
      }
    }
  }

  private final ConcurrentMap<String, Counters> users = new ConcurrentHashMap<>();

  @Override
  public Admission admit(String user, Limits limits, long now) {
    Counters c = users.computeIfAbsent(user, u -> new Counters());
    synchronized (c) {
      c.roll(now);
      long requestsReset = c.requestWindowStart + MINUTE - now;
      long minuteReset = c.tokenWindowStart + MINUTE - now;
      long dayReset = (c.day + 1) * DAY - now;
      String refused = null;
      long retry = 0;
      if (limits.maxConcurrent() > 0 && c.inFlight >= limits.maxConcurrent()) {
        refused = "max_concurrent";
        retry = 1000; // no way to know when one ends; a second is a polite guess
      } else if (limits.requestsPerMinute() > 0 && c.requests >= limits.requestsPerMinute()) {
        refused = "requests_per_minute";
        retry = requestsReset;
      } else if (limits.tokensPerMinute() > 0 && c.tokensThisMinute >= limits.tokensPerMinute()) {
        refused = "tokens_per_minute";
        retry = minuteReset;
      } else if (limits.tokensPerDay() > 0 && c.tokensToday >= limits.tokensPerDay()) {
        refused = "tokens_per_day";
        retry = dayReset;
      }
      if (refused == null) {
        c.requests++;
        c.inFlight++;
      }
      long requestLimit = limits.requestsPerMinute() > 0 ? limits.requestsPerMinute() : -1;
      long requestsLeft = requestLimit < 0 ? -1 : Math.max(0, requestLimit - c.requests);
      long tokenLimit;
      long tokensLeft;
      long tokensReset;
      if (limits.tokensPerMinute() > 0) {
        tokenLimit = limits.tokensPerMinute();
        tokensLeft = Math.max(0, tokenLimit - c.tokensThisMinute);
        tokensReset = minuteReset;
      } else if (limits.tokensPerDay() > 0) {
        tokenLimit = limits.tokensPerDay();
        tokensLeft = Math.max(0, tokenLimit - c.tokensToday);
        tokensReset = dayReset;
      } else {
        tokenLimit = -1;
        tokensLeft = -1;
        tokensReset = 0;
      }
      return new Admission(
          refused,
          Math.max(0, retry),
          requestLimit,
          requestsLeft,
          requestsReset,
          tokenLimit,
          tokensLeft,
          tokensReset);
    }
  }

  @Override
  public void release(String user) {
    Counters c = users.get(user);
    if (c != null) {
      synchronized (c) {
        c.inFlight = Math.max(0, c.inFlight - 1);
      }
    }
  }

  @Override
  public void charge(String user, long tokens, long now) {
    if (tokens <= 0) {
      return;
    }
    Counters c = users.computeIfAbsent(user, u -> new Counters());
    synchronized (c) {
      c.roll(now);
      c.tokensThisMinute += tokens;
      c.tokensToday += tokens;
    }
  }
}
