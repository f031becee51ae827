package io.remotellm.connector.connection;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with full jitter: the n-th retry waits a uniformly random time in [0,
 * min(cap, initial·2ⁿ)], so many connectors cut off together do not all come back in the same
 * instant. A connection that stayed up for {@code resetAfter} starts the sequence afresh; one that
 * flaps keeps backing off. Thread-safe.
 */
public final class ReconnectBackoff {
  private final long initialNanos;
  private final long capNanos;
  private final long resetAfterNanos;
  private final Random random;
  private int attempt;
  private long connectedAt = -1;

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
  public synchronized Duration nextDelay() {
    long ceiling = ceilingNanos(attempt);
    if (attempt < Integer.MAX_VALUE) {
      attempt++;
    }
    return Duration.ofNanos((long) (random.nextDouble() * ceiling));
  }

  /** The connection is up (registered) at {@code nanoTime}. */
  public synchronized void connected(long nanoTime) {
    connectedAt = nanoTime;
  }

  /** The connection went down at {@code nanoTime}; if it had been stable, start over. */
  public synchronized void disconnected(long nanoTime) {
    if (connectedAt >= 0 && nanoTime - connectedAt >= resetAfterNanos) {
      attempt = 0;
    }
    connectedAt = -1;
  }

  public synchronized int attempts() {
    return attempt;
  }
}
