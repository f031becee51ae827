package io.remotellm.broker.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The limit counters of one broker, in memory. Each user's counters change under that user's lock,
 * so admission is exact under any concurrency: with 100 requests a minute, the 101st in the same
 * minute is refused however many clients race for it. The windows are {@link UserCounters}'.
 */
public final class LocalLimitState implements LimitState {

  static final long MINUTE = UserCounters.MINUTE;
  static final long DAY = UserCounters.DAY;

  private final ConcurrentMap<String, UserCounters> users = new ConcurrentHashMap<>();

  @Override
  public Admission admit(String user, Limits limits, long now) {
    UserCounters c = users.computeIfAbsent(user, u -> new UserCounters());
    synchronized (c) {
      return c.admit(limits, now);
    }
  }

  @Override
  public void release(String user) {
    UserCounters c = users.get(user);
    if (c != null) {
      synchronized (c) {
        c.release();
      }
    }
  }

  @Override
  public void charge(String user, long tokens, long now) {
    if (tokens <= 0) {
      return;
    }
    UserCounters c = users.computeIfAbsent(user, u -> new UserCounters());
    synchronized (c) {
      c.charge(tokens, now);
    }
  }
}
