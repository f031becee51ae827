package io.remotellm.broker.relay;

import io.remotellm.broker.error.ApiError;
import io.remotellm.broker.error.ApiException;
import io.remotellm.broker.logging.AccessLog;
import io.remotellm.protocol.Bounds;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A call naming a stored response ({@code GET}/{@code DELETE /v1/responses/{id}}, {@code POST
 * .../cancel}) that no connector of this broker holds, handed to the other brokers: finding the one
 * that holds it is a grid lookup, which no request thread waits for (issue 15). With one broker the
 * answer is known at once and the caller refuses the call as before.
 */
final class StoredResponseForwarding {

  private static final Logger LOG = Logger.getLogger(StoredResponseForwarding.class.getName());

  private StoredResponseForwarding() {}

  /**
   * True when another broker took {@code request} or may take it once the grid answers (then a
   * refusal goes to {@code sink}, with {@code access} given back to the caller's response filters,
   * which write its line); false, having done nothing, when no other broker holds it.
   */
  static boolean forward(
      RemoteBrokers remote,
      RequestRoutes routes,
      RelayRequest request,
      ResponseSink sink,
      AccessLog access) {
    CompletableFuture<Boolean> forwarded =
        remote.forwardStored(request, sink, access).toCompletableFuture();
    if (forwarded.isDone() && !forwarded.isCompletedExceptionally()) {
      return forwarded.join();
    }
    forwarded.whenComplete(
        (sent, failure) -> refuseUnless(sent, failure, routes, request, sink, access));
    return true;
  }

  /** Once the grid answered: refused with the same error as at once, unless it was sent. */
  private static void refuseUnless(
      Boolean sent,
      Throwable failure,
      RequestRoutes routes,
      RelayRequest request,
      ResponseSink sink,
      AccessLog access) {
    if (failure == null && Boolean.TRUE.equals(sent)) {
      return;
    }
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    ApiError error;
    if (cause instanceof ApiException e) {
      error = e.error();
    } else if (cause != null) {
      LOG.log(
          Level.WARNING,
          "stored response {0}: the cluster lookup failed: {1}",
          new Object[] {Bounds.forLog(request.responseId()), cause.toString()});
      error = ApiError.unavailable("Could not find which broker holds this response; try again");
    } else {
      error = routes.notRoutable(request);
    }
    access.takeBack();
    sink.fail(error, false);
  }
}
