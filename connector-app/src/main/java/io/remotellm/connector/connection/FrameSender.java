package io.remotellm.connector.connection;

import io.remotellm.protocol.Frame;
import io.remotellm.protocol.FrameCodec;
import io.remotellm.protocol.FrameQueue;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Sends frames on the relay socket through a {@link FrameQueue}: asynchronously, one message at a
 * time, in order, packed into batches once the broker speaks protocol 2, and as binary messages of
 * UTF-8 once it speaks 3. Each frame may carry a callback, told null once the frame is written or
 * the failure otherwise; the forwarder uses it to read the next piece from the LLM only then, which
 * bounds what is buffered.
 *
 * <p>What it queues is each frame's wire text: its UTF-8 bytes, one char per byte (a Latin-1 {@code
 * String} is a byte array underneath). That lets the connector write a {@code data} frame straight
 * from the LLM's bytes and the queue pack frames as before, and a binary message is then a plain
 * copy of the bytes; only a text message (protocol 1 and 2 brokers) decodes them again.
 *
 * <p>The JDK's {@link WebSocket} refuses a second text or binary send while one is outstanding; the
 * queue starts the next send only from the previous one's completion, so that never happens.
 */
public final class FrameSender {

  /**
   * The largest batch, in bytes of UTF-8 (well under the broker's frame limit), enough for a few
   * hundred tokens of several streams in one message.
   */
  static final int MAX_BATCH_CHARS = 32 * 1024;

  private final WebSocket socket;
  private final FrameCodec codec;
  private final FrameQueue queue;
  private volatile boolean closed;
  private volatile boolean binary;

  public FrameSender(WebSocket socket, FrameCodec codec) {
    this.socket = socket;
    this.codec = codec;
    this.queue = new FrameQueue(this::sendText, Integer.MAX_VALUE, MAX_BATCH_CHARS);
  }

  /**
   * A binary message costs less here than a text one: the JDK's {@code sendText} encodes char by
   * char through a {@code CharBuffer} view of the string (a sixth of the connector's CPU per SSE
   * event, docs/benchmarks.md), while the wire text's bytes are one array copy.
   */
  private void sendText(String wire, Consumer<Throwable> done) {
    byte[] utf8 = wire.getBytes(StandardCharsets.ISO_8859_1);
    CompletableFuture<WebSocket> sent =
        binary
            ? socket.sendBinary(ByteBuffer.wrap(utf8), true)
            : socket.sendText(new String(utf8, StandardCharsets.UTF_8), true);
    sent.whenComplete((ws, error) -> done.accept(error));
  }

  /** The wire text of a frame's JSON text: its UTF-8, one char per byte. */
  public static String wireOf(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  /** The frame as this sender queues it. */
  public String wire(Frame frame) {
    return wireOf(codec.encode(frame));
  }

  /** Packs waiting frames into batches from now on: the broker said it reads them. */
  void batching(boolean on) {
    queue.batching(on);
  }

  /** Sends messages as binary (their UTF-8) from now on: the broker said it reads them. */
  void binary(boolean on) {
    binary = on;
  }

  public void send(Frame frame) {
    send(frame, null);
  }

  public void send(Frame frame, Consumer<Throwable> done) {
    queue.offer(wire(frame), done);
  }

  /**
   * Sends frames together: on an idle socket, with batching on, they leave as one message (a
   * non-streaming answer's head, body and end; the SSE events of one read). {@code done} hears
   * about the last.
   */
  public void sendAll(List<? extends Frame> frames, Consumer<Throwable> done) {
    List<String> texts = new ArrayList<>(frames.size());
    for (Frame frame : frames) {
      texts.add(wire(frame));
    }
    queue.offerAll(texts, done);
  }

  /** As {@link #sendAll}, for frames already in wire text ({@link #wire}, {@link #wireOf}). */
  public void sendWire(List<String> wire, Consumer<Throwable> done) {
    queue.offerAll(wire, done);
  }

  void ping() {
    queue.then(
        () -> {
          // A failed ping (a dead socket, or the last ping still unsent) changes nothing: the
          // heartbeat notices the silence and reconnects.
          socket.sendPing(ByteBuffer.allocate(0));
        },
        null);
  }

  /**
   * Closes the socket with {@code code} once every frame queued before has been written and waits,
   * up to {@code timeout}, until the close frame is written too, so a graceful shutdown does not
   * cut off the last {@code end} frames.
   */
  void closeAfterQueued(int code, String reason, Duration timeout) {
    CompletableFuture<Object> written = new CompletableFuture<>();
    queue.then(
        () -> closeSocket(code, reason).whenComplete((ws, error) -> written.complete(null)),
        error -> {
          if (error != null) {
            written.complete(null);
          }
        });
    try {
      written.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeSocket(code, reason);
    } catch (TimeoutException | ExecutionException e) {
      closeSocket(code, reason);
    }
    close();
  }

  /** Sends a close frame unless one was sent already; never throws. */
  CompletableFuture<WebSocket> closeSocket(int code, String reason) {
    if (socket.isOutputClosed()) {
      return CompletableFuture.completedFuture(socket);
    }
    return socket.sendClose(code, reason);
  }

  public boolean isOpen() {
    return !closed && !socket.isOutputClosed() && !socket.isInputClosed();
  }

  /** Fails what is still queued; later sends fail at once. */
  void close() {
    closed = true;
    queue.close(new IllegalStateException("relay socket closed"));
  }
}
