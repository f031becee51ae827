package io.remotellm.protocol;

/** One JSON text frame on the relay socket; the {@code type} field names the record. */
public sealed interface Frame
    permits Hello, ModelsChanged, Welcome, Request, Cancel, Batch, Frame.Answer {

  /**
   * The highest protocol version this code speaks. Version 2 adds {@link Batch}; version 3 lets the
   * connector send its messages as binary WebSocket messages of UTF-8 ({@link FrameBytes}). A peer
   * uses either only once both sides said they speak it ({@code hello.protocol}, {@code
   * welcome.protocol}).
   */
  int PROTOCOL_VERSION = 3;

  /** The first protocol version with {@link Batch}. */
  int BATCH_PROTOCOL = 2;

  /** The first protocol version in which the connector may send binary messages. */
  int BINARY_PROTOCOL = 3;

  /**
   * The connector's frames about one request, in the order head, data*, end, or error at any point.
   */
  sealed interface Answer extends Frame permits Head, Data, End, Failure {
    String id();
  }
}
