package io.remotellm.broker.relay;

import jakarta.websocket.CloseReason;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends frames on a WebSocket session asynchronously, one at a time and in the order they were
 * given: the WebSocket API allows only one outstanding async text send per session. Callers only
 * queue a frame; whoever finds the socket idle sends, and each send's completion starts the next,
 * so no lock is held across a socket send and request threads never wait for each other (a
 * {@code synchronized} send here was 2,622 lock waits of 20 ms or more in one benchmark run).
 * The queue is bounded: a connector that does not take frames as fast as they come gets a failed
 * send, not an ever-growing queue in the broker.
 */
final class SessionFrameSender implements FrameSender {

  private static final Logger LOG = Logger.getLogger(SessionFrameSender.class.getName());
  private static final ByteBuffer PING = ByteBuffer.wrap(new byte[] {'r', 'l'});

  /** Frames waiting for the socket, per connector; a request frame each, plus cancels. */
  static final int MAX_QUEUED = 8192;

  private record Item(String text, CompletableFuture<Void> done) {}

  private final Session session;
  private final int maxQueued;
  private final Queue<Item> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean sending = new AtomicBoolean();

  SessionFrameSender(Session session) {
    this(session, MAX_QUEUED);
  }

  SessionFrameSender(Session session, int maxQueued) {
    this.session = session;
    this.maxQueued = maxQueued;
  }

  @Override
  public CompletionStage<Void> send(String text) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (queued.incrementAndGet() > maxQueued) {
      queued.decrementAndGet();
      done.completeExceptionally(
          new IOException(
              "connector not keeping up: " + maxQueued + " frames already wait for its socket"));
      return done;
    }
    queue.add(new Item(text, done));
    pump();
    return done;
  }

  private static final int IN_CALL = 0;
  private static final int DONE_IN_CALL = 1;
  private static final int RETURNED = 2;

  /**
   * Sends queued frames until the queue is empty or a send is in progress. A send that completes
   * inside {@code sendText} is looped over rather than recursed into, so a long queue cannot
   * overflow the stack; one that completes later continues from its completion handler.
   */
  private void pump() {
    while (sending.compareAndSet(false, true)) {
      while (true) {
        Item item = queue.poll();
        if (item == null) {
          break;
        }
        queued.decrementAndGet();
        AtomicInteger phase = new AtomicInteger(IN_CALL);
        try {
          session
              .getAsyncRemote()
              .sendText(
                  item.text(),
                  (SendResult result) -> {
                    complete(item, result);
                    if (!phase.compareAndSet(IN_CALL, DONE_IN_CALL)) {
                      sending.set(false);
                      pump();
                    }
                  });
        } catch (RuntimeException e) {
          phase.set(DONE_IN_CALL);
          item.done().completeExceptionally(e);
        }
        if (phase.compareAndSet(IN_CALL, RETURNED)) {
          return; // the completion handler carries on
        }
      }
      sending.set(false);
      if (queue.isEmpty()) {
        return;
      }
    }
  }

  private static void complete(Item item, SendResult result) {
    if (result.isOK()) {
      item.done().complete(null);
    } else {
      item.done().completeExceptionally(result.getException());
    }
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
