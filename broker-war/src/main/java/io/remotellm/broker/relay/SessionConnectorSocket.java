package io.remotellm.broker.relay;

import io.remotellm.protocol.FrameQueue;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends frames on a connector's WebSocket session through a {@link FrameQueue}: asynchronously, in
 * order, no lock held across a send (a {@code synchronized} send here was 2,622 lock waits of 20 ms
 * or more in one benchmark run), and packed into batches once the connector speaks protocol 2. The
 * queue is bounded: a connector that does not take frames as fast as they come gets a failed send,
 * not an ever-growing queue in the broker. Cluster peer links send their frames the same way.
 */
public final class SessionConnectorSocket implements ConnectorSocket {

  private static final Logger LOG = Logger.getLogger(SessionConnectorSocket.class.getName());
  private static final ByteBuffer PING = ByteBuffer.wrap(new byte[] {'r', 'l'});

  /** Frames waiting for the socket, per connector; a request frame each, plus cancels. */
  static final int MAX_QUEUED = 8192;

  /**
   * The largest batch, in chars (at most 96 KiB of UTF-8): far below what the connector accepts,
   * and large enough that a batch amortises the per-message cost over dozens of requests.
   */
  static final int MAX_BATCH_CHARS = 32 * 1024;

  private final Session session;
  private final int maxQueued;
  private final FrameQueue queue;

  public SessionConnectorSocket(Session session) {
    this(session, MAX_QUEUED);
  }

  SessionConnectorSocket(Session session, int maxQueued) {
    this.session = session;
    this.maxQueued = maxQueued;
    this.queue = new FrameQueue(this::sendText, maxQueued, MAX_BATCH_CHARS);
  }

  /**
   * A context class loader with nothing to find: resource look-ups through it end in the JDK's own
   * modules at once.
   */
  private static final ClassLoader NOTHING_TO_FIND = ClassLoader.getPlatformClassLoader();

  /**
   * Sends with {@link #NOTHING_TO_FIND} as the context class loader. Some servers' WebSocket
   * implementations (Tyrus in Payara) reschedule an idle-timeout task on every send, and a managed
   * executor captures the thread's context for each task with a service-loader look-up through the
   * context class loader; through the web application's loader that look-up scans every jar of the
   * server (a third of the broker's CPU, docs/benchmarks.md). The task does nothing with that
   * loader (our idle timeout is off), so a loader with nothing to scan changes nothing else.
   */
  private void sendText(String text, Consumer<Throwable> done) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(NOTHING_TO_FIND);
    try {
      session
          .getAsyncRemote()
          .sendText(
              text,
              (SendResult result) -> done.accept(result.isOK() ? null : result.getException()));
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  @Override
  public CompletionStage<Void> send(String text) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    boolean queued =
        queue.offer(
            text,
            error -> {
              if (error == null) {
                done.complete(null);
              } else {
                done.completeExceptionally(error);
              }
            });
    if (!queued) {
      done.completeExceptionally(
          new IOException(
              "connector not keeping up: " + maxQueued + " frames already wait for its socket"));
    }
    return done;
  }

  @Override
  public void batching(boolean on) {
    queue.batching(on);
  }

  /**
   * Pings in the queue's turn, between two sends, never during one: Open Liberty refuses a write
   * while another is in progress ("write not allowed"), so a heartbeat ping sent beside a frame
   * failed that frame and its request (a 502 in the benchmark on Liberty). The connector's {@code
   * FrameSender} pings the same way.
   */
  @Override
  public void ping() {
    queue.then(
        () -> {
          try {
            session.getAsyncRemote().sendPing(PING.duplicate());
          } catch (IOException | RuntimeException e) {
            // A failed ping is what the heartbeat detects anyway: no pong, the link is dropped.
            LOG.log(Level.FINE, "ping failed: {0}", e.toString());
          }
        },
        null);
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
