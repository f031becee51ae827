package io.remotellm.protocol;

/** One JSON text frame on the relay socket; the {@code type} field names the record. */
public sealed interface Frame
    permits Hello, ModelsChanged, Welcome, Request, Cancel, Batch, Frame.Answer {

  /**
   * The highest protocol version this code speaks. Version 2 adds {@link Batch}; a peer uses it
   * only once both sides said they speak 2 ({@code hello.protocol}, {@code welcome.protocol}).
   */
  int PROTOCOL_VERSION = 2;

  /** The first protocol version with {@link Batch}. */
  int BATCH_PROTOCOL = 2;

  /**
   * The connector's frames about one request, in the order head, data*, end, or error at any point.
   */
  sealed interface Answer extends Frame permits Head, Data, End, Failure {
    String id();
  }
}
