package io.remotellm.broker.relay;

import java.util.concurrent.CompletionStage;

/** The sending half of a connector's socket; a seam so links can be tested without a socket. */
public interface FrameSender {

  /** Sends one text frame without blocking the caller. */
  CompletionStage<Void> send(String text);

  /** Packs waiting frames into {@code batch} frames from now on (the connector speaks 2). */
  default void batching(boolean on) {}

  /** Sends a WebSocket ping; the pong tells the link it is alive. */
  void ping();

  /** Closes the socket with a WebSocket close code. */
  void close(int code, String reason);
}
