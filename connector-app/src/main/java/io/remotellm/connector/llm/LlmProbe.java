package io.remotellm.connector.llm;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Knows whether the LLM answers, and which models it has: {@code GET /v1/models} (any
 * OpenAI-compatible server), else Ollama's {@code GET /api/tags}. Probes every few seconds and soon
 * after a failed forward; never more than one probe at a time.
 */
public final class LlmProbe {
  private static final Logger LOG = Logger.getLogger(LlmProbe.class.getName());
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

  private final HttpClient http;
  private final URI base;
  private final String apiKey;
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile boolean available;
  private volatile boolean probedOnce;
  private volatile List<String> lastModels = List.of();
  private volatile Consumer<List<String>> onModelsChanged;

  public LlmProbe(HttpClient http, URI base, String apiKey) {
    this.http = http;
    this.base = base;
    this.apiKey = apiKey;
  }

  public boolean available() {
    return available;
  }

  /** The models the LLM lists, or empty if it cannot be asked. Blocks: for start-up only. */
  public Optional<List<String>> discoverModels() {
    try {
      return probe().get(2 * PROBE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /**
   * Probes every {@code interval}; when {@code onModelsChanged} is given (models were discovered,
   * not configured), a changed model list is passed to it.
   */
  public void start(
      ScheduledExecutorService timer, Duration interval, Consumer<List<String>> onModelsChanged) {
    this.onModelsChanged = onModelsChanged;
    timer.scheduleWithFixedDelay(this::probeNow, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Probes now unless a probe is already running. */
  public void probeNow() {
    if (probing.compareAndSet(false, true)) {
      probe().whenComplete((models, error) -> probing.set(false));
    }
  }

  /**
   * Asks /v1/models, then /api/tags; updates availability; completes with the model list if any.
   */
  CompletableFuture<Optional<List<String>>> probe() {
    return get("/v1/models")
        .thenCompose(
            openAi -> {
              if (openAi.isPresent()) {
                return CompletableFuture.completedFuture(
                    Optional.of(ids(openAi.get(), "data", "id")));
              }
              return get("/api/tags").thenApply(tags -> tags.map(t -> ids(t, "models", "name")));
            })
        .handle(
            (models, error) -> {
              Optional<List<String>> result = error == null ? models : Optional.empty();
              record(result);
              return result;
            });
  }

  private void record(Optional<List<String>> models) {
    boolean now = models.isPresent();
    if (now != available || !probedOnce) {
      log(
          LOG,
          now ? Level.INFO : Level.WARNING,
          now ? "LLM available" : "LLM unavailable",
          of("llm_url", base));
    }
    available = now;
    probedOnce = true;
    if (now && !models.get().isEmpty() && !models.get().equals(lastModels)) {
      boolean changed = !lastModels.isEmpty();
      lastModels = models.get();
      Consumer<List<String>> listener = onModelsChanged;
      if (changed && listener != null) {
        log(LOG, Level.INFO, "the LLM lists other models now", of("models", lastModels));
        listener.accept(lastModels);
      }
    }
  }

  private CompletableFuture<Optional<JsonObject>> get(String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(HttpUpstream.target(base, path)).timeout(PROBE_TIMEOUT).GET();
    if (apiKey != null) {
      request.header("authorization", "Bearer " + apiKey);
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              if (response.statusCode() / 100 != 2) {
                return Optional.<JsonObject>empty();
              }
              try (JsonReader reader = Json.createReader(new StringReader(response.body()))) {
                JsonValue value = reader.readValue();
                return value instanceof JsonObject o
                    ? Optional.of(o)
                    : Optional.<JsonObject>empty();
              } catch (RuntimeException notJson) {
                return Optional.<JsonObject>empty();
              }
            })
        .exceptionally(error -> Optional.empty());
  }

  /** {@code object[list][*][field]} as strings, skipping what is not. */
  static List<String> ids(JsonObject object, String list, String field) {
    List<String> ids = new ArrayList<>();
    if (object.get(list) instanceof JsonArray array) {
      for (JsonValue item : array) {
        if (item instanceof JsonObject o
            && o.get(field) instanceof JsonString s
            && !s.getString().isBlank()) {
          ids.add(s.getString());
        }
      }
    }
    return List.copyOf(ids);
  }
}
