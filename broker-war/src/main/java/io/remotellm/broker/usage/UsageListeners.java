package io.remotellm.broker.usage;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hands each {@link UsageRecorded} to every {@link UsageListener} bean, in no set order. One
 * listener that throws neither stops the others nor reaches the relay.
 */
@ApplicationScoped
public class UsageListeners {

  private static final Logger LOG = Logger.getLogger(UsageListeners.class.getName());

  @Inject @Any Instance<UsageListener> beans;

  /** Resolved once: looking beans up on every request would cost more than the listeners do. */
  private List<UsageListener> listeners;

  @PostConstruct
  void init() {
    listeners = beans.stream().toList();
  }

  /** Listeners without CDI: for tests that build the relay by hand. */
  public static UsageListeners of(UsageListener... listeners) {
    UsageListeners fanOut = new UsageListeners();
    fanOut.listeners = List.of(listeners);
    return fanOut;
  }

  public void recorded(UsageRecorded usage) {
    for (UsageListener listener : listeners) {
      try {
        listener.recorded(usage);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "usage listener " + listener.getClass().getName() + " failed", e);
      }
    }
  }
}
