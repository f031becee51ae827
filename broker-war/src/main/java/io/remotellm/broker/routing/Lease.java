package io.remotellm.broker.routing;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's hold on a route. Releasing it is idempotent, so a {@code finally} and an error
 * path may both release without counting twice.
 */
public final class Lease<R extends Route> {
  private final R route;
  private final AtomicBoolean released = new AtomicBoolean();

  Lease(R route) {
    this.route = route;
  }

  public R route() {
    return route;
  }

  public void release() {
    if (released.compareAndSet(false, true)) {
      route.inFlight().decrementAndGet();
    }
  }

  public boolean released() {
    return released.get();
  }
}
