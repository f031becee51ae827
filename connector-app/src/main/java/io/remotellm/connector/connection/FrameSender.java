package io.remotellm.connector.connection;

import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.FrameQueue;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Sends frames on the relay socket through a {@link FrameQueue}: asynchronously, one message at a
 * time, in order, and packed into batches once the broker speaks protocol 2. Each frame may carry a
 * callback, told null once the frame is written or the failure otherwise; the forwarder uses it to
 * read the next piece from the LLM only then, which bounds what is buffered.
 */
public final class FrameSender {

  /**
   * The largest batch, in chars (at most 96 KiB of UTF-8, well under the broker's frame limit),
   * enough for a few hundred tokens of several streams in one message.
   */
  static final int MAX_BATCH_CHARS = 32 * 1024;

  private final Session session;
  private final FrameCodec codec;
  private final FrameQueue queue;
  private volatile boolean closed;

  public FrameSender(Session session, FrameCodec codec) {
    this.session = session;
    this.codec = codec;
    this.queue = new FrameQueue(this::sendText, Integer.MAX_VALUE, MAX_BATCH_CHARS);
  }

  private void sendText(String text, Consumer<Throwable> done) {
    session
        .getAsyncRemote()
        .sendText(
            text, (SendResult result) -> done.accept(result.isOK() ? null : result.getException()));
  }

  /** Packs waiting frames into batches from now on: the broker said it reads them. */
  void batching(boolean on) {
    queue.batching(on);
  }

  public void send(Frame frame) {
    send(frame, null);
  }

  public void send(Frame frame, Consumer<Throwable> done) {
    queue.offer(encode(frame), done);
  }

  /**
   * Sends frames together: on an idle socket, with batching on, they leave as one message (a
   * non-streaming answer's head, body and end; the SSE events of one read). {@code done} hears
   * about the last.
   */
  public void sendAll(List<? extends Frame> frames, Consumer<Throwable> done) {
    List<String> texts = new ArrayList<>(frames.size());
    for (Frame frame : frames) {
      texts.add(encode(frame));
    }
    queue.offerAll(texts, done);
  }

  private String encode(Frame frame) {
    return codec.encode(frame);
  }

  void ping() {
    queue.then(
        () -> {
          try {
            session.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
          } catch (Exception e) {
            // A failed ping means a dead socket; the heartbeat notices the silence and reconnects.
          }
        },
        null);
  }

  /**
   * Closes the socket with {@code reason} once every frame queued before has been written, so a
   * graceful shutdown does not cut off the last {@code end} frames; waits up to {@code timeout}.
   */
  void closeAfterQueued(CloseReason reason, Duration timeout) {
    CountDownLatch done = new CountDownLatch(1);
    queue.then(() -> closeSession(reason), error -> done.countDown());
    try {
      if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
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
    queue.close(new IllegalStateException("relay socket closed"));
  }
}
