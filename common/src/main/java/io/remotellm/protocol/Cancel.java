package io.remotellm.protocol;

/** Broker → connector: the client went away; abort the upstream call now. */
public record Cancel(String id, String reason) implements Frame {
  public Cancel {
    Fields.required(id, "id");
    reason = reason == null ? "" : reason;
  }
}
