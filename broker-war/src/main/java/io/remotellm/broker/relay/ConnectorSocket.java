package io.remotellm.broker.relay;

import java.util.concurrent.CompletionStage;

/**
 * A connector's WebSocket as the broker uses it: send, ping, close; a seam so links can be tested
 * without a socket. (The connector's {@code FrameSender} is the other end of the same socket.)
 */
public interface ConnectorSocket {

  /** Sends one text frame without blocking the caller. */
  CompletionStage<Void> send(String text);

  /** Packs waiting frames into {@code batch} frames from now on (the connector speaks 2). */
  default void batching(boolean on) {}

  /** Sends a WebSocket ping; the pong tells the link it is alive. */
  void ping();

  /** Closes the socket with a WebSocket close code. */
  void close(int code, String reason);
}
