package io.remotellm.broker.limits;

/**
 * One user's limit counters and the rules that admit, release and charge against them: the same
 * rules wherever the counters live (this broker's memory, or a data grid entry shared by several
 * brokers). Not thread-safe: its owner serialises the calls (a lock, or the grid's entry lock).
 *
 * <p>A minute window starts with the first request after the previous one ended (so its reset time
 * is known and a burst cannot straddle two windows aligned to the clock); the day is the UTC day.
 */
public final class UserCounters {

  static final long MINUTE = 60_000;
  static final long DAY = 86_400_000;

  /** How many longs {@link #toLongs} writes. */
  public static final int LONGS = 6;

  private long requestWindowStart = Long.MIN_VALUE / 2; // long before any clock value
  private long requests;
  private long tokenWindowStart = Long.MIN_VALUE / 2;
  private long tokensThisMinute;
  private long day = Long.MIN_VALUE;
  private long tokensToday;
  private long inFlight;

  /** Requests of this user in flight; where several brokers count them, their sum. */
  public long inFlight() {
    return inFlight;
  }

  public void inFlight(long n) {
    inFlight = n;
  }

  /**
   * Admits a request under {@code limits} at {@code now} and counts it (a request and a slot), or
   * refuses it and counts nothing.
   */
  public Admission admit(Limits limits, long now) {
    roll(now);
    long requestsReset = requestWindowStart + MINUTE - now;
    long minuteReset = tokenWindowStart + MINUTE - now;
    long dayReset = (day + 1) * DAY - now;
    String refused = null;
    long retry = 0;
    if (limits.maxConcurrent() > 0 && inFlight >= limits.maxConcurrent()) {
      refused = "max_concurrent";
      retry = 1000; // no way to know when one ends; a second is a polite guess
    } else if (limits.requestsPerMinute() > 0 && requests >= limits.requestsPerMinute()) {
      refused = "requests_per_minute";
      retry = requestsReset;
    } else if (limits.tokensPerMinute() > 0 && tokensThisMinute >= limits.tokensPerMinute()) {
      refused = "tokens_per_minute";
      retry = minuteReset;
    } else if (limits.tokensPerDay() > 0 && tokensToday >= limits.tokensPerDay()) {
      refused = "tokens_per_day";
      retry = dayReset;
    }
    if (refused == null) {
      requests++;
      inFlight++;
    }
    long requestLimit = limits.requestsPerMinute() > 0 ? limits.requestsPerMinute() : -1;
    long requestsLeft = requestLimit < 0 ? -1 : Math.max(0, requestLimit - requests);
    long tokenLimit;
    long tokensLeft;
    long tokensReset;
    if (limits.tokensPerMinute() > 0) {
      tokenLimit = limits.tokensPerMinute();
      tokensLeft = Math.max(0, tokenLimit - tokensThisMinute);
      tokensReset = minuteReset;
    } else if (limits.tokensPerDay() > 0) {
      tokenLimit = limits.tokensPerDay();
      tokensLeft = Math.max(0, tokenLimit - tokensToday);
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

  /** A request admitted has ended: its slot is free. */
  public void release() {
    inFlight = Math.max(0, inFlight - 1);
  }

  /** Charges {@code tokens} to the windows current at {@code now}. */
  public void charge(long tokens, long now) {
    if (tokens <= 0) {
      return;
    }
    roll(now);
    tokensThisMinute += tokens;
    tokensToday += tokens;
  }

  /** The windows as plain longs (slots left out: where they are shared, their owner keeps them). */
  public void toLongs(long[] into) {
    into[0] = requestWindowStart;
    into[1] = requests;
    into[2] = tokenWindowStart;
    into[3] = tokensThisMinute;
    into[4] = day;
    into[5] = tokensToday;
  }

  /** Counters from what {@link #toLongs} wrote; fresh ones for null. */
  public static UserCounters fromLongs(long[] from) {
    UserCounters c = new UserCounters();
    if (from != null && from.length >= LONGS) {
      c.requestWindowStart = from[0];
      c.requests = from[1];
      c.tokenWindowStart = from[2];
      c.tokensThisMinute = from[3];
      c.day = from[4];
      c.tokensToday = from[5];
    }
    return c;
  }

  /** Starts new windows where the old ones ended. */
  private void roll(long now) {
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
