package io.remotellm.broker.auth;

import io.remotellm.broker.config.BrokerSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Failed logins (connector tokens here; admin keys in a subclass of their own) per remote address:
 * after {@code login-free-failures} failures in a row, the address must wait before its next
 * attempt is even looked at, 1 s doubling with every further failure up to {@code
 * login-max-delay-seconds}. A success clears the address. Guessing tokens gets slow; a connector
 * with the right token that shares the address waits at most the cap.
 */
@ApplicationScoped
public class LoginThrottle {

  /** Addresses remembered at most; past it, those not blocked any more are forgotten. */
  private static final int MAX_ADDRESSES = 10_000;

  @Inject BrokerSettings settings;

  /** {@code blocked} false: a free failure, which must not hold off a login that raced it. */
  private record Failures(int count, boolean blocked, long blockedUntilNanos) {}

  private final ConcurrentMap<String, Failures> failures = new ConcurrentHashMap<>();

  /** Milliseconds this address must still wait; 0 when it may try. */
  public long waitMillis(String address, long nowNanos) {
    Failures f = failures.get(address);
    if (f == null || !f.blocked() || nowNanos - f.blockedUntilNanos() >= 0) {
      return 0;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(f.blockedUntilNanos() - nowNanos));
  }

  public void failed(String address, long nowNanos) {
    if (failures.size() >= MAX_ADDRESSES) {
      failures.values().removeIf(f -> !f.blocked() || nowNanos - f.blockedUntilNanos() >= 0);
    }
    failures.compute(
        address,
        (a, old) -> {
          int count = old == null ? 1 : old.count() + 1;
          int over = count - settings.loginFreeFailures();
          long delay = 0;
          if (over > 0) {
            long max = TimeUnit.SECONDS.toNanos(settings.loginMaxDelaySeconds());
            delay = Math.min(max, TimeUnit.SECONDS.toNanos(1) << Math.min(over - 1, 30));
          }
          return new Failures(count, delay > 0, nowNanos + delay);
        });
  }

  public void succeeded(String address) {
    failures.remove(address);
  }
}
