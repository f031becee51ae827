package io.remotellm.protocol;

/**
 * Connector → broker: streaming, one SSE event's payload verbatim (the text after {@code data: })
 * and, for APIs that name their events (Responses, Anthropic Messages), its name in {@code event};
 * non-streaming, a piece of the body. {@code event} is null for unnamed events and body pieces.
 */
public record Data(String id, String data, String event) implements Frame.Answer {
  public Data {
    Fields.required(id, "id");
    if (data == null) {
      throw new IllegalArgumentException("missing field 'data'");
    }
    if (event != null && event.isEmpty()) {
      event = null;
    }
  }

  /** An unnamed event's payload, or a piece of a body. */
  public Data(String id, String data) {
    this(id, data, null);
  }
}
