package io.remotellm.broker.ollama;

import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.spi.JsonProvider;
import java.time.Instant;
import java.util.Collection;

/**
 * What the broker answers itself on Ollama's API: {@code /api/version}, and {@code /api/tags} and
 * {@code /api/ps} as the union of the models the live connectors serve. The entries are minimal
 * (name, model, modified_at, size, digest, details), the fields Ollama's clients read: the broker
 * knows model names only, not the files behind them, whatever LLM serves them.
 */
final class OllamaListings {
  private static final JsonProvider JSON = SharedJsonProvider.INSTANCE;

  /**
   * The Ollama version the broker says it is. Clients use it to decide which features to offer;
   * this one has everything the relayed paths carry (tools, thinking, {@code /api/embed}).
   */
  static final String VERSION = "0.13.5";

  private OllamaListings() {}

  static String version() {
    return JSON.createObjectBuilder().add("version", VERSION).build().toString();
  }

  /**
   * {@code /api/tags} ({@code running} false) or {@code /api/ps} ({@code running} true: what the
   * connectors serve now is what is "loaded").
   */
  static String models(Collection<String> models, Instant since, boolean running) {
    JsonArrayBuilder list = JSON.createArrayBuilder();
    for (String model : models) {
      list.add(entry(model, since, running));
    }
    return JSON.createObjectBuilder().add("models", list).build().toString();
  }

  private static JsonObject entry(String model, Instant since, boolean running) {
    JsonObjectBuilder entry =
        JSON.createObjectBuilder()
            .add("name", model)
            .add("model", model)
            .add("modified_at", since.toString())
            .add("size", 0)
            .add("digest", "")
            .add(
                "details",
                JSON.createObjectBuilder()
                    .add("parent_model", "")
                    .add("format", "")
                    .add("family", "")
                    .add("families", JSON.createArrayBuilder())
                    .add("parameter_size", "")
                    .add("quantization_level", ""));
    if (running) {
      entry.add("expires_at", "0001-01-01T00:00:00Z").add("size_vram", 0);
    }
    return entry.build();
  }
}
