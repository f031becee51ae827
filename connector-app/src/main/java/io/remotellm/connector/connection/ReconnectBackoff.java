package io.remotellm.connector.connection;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with full jitter: the n-th retry waits a uniformly random time in [0,
 * min(cap, initial·2ⁿ)], so many connectors cut off together do not all come back in the same
 * instant. A connection that stayed up for {@code resetAfter} starts the sequence afresh; one that
 * flaps keeps backing off.
 *
 * <p>One more bound: while the broker has been out of reach for less than {@link #FAST_WINDOW}, no
 * wait is longer than {@link #FAST_CAP}. Most outages are restarts, and a Payara restart takes
 * 15–50 s; plain doubling would by then be waiting up to 16–32 s more, so connectors would straggle
 * back long after the broker is up (seen: 17 s). With the bound they are back within {@code
 * FAST_CAP} of the broker's return; a longer outage still backs off to the cap, and full jitter
 * still spreads the attempts. Thread-safe.
 */
public final class ReconnectBackoff {
  /** How long an outage counts as a restart, during which waits stay short. */
  public static final Duration FAST_WINDOW = Duration.ofMinutes(2);

  /** The longest wait during {@link #FAST_WINDOW}. */
  public static final Duration FAST_CAP = Duration.ofSeconds(8);

  private final long initialNanos;
  private final long capNanos;
  private final long resetAfterNanos;
  private final Random random;
  private int attempt;
  private long connectedAt = -1;

  /** When the broker was last lost (or the first dial failed); -1 while connected. */
  private long downSince = -1;

  public ReconnectBackoff(Duration initial, Duration cap, Duration resetAfter, Random random) {
    if (initial.isNegative() || initial.isZero() || cap.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= cap");
    }
    this.initialNanos = initial.toNanos();
    this.capNanos = cap.toNanos();
    this.resetAfterNanos = resetAfter.toNanos();
    this.random = random;
  }

  /** The upper bound of the next delay, without taking it. */
  public synchronized Duration ceiling() {
    return Duration.ofNanos(ceilingNanos(attempt));
  }

  private long ceilingNanos(int n) {
    // Shifting past 62 bits would overflow; the cap is reached long before.
    long ceiling = n >= 40 ? capNanos : initialNanos << Math.min(n, 40);
    return ceiling <= 0 || ceiling > capNanos ? capNanos : ceiling;
  }

  /** The delay before the next attempt; each call moves one step up. */
  public Duration nextDelay() {
    return nextDelay(System.nanoTime());
  }

  /** The delay before the next attempt, {@code nanoTime} being now. */
  public synchronized Duration nextDelay(long nanoTime) {
    if (downSince < 0) {
      downSince = nanoTime;
    }
    long ceiling = ceilingNanos(attempt);
    if (nanoTime - downSince < FAST_WINDOW.toNanos()) {
      ceiling = Math.min(ceiling, Math.max(initialNanos, FAST_CAP.toNanos()));
    }
    if (attempt < Integer.MAX_VALUE) {
      attempt++;
    }
    return Duration.ofNanos((long) (random.nextDouble() * ceiling));
  }

  /** The connection is up (registered) at {@code nanoTime}. */
  public synchronized void connected(long nanoTime) {
    connectedAt = nanoTime;
    downSince = -1;
  }

  /** The connection went down at {@code nanoTime}; if it had been stable, start over. */
  public synchronized void disconnected(long nanoTime) {
    if (connectedAt >= 0 && nanoTime - connectedAt >= resetAfterNanos) {
      attempt = 0;
    }
    if (connectedAt >= 0 || downSince < 0) {
      downSince = nanoTime;
    }
    connectedAt = -1;
  }

  /**
   * Starts the sequence afresh now, whatever the connection's age: for a connector with several
   * brokers, which has just attached to one after losing another (that loss said nothing about the
   * broker it will go to next).
   */
  public synchronized void restart() {
    attempt = 0;
  }

  public synchronized int attempts() {
    return attempt;
  }
}
