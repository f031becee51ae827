package io.remotellm.protocol;

/**
 * Connector → broker ({@code "type":"error"}): the LLM could not be reached, timed out, or broke
 * mid-stream. {@code code} is one of the broker API's error codes, e.g. {@code upstream_error}.
 */
public record Failure(String id, int status, String code, String message) implements Frame.Answer {
  public Failure {
    Fields.required(id, "id");
    Fields.status(status);
    code = code == null || code.isEmpty() ? "upstream_error" : code;
    message = message == null ? "" : message;
  }
}
