package io.remotellm.testsupport;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * One API family's routes on the {@link FakeLlm}, with that family's wire shapes; the fake asks
 * each in turn before its own OpenAI routes. Implementations use the fake's package-private helpers
 * (script, pacing, counters), so a scripted delay, error or hang works the same on every API.
 */
interface FakeApi {

  /** Answers the request if {@code path} is this family's; false to let the next one try. */
  boolean handle(HttpExchange exchange, String method, String path, String body) throws IOException;
}
