package io.remotellm.protocol;

import java.util.Map;

/** Connector → broker: the LLM answered with this status and these headers (lower-case names). */
public record Head(String id, int status, Map<String, String> headers) implements Frame.Answer {
  public Head {
    Fields.required(id, "id");
    Fields.status(status);
    headers = Fields.headers(headers);
  }
}
