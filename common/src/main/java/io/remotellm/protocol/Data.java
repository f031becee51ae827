package io.remotellm.protocol;

/**
 * Connector → broker: streaming, one SSE event's payload verbatim (the text after {@code data: });
 * non-streaming, a piece of the body.
 */
public record Data(String id, String data) implements Frame.Answer {
  public Data {
    Fields.required(id, "id");
    if (data == null) {
      throw new IllegalArgumentException("missing field 'data'");
    }
  }
}
