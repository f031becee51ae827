package io.remotellm.broker.routing;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A live connector as the router sees it: an id, the models it serves, and its in-flight count,
 * which only the router's {@link Lease}s change.
 */
public interface Route {
  String id();

  Set<String> models();

  boolean isOpen();

  /** The count the router keeps for this route; not to be changed by anyone else. */
  AtomicInteger inFlight();
}
