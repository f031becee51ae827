package io.remotellm.protocol;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The LLM calls that travel through the relay, each with its method, its path and the API family it
 * belongs to. The broker relays these and nothing else; a connector forwards these and nothing
 * else, whatever a request frame says, because the LLM server behind it usually has no auth of its
 * own and more API than this (pulling and deleting models, server slots), which must stay out of
 * reach of whoever holds the broker end.
 *
 * <p>To relay another call, add a row to {@link #ALL}: its family decides which connectors may get
 * it, and {@link Routing} how the broker picks one.
 */
public final class RelayedEndpoints {
  private RelayedEndpoints() {}

  /** How the broker finds the connector for a call. */
  public enum Routing {
    /** The JSON body's {@code model}. */
    BY_MODEL,
    /**
     * The id in the path ({@code /v1/responses/{id}}): the connector that created that response.
     */
    BY_RESPONSE_ID
  }

  /**
   * One relayed call.
   *
   * @param method the HTTP method
   * @param template the path; a {@code {id}} segment stands for an id of {@link #ID}'s shape
   * @param api the family it belongs to
   * @param routing how its connector is found
   */
  public record Endpoint(String method, String template, LlmApi api, Routing routing) {
    private Pattern pattern() {
      return Pattern.compile(Pattern.quote(template).replace("{id}", "\\E" + ID + "\\Q"));
    }

    public boolean matches(String method, String path) {
      return this.method.equals(method) && pattern().matcher(path).matches();
    }

    /** The {@code {id}} segment of {@code path}, which this endpoint matches; null if none. */
    public String id(String path) {
      int at = template.indexOf("{id}");
      if (at < 0) {
        return null;
      }
      String rest = path.substring(at);
      int slash = rest.indexOf('/');
      return slash < 0 ? rest : rest.substring(0, slash);
    }

    @Override
    public String toString() {
      return method + " " + template;
    }
  }

  /** A response id in a path: what vLLM and OpenAI make ({@code resp_...}), nothing to escape. */
  public static final String ID = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}";

  public static final List<Endpoint> ALL =
      List.of(
          byModel("/v1/chat/completions", LlmApi.OPENAI),
          byModel("/v1/completions", LlmApi.OPENAI),
          byModel("/v1/embeddings", LlmApi.OPENAI),
          byModel("/v1/responses", LlmApi.RESPONSES),
          byModel("/v1/responses/input_tokens", LlmApi.RESPONSES),
          new Endpoint("GET", "/v1/responses/{id}", LlmApi.RESPONSES, Routing.BY_RESPONSE_ID),
          new Endpoint("DELETE", "/v1/responses/{id}", LlmApi.RESPONSES, Routing.BY_RESPONSE_ID),
          new Endpoint(
              "POST", "/v1/responses/{id}/cancel", LlmApi.RESPONSES, Routing.BY_RESPONSE_ID),
          byModel("/v1/messages", LlmApi.ANTHROPIC),
          byModel("/v1/messages/count_tokens", LlmApi.ANTHROPIC),
          // Ollama's inference calls; its model management (/api/pull, /api/delete...) stays out.
          byModel("/api/chat", LlmApi.OLLAMA),
          byModel("/api/generate", LlmApi.OLLAMA),
          byModel("/api/embed", LlmApi.OLLAMA),
          byModel("/api/embeddings", LlmApi.OLLAMA),
          byModel("/api/show", LlmApi.OLLAMA));

  private static Endpoint byModel(String path, LlmApi api) {
    return new Endpoint("POST", path, api, Routing.BY_MODEL);
  }

  /**
   * The relayed call {@code method path} is, exactly (no query, no dot segments). A fixed path wins
   * over a template ({@code /v1/responses/input_tokens} is not the response {@code input_tokens}).
   */
  public static Optional<Endpoint> find(String method, String path) {
    if (method == null || path == null) {
      return Optional.empty();
    }
    Endpoint templated = null;
    for (Endpoint e : ALL) {
      if (e.template().equals(path) && e.method().equals(method)) {
        return Optional.of(e);
      }
      if (templated == null && e.template().contains("{id}") && e.matches(method, path)) {
        templated = e;
      }
    }
    return Optional.ofNullable(templated);
  }

  /** True for one of {@link #ALL}, exactly. */
  public static boolean allows(String method, String path) {
    return find(method, path).isPresent();
  }

  /** For messages: what is relayed. */
  public static String describe() {
    return String.join(", ", ALL.stream().map(Endpoint::toString).toList());
  }
}
