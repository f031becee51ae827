package io.remotellm.broker.error;

import io.remotellm.protocol.Bounds;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonObjectBuilder;
import java.util.List;

/**
 * One error as OpenAI clients expect it: {@code {"error":{"message","type","param","code"}}}.
 *
 * @param status the HTTP status
 * @param type OpenAI's error type, e.g. {@code invalid_request_error}
 * @param code the broker's error code, e.g. {@code model_not_found}
 * @param message for people; never holds a key, a token or a prompt
 * @param param the request field at fault, or null
 */
public record ApiError(int status, String type, String code, String message, String param) {

  /**
   * The message cut to {@link Bounds#ERROR_MESSAGE}: most come from the broker and are short, but a
   * connector's error frame (or its LLM's reason) is passed on as it came.
   */
  public ApiError {
    message = Bounds.cut(message, Bounds.ERROR_MESSAGE);
  }

  public static ApiError invalidApiKey(String message) {
    return new ApiError(401, "invalid_request_error", "invalid_api_key", message, null);
  }

  public static ApiError invalidRequest(String message, String param) {
    return new ApiError(400, "invalid_request_error", "invalid_request_error", message, param);
  }

  public static ApiError modelNotFound(String model) {
    return new ApiError(
        404,
        "invalid_request_error",
        "model_not_found",
        "The model '"
            + Bounds.cut(model, Bounds.QUOTED)
            + "' is not served by any connected connector",
        "model");
  }

  /**
   * {@code model} is served, but by no connector whose LLM speaks the API the client called: the
   * message names the APIs that do serve it, so the user can switch client or connector setting.
   */
  public static ApiError apiNotOffered(String model, String api, List<String> offered) {
    return new ApiError(
        404,
        "invalid_request_error",
        "api_not_supported",
        "The model '"
            + Bounds.cut(model, Bounds.QUOTED)
            + "' is served, but not through the "
            + api
            + " API: its connectors offer "
            + String.join(", ", offered)
            + " (a connector says what its LLM speaks with --llm-api)",
        "model");
  }

  /** A stored response this broker never relayed, or whose connector is gone. */
  public static ApiError responseNotFound(String id, String why) {
    return new ApiError(
        404,
        "invalid_request_error",
        "not_found",
        "No response with id '" + Bounds.cut(id, Bounds.QUOTED) + "' found: " + why,
        null);
  }

  public static ApiError tooLarge(long max) {
    return new ApiError(
        413,
        "invalid_request_error",
        "request_too_large",
        "Request body is larger than the maximum of " + max + " bytes",
        null);
  }

  public static ApiError rateLimited(String message) {
    return new ApiError(429, "requests", "rate_limit_exceeded", message, null);
  }

  public static ApiError upstream(String message) {
    return new ApiError(502, "api_error", "upstream_error", message, null);
  }

  public static ApiError upstreamTimeout(String message) {
    return new ApiError(504, "api_error", "upstream_timeout", message, null);
  }

  public static ApiError unavailable(String message) {
    return new ApiError(503, "api_error", "unavailable", message, null);
  }

  /**
   * A refusal known only by its HTTP status (the container's or JAX-RS's own), with the status's
   * reason phrase as the message: never the request's input.
   */
  public static ApiError forStatus(int status, String phrase) {
    String code =
        switch (status) {
          case 404 -> "not_found";
          case 405 -> "method_not_allowed";
          case 413 -> "request_too_large";
          case 415 -> "unsupported_media_type";
          // The container's answer to a method it has no handler for (PUT or PATCH outside /v1).
          case 501 -> "not_implemented";
          default -> status >= 500 ? "internal_error" : "invalid_request_error";
        };
    String type = status >= 500 && status != 501 ? "api_error" : "invalid_request_error";
    return new ApiError(status, type, code, phrase, null);
  }

  /** An error a connector reported in an {@code error} frame, kept with its status and code. */
  public static ApiError fromConnector(int status, String code, String message) {
    String type = status >= 500 ? "api_error" : "invalid_request_error";
    return new ApiError(status, type, code, message.isEmpty() ? "Upstream error" : message, null);
  }

  public String toJson() {
    JsonObjectBuilder inner =
        SharedJsonProvider.INSTANCE.createObjectBuilder().add("message", message).add("type", type);
    if (param == null) {
      inner.addNull("param");
    } else {
      inner.add("param", param);
    }
    inner.add("code", code);
    return SharedJsonProvider.INSTANCE.createObjectBuilder().add("error", inner).build().toString();
  }
}
