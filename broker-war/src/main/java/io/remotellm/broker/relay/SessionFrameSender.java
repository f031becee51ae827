package io.remotellm.broker.relay;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends frames on a WebSocket session asynchronously, one at a time: the WebSocket API allows only
 * one outstanding async text send per session, so each send is chained after the previous one.
 */
final class SessionFrameSender implements FrameSender {

  private static final Logger LOG = Logger.getLogger(SessionFrameSender.class.getName());
  private static final ByteBuffer PING = ByteBuffer.wrap(new byte[] {'r', 'l'});

  private final Session session;
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  SessionFrameSender(Session session) {
    this.session = session;
  }

  @Override
  public synchronized CompletionStage<Void> send(String text) {
    CompletableFuture<Void> next =
        tail.handle((v, e) -> null).thenCompose(v -> sendNow(text));
    tail = next;
    return next;
  }

  private CompletableFuture<Void> sendNow(String text) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      session
          .getAsyncRemote()
          .sendText(
              text,
              result -> {
                if (result.isOK()) {
                  done.complete(null);
                } else {
                  done.completeExceptionally(result.getException());
                }
              });
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  @Override
  public void ping() {
    try {
      session.getAsyncRemote().sendPing(PING.duplicate());
    } catch (IOException | RuntimeException e) {
      // A failed ping is what the heartbeat detects anyway: no pong, the link is dropped.
      LOG.log(Level.FINE, "ping failed: {0}", e.toString());
    }
  }

  @Override
  public void close(int code, String reason) {
    try {
      session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
    } catch (IOException | RuntimeException e) {
      // The socket is going anyway; the close callback or the heartbeat will clean up.
      LOG.log(Level.FINE, "close failed: {0}", e.toString());
    }
  }
}
