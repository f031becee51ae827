package io.remotellm.broker.limits;

import io.remotellm.broker.metrics.BrokerMetrics;
import io.remotellm.broker.usage.UsageListener;
import io.remotellm.broker.usage.UsageRecorded;
import io.remotellm.broker.users.User;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;

/**
 * Decides, once per request and before it is relayed, whether a user's limits let it through; and,
 * told of every relayed request's end, frees its concurrency slot and charges its tokens. A request
 * admitted but never relayed (the relay refused it) is released by the API with {@link
 * #release(User)}.
 */
@ApplicationScoped
public class RateLimiter implements UsageListener {

  @Inject BrokerMetrics metrics;

  private volatile LimitState state = new LocalLimitState();
  private Clock clock = Clock.systemUTC();

  /** For tests: other counters and a clock they move. */
  public static RateLimiter of(LimitState state, Clock clock, BrokerMetrics metrics) {
    RateLimiter limiter = new RateLimiter();
    limiter.state = state;
    limiter.clock = clock;
    limiter.metrics = metrics;
    return limiter;
  }

  /**
   * Counts from now on in {@code shared}, the counters every broker of a cluster uses; set once at
   * start, before requests arrive.
   */
  public void shareState(LimitState shared) {
    state = shared;
  }

  public Admission admit(User user) {
    if (user.limits().none()) {
      // Still counted in flight, so a limit added by a reload sees the requests already running.
      return state.admit(user.name(), Limits.NONE, clock.millis());
    }
    Admission admission = state.admit(user.name(), user.limits(), clock.millis());
    if (!admission.admitted()) {
      metrics.rateLimited(admission.refusedBy());
    }
    return admission;
  }

  /** Frees the slot of an admitted request that never reached the relay. */
  public void release(User user) {
    state.release(user.name());
  }

  @Override
  public void recorded(UsageRecorded usage) {
    state.release(usage.user());
    state.charge(usage.user(), usage.usage().total(), clock.millis());
  }
}
