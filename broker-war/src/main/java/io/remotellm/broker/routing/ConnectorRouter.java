package io.remotellm.broker.routing;

import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.ModelNames;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

/**
 * Model → live routes. Picks the route with the fewest requests in flight; among equals, the one
 * picked least recently, so sequential traffic takes them in turn. (A global turn counter is not
 * enough: picks made by the in-flight rule advance it too, and under concurrency the ties then keep
 * landing on the same route.) The choice and the increment happen under one lock, so two requests
 * never both see the same count.
 *
 * <p>Plain class, so unit tests use it directly; {@code RouterProducer} makes the application's
 * single instance.
 */
public class ConnectorRouter<R extends Route> {

  private final ConcurrentMap<String, R> routes = new ConcurrentHashMap<>();
  private final Object pickLock = new Object();

  /** Route id → sequence number of its last pick; guarded by {@code pickLock}. */
  private final Map<String, Long> lastPicked = new HashMap<>();

  /** Route id → requests in flight on it (leases not released); guarded by {@code pickLock}. */
  private final Map<String, Integer> inFlight = new HashMap<>();

  private long picks;

  public void attach(R route) {
    routes.put(route.id(), route);
  }

  public void detach(R route) {
    if (routes.remove(route.id(), route)) {
      synchronized (pickLock) {
        lastPicked.remove(route.id());
      }
    }
  }

  public Collection<R> routes() {
    return List.copyOf(routes.values());
  }

  public int size() {
    return routes.size();
  }

  /**
   * The union of all live routes' models, sorted; {@code llama3.2} and {@code llama3.2:latest} are
   * one model ({@link ModelNames}), listed once, by its shorter name.
   */
  public Set<String> models() {
    Map<String, String> byCanonical = new TreeMap<>();
    for (R r : routes.values()) {
      if (r.isOpen()) {
        for (String m : r.models()) {
          byCanonical.merge(ModelNames.canonical(m), m, (a, b) -> a.length() <= b.length() ? a : b);
        }
      }
    }
    return new TreeSet<>(byCanonical.values());
  }

  public boolean serves(String model) {
    return routes.values().stream().anyMatch(r -> r.isOpen() && servesModel(r, model));
  }

  /** The API families offered by the live routes that serve {@code model}; empty if none does. */
  public Set<LlmApi> apisFor(String model) {
    Set<LlmApi> apis = EnumSet.noneOf(LlmApi.class);
    for (R r : routes.values()) {
      if (r.isOpen() && servesModel(r, model)) {
        apis.addAll(r.apis());
      }
    }
    return apis;
  }

  private static boolean servesModel(Route r, String model) {
    if (r.models().contains(model)) {
      return true;
    }
    for (String m : r.models()) {
      if (ModelNames.same(m, model)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Takes a route for {@code model} through any API, skipping the ids in {@code exclude} (routes
   * already tried). The lease must be released when the request ends.
   */
  public Optional<Lease<R>> acquire(String model, Set<String> exclude) {
    return acquire(model, null, exclude);
  }

  /**
   * Takes a route for {@code model} whose LLM speaks {@code api} (null: any), skipping the ids in
   * {@code exclude}. The lease must be released when the request ends.
   */
  public Optional<Lease<R>> acquire(String model, LlmApi api, Set<String> exclude) {
    return acquire(r -> servesModel(r, model) && (api == null || r.apis().contains(api)), exclude);
  }

  /**
   * Takes the best route {@code eligible} accepts, skipping the ids in {@code exclude}; how a call
   * routed by something else than its model (a response id) finds its connector.
   */
  public Optional<Lease<R>> acquire(Predicate<R> eligible, Set<String> exclude) {
    synchronized (pickLock) {
      List<R> candidates = new ArrayList<>();
      for (R r : routes.values()) {
        if (r.isOpen() && !exclude.contains(r.id()) && eligible.test(r)) {
          candidates.add(r);
        }
      }
      if (candidates.isEmpty()) {
        return Optional.empty();
      }
      // Fewest in flight, then least recently picked (never picked first), then id for stability.
      candidates.sort(
          Comparator.<R>comparingInt(r -> inFlight.getOrDefault(r.id(), 0))
              .thenComparingLong(r -> lastPicked.getOrDefault(r.id(), -1L))
              .thenComparing(Route::id));
      R chosen = candidates.get(0);
      lastPicked.put(chosen.id(), picks++);
      inFlight.merge(chosen.id(), 1, Integer::sum);
      return Optional.of(new Lease<>(this, chosen));
    }
  }

  /** Requests in flight on {@code route}: leases taken and not released. */
  public int inFlight(R route) {
    synchronized (pickLock) {
      return inFlight.getOrDefault(route.id(), 0);
    }
  }

  /** A lease of {@code route} ended; only {@link Lease#release} calls this, once per lease. */
  void release(R route) {
    synchronized (pickLock) {
      inFlight.computeIfPresent(route.id(), (id, n) -> n <= 1 ? null : n - 1);
    }
  }
}
