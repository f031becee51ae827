package io.remotellm.broker.routing;

import java.util.Set;

/**
 * A live connector as the router sees it: an id and the models it serves. How many requests it has
 * in flight is the router's to count, through its {@link Lease}s.
 */
public interface Route {
  String id();

  Set<String> models();

  boolean isOpen();
}
