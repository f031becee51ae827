package io.remotellm.protocol;

import jakarta.json.spi.JsonProvider;

/**
 * The JSON-P provider, looked up once per process. The static {@code jakarta.json.Json} methods
 * look it up again on every call, through the service loader; in an application server that scans
 * the class path (a fifth of the broker's CPU per frame once), and in the connector it was a
 * quarter of the CPU of a non-streaming request (reading the answer's usage). Use {@code
 * SharedJsonProvider.INSTANCE.createReader(...)} and friends on every per-request path.
 */
public final class SharedJsonProvider {
  public static final JsonProvider INSTANCE = JsonProvider.provider();

  private SharedJsonProvider() {}
}
