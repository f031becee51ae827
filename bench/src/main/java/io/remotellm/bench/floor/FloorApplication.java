package io.remotellm.bench.floor;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import java.util.Set;

/**
 * The bench-only "floor": a JAX-RS application of its own, added by the harness to its private copy
 * of the broker WAR (never to the WAR that is built or shipped), so a run can measure what a
 * minimal POST and a minimal SSE stream cost on the same server, in the same JVM, next to the
 * relay. Listing its one class turns off scanning for this application: none of the broker's
 * filters or providers run on its requests.
 */
@ApplicationPath("bench-floor")
public class FloorApplication extends Application {
  @Override
  public Set<Class<?>> getClasses() {
    return Set.of(FloorResource.class);
  }
}
