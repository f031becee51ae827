package io.remotellm.protocol;

import jakarta.json.bind.annotation.JsonbSubtype;
import jakarta.json.bind.annotation.JsonbTypeInfo;

/** One JSON text frame on the relay socket; the {@code type} field names the record. */
@JsonbTypeInfo(
    key = "type",
    value = {
      @JsonbSubtype(alias = "hello", type = Hello.class),
      @JsonbSubtype(alias = "models", type = ModelsChanged.class),
      @JsonbSubtype(alias = "head", type = Head.class),
      @JsonbSubtype(alias = "data", type = Data.class),
      @JsonbSubtype(alias = "end", type = End.class),
      @JsonbSubtype(alias = "error", type = Failure.class),
      @JsonbSubtype(alias = "welcome", type = Welcome.class),
      @JsonbSubtype(alias = "request", type = Request.class),
      @JsonbSubtype(alias = "cancel", type = Cancel.class),
      @JsonbSubtype(alias = "batch", type = Batch.class)
    })
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
