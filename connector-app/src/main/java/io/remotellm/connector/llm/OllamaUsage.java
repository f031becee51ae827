package io.remotellm.connector.llm;

import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;

/**
 * Ollama's token counts ({@code prompt_eval_count}, {@code eval_count} on its last object) as the
 * usage the {@code end} frame carries for every API ({@code prompt_tokens}, {@code
 * completion_tokens}, {@code total_tokens}), so the broker reads one shape.
 */
final class OllamaUsage {
  private OllamaUsage() {}

  /** The usage of Ollama's final object, or null when it has no counts. */
  static JsonObject of(JsonObject last) {
    if (!(last.get("eval_count") instanceof JsonNumber eval)) {
      return null;
    }
    long prompt = last.get("prompt_eval_count") instanceof JsonNumber p ? p.longValueExact() : 0;
    long completion = eval.longValueExact();
    return SharedJsonProvider.INSTANCE
        .createObjectBuilder()
        .add("prompt_tokens", prompt)
        .add("completion_tokens", completion)
        .add("total_tokens", prompt + completion)
        .build();
  }
}
