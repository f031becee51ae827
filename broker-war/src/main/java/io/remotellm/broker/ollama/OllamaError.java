package io.remotellm.broker.ollama;

import io.remotellm.broker.error.ApiError;
import io.remotellm.protocol.SharedJsonProvider;

/** Ollama's error shape, {@code {"error":"..."}}: its clients read that field and nothing else. */
final class OllamaError {
  private OllamaError() {}

  static String json(String message) {
    return SharedJsonProvider.INSTANCE
        .createObjectBuilder()
        .add("error", message)
        .build()
        .toString();
  }

  /** The broker's error, same status, in Ollama's shape. */
  static String json(ApiError error) {
    return json(error.message());
  }
}
