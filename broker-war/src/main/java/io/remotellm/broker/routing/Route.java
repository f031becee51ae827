package io.remotellm.broker.routing;

import io.remotellm.protocol.LlmApi;
import java.util.Set;

/**
 * A live connector as the router sees it: an id, the models it serves and the API families its LLM
 * speaks. How many requests it has in flight is the router's to count, through its {@link Lease}s.
 */
public interface Route {
  String id();

  Set<String> models();

  /** The API families its LLM speaks; a route that never said speaks OpenAI's. */
  default Set<LlmApi> apis() {
    return LlmApi.DEFAULT;
  }

  boolean isOpen();
}
