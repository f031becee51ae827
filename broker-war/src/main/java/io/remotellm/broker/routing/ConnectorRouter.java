package io.remotellm.broker.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Model → live routes. Picks the route with the fewest requests in flight; among equals it takes
 * them in turn, so sequential traffic alternates and concurrent traffic levels out. The choice
 * and the increment happen under one lock, so two requests never both see the same count.
 *
 * <p>Plain class, so unit tests use it directly; {@code RouterProducer} makes the application's
 * single instance.
 */
public class ConnectorRouter<R extends Route> {

  private final ConcurrentMap<String, R> routes = new ConcurrentHashMap<>();
  private final Object pickLock = new Object();
  private long turn;

  public void attach(R route) {
    routes.put(route.id(), route);
  }

  public void detach(R route) {
    routes.remove(route.id(), route);
  }

  public Collection<R> routes() {
    return List.copyOf(routes.values());
  }

  public int size() {
    return routes.size();
  }

  /** The union of all live routes' models, sorted. */
  public Set<String> models() {
    Set<String> all = new TreeSet<>();
    for (R r : routes.values()) {
      if (r.isOpen()) {
        all.addAll(r.models());
      }
    }
    return all;
  }

  public boolean serves(String model) {
    return routes.values().stream().anyMatch(r -> r.isOpen() && r.models().contains(model));
  }

  /**
   * Takes a route for {@code model}, skipping the ids in {@code exclude} (routes already tried).
   * The lease must be released when the request ends.
   */
  public Optional<Lease<R>> acquire(String model, Set<String> exclude) {
    synchronized (pickLock) {
      List<R> candidates = new ArrayList<>();
      for (R r : routes.values()) {
        if (r.isOpen() && r.models().contains(model) && !exclude.contains(r.id())) {
          candidates.add(r);
        }
      }
      if (candidates.isEmpty()) {
        return Optional.empty();
      }
      // A stable order, so "in turn" means the same thing from one pick to the next.
      candidates.sort(Comparator.comparing(Route::id));
      int least = Integer.MAX_VALUE;
      for (R r : candidates) {
        least = Math.min(least, r.inFlight().get());
      }
      List<R> tied = new ArrayList<>();
      for (R r : candidates) {
        if (r.inFlight().get() == least) {
          tied.add(r);
        }
      }
      R chosen = tied.get((int) Math.floorMod(turn++, (long) tied.size()));
      chosen.inFlight().incrementAndGet();
      return Optional.of(new Lease<>(chosen));
    }
  }
}
