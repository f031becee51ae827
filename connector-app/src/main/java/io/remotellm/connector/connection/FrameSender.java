package io.remotellm.connector.connection;

import io.remotellm.protocol.Data;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Sends frames on one socket, asynchronously and one at a time: a WebSocket may not start a send
 * before the last one finished, and answers for a request must arrive in the order they were made.
 * Each frame may carry a callback, told null once the frame is written or the failure otherwise; the
 * forwarder uses it to read the next piece from the LLM only then, which bounds what is buffered.
 */
public final class FrameSender {

  private record Item(String text, boolean ping, CloseReason close, Consumer<Throwable> done) {}

  private final Session session;
  private final FrameCodec codec;
  private final Queue<Item> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sending = new AtomicBoolean();
  private volatile boolean closed;

  public FrameSender(Session session, FrameCodec codec) {
    this.session = session;
    this.codec = codec;
  }

  public void send(Frame frame) {
    send(frame, null);
  }

  public void send(Frame frame, Consumer<Throwable> done) {
    String text = frame instanceof Data data ? DataFrameEncoder.encode(data) : codec.encode(frame);
    enqueue(new Item(text, false, null, done));
  }

  void ping() {
    enqueue(new Item(null, true, null, null));
  }

  /**
   * Closes the socket with {@code reason} once every frame queued before has been written, so a
   * graceful shutdown does not cut off the last {@code end} frames; waits up to {@code timeout}.
   */
  void closeAfterQueued(CloseReason reason, Duration timeout) {
    CountDownLatch closed = new CountDownLatch(1);
    enqueue(new Item(null, false, reason, error -> closed.countDown()));
    try {
      if (!closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        closeSession(reason);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeSession(reason);
    }
    close();
  }

  private void closeSession(CloseReason reason) {
    try {
      if (session.isOpen()) {
        session.close(reason);
      }
    } catch (Exception e) {
      // Shutting down: the process ends whether or not the close frame went out.
    }
  }

  public boolean isOpen() {
    return !closed && session.isOpen();
  }

  /** Fails what is still queued; later sends fail at once. */
  void close() {
    closed = true;
    drainFailed();
  }

  private void enqueue(Item item) {
    if (closed) {
      fail(item, new IllegalStateException("relay socket closed"));
      return;
    }
    queue.add(item);
    pump();
  }

  private static final int IN_CALL = 0;
  private static final int DONE_IN_CALL = 1;
  private static final int RETURNED = 2;

  /**
   * Sends queued items until the queue is empty or a send is still in progress. A send that
   * completes inside {@code sendText} is looped over rather than recursed into, so a long queue
   * cannot overflow the stack.
   */
  private void pump() {
    while (sending.compareAndSet(false, true)) {
      while (true) {
        Item item = queue.poll();
        if (item == null) {
          break;
        }
        if (closed) {
          fail(item, new IllegalStateException("relay socket closed"));
          continue;
        }
        if (item.close() != null) {
          closeSession(item.close());
          complete(item, null);
          continue;
        }
        if (item.ping()) {
          try {
            session.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
          } catch (Exception e) {
            // A failed ping means a dead socket; the heartbeat notices the silence and reconnects.
          }
          continue;
        }
        AtomicInteger phase = new AtomicInteger(IN_CALL);
        try {
          session.getAsyncRemote().sendText(item.text(), (SendResult result) -> {
            complete(item, result.isOK() ? null : result.getException());
            if (!phase.compareAndSet(IN_CALL, DONE_IN_CALL)) {
              sending.set(false);
              pump();
            }
          });
        } catch (RuntimeException e) {
          phase.set(DONE_IN_CALL);
          complete(item, e);
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

  private void drainFailed() {
    Item item;
    while ((item = queue.poll()) != null) {
      fail(item, new IllegalStateException("relay socket closed"));
    }
  }

  private static void complete(Item item, Throwable error) {
    if (item.done() != null) {
      item.done().accept(error);
    }
  }

  private static void fail(Item item, Throwable error) {
    complete(item, error == null ? new IllegalStateException("send failed") : error);
  }
}
