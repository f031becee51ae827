package io.remotellm.protocol;

import jakarta.json.JsonObject;

/**
 * Connector → broker: the LLM finished; {@code usage} is the answer's token usage, if it had one.
 */
public record End(String id, JsonObject usage) implements Frame.Answer {
  public End {
    Fields.required(id, "id");
  }

  /** An end without usage figures. */
  public static End of(String id) {
    return new End(id, null);
  }
}
