package io.remotellm.broker.routing;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's hold on a route. Releasing it is idempotent, so a {@code finally} and an error path
 * may both release without counting twice.
 */
public final class Lease<R extends Route> {
  private final ConnectorRouter<R> router;
  private final R route;
  private final AtomicBoolean released = new AtomicBoolean();

  Lease(ConnectorRouter<R> router, R route) {
    this.router = router;
    this.route = route;
  }

  public R route() {
    return route;
  }

  public void release() {
    if (released.compareAndSet(false, true)) {
      router.release(route);
    }
  }

  public boolean released() {
    return released.get();
  }
}
