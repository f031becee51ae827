package io.remotellm.broker.logging;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The access log: one line per API request, on the logger {@code io.remotellm.broker.access},
 * written here and nowhere else. A request handed to the relay is logged when its answer is
 * complete (the relay's dispatcher knows the connector, the attempts and how it ended); any other
 * request (refused, invalid, a listing) is logged by the API's response filter as the response
 * leaves. The API marks the requests it hands to the relay so that each gets exactly one line.
 */
public final class AccessLog {

  private static final Logger ACCESS = Logger.getLogger("io.remotellm.broker.access");

  private AccessLog() {}

  /** The line of a relayed request; {@code fields} already name the request and connector. */
  public static void relayed(
      LogFields fields,
      String requestId,
      String model,
      String connectorId,
      String fingerprint,
      int status,
      long millis,
      boolean streamed,
      int attempts,
      String errorCode) {
    fields
        .and("status", status)
        .and("duration_ms", millis)
        .and("streamed", streamed)
        .and("attempts", attempts)
        .and("error_code", errorCode)
        .log(
            ACCESS,
            Level.INFO,
            "request {0} model={1} connector={2} fingerprint={3} status={4} durationMs={5}"
                + " streamed={6} attempts={7} error={8}",
            requestId,
            model,
            connectorId == null ? "-" : connectorId,
            fingerprint == null ? "-" : fingerprint,
            String.valueOf(status),
            String.valueOf(millis),
            streamed,
            attempts,
            errorCode == null ? "-" : errorCode);
  }

  /** The line of a request the relay never took. */
  public static void answeredHere(
      Object requestId,
      String method,
      String path,
      String model,
      int status,
      long millis,
      boolean streamed) {
    LogFields.of("request_id", requestId)
        .and("method", method)
        .and("path", path)
        .and("model", model)
        .and("status", status)
        .and("duration_ms", millis)
        .and("streamed", streamed)
        .log(
            ACCESS,
            Level.INFO,
            "request {0} {1} {2} model={3} connector=- status={4} durationMs={5} streamed={6}",
            requestId,
            method,
            path,
            model == null ? "-" : model,
            String.valueOf(status),
            String.valueOf(millis),
            streamed);
  }
}
