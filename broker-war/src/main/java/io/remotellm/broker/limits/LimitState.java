package io.remotellm.broker.limits;

/**
 * Where the limit counters live. This broker's memory now ({@link LocalLimitState}); the data grid
 * when several brokers must share them (issue 15), which is why every operation is one call that
 * decides and updates at once: no read-then-write a second broker could slip between.
 */
public interface LimitState {

  /**
   * Admits a request of {@code user} under {@code limits} at {@code nowMillis} (epoch millis) and
   * counts it (a request and, with {@code maxConcurrent}, a slot), or refuses it and counts
   * nothing.
   */
  Admission admit(String user, Limits limits, long nowMillis);

  /** A request admitted for {@code user} has ended: its concurrency slot is free. */
  void release(String user);

  /** {@code tokens} used by a request of {@code user}, charged to the windows current now. */
  void charge(String user, long tokens, long nowMillis);
}
